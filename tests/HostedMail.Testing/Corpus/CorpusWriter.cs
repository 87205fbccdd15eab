using System.Globalization;
using System.Text;

namespace HostedMail.Testing.Corpus;

/// <summary>Accumulates the octets of one generated message, CRLF line ends unless told otherwise.</summary>
public sealed class CorpusWriter
{
    private readonly MemoryStream _stream = new();

    public long Length => _stream.Length;

    /// <summary>A header field as given (the caller folds and encodes).</summary>
    public CorpusWriter Header(string name, string value) => Line(name + ": " + value);

    /// <summary>A line of text written as UTF-8 (ASCII for most callers), then CRLF.</summary>
    public CorpusWriter Line(string text = "")
    {
        Text(text);
        return Raw("\r\n"u8);
    }

    /// <summary>Text written as UTF-8 with no line end.</summary>
    public CorpusWriter Text(string text)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        _stream.Write(bytes);
        return this;
    }

    /// <summary>Octets written as given.</summary>
    public CorpusWriter Raw(ReadOnlySpan<byte> bytes)
    {
        _stream.Write(bytes);
        return this;
    }

    /// <summary>Text in a legacy charset written as raw octets, then CRLF.</summary>
    public CorpusWriter Line(string text, Encoding encoding)
    {
        _stream.Write(encoding.GetBytes(text));
        return Raw("\r\n"u8);
    }

    public byte[] ToArray() => _stream.ToArray();
}

/// <summary>Encoders that produce what real senders put on the wire (RFC 2045, RFC 2047, RFC 2231).</summary>
public static class CorpusEncoding
{
    static CorpusEncoding() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    /// <summary>The .NET encoding for a MIME charset label used by the corpus.</summary>
    public static Encoding Get(string charset) => charset.ToUpperInvariant() switch
    {
        "GBK" or "GB2312" => Encoding.GetEncoding(936),
        "ISO-8859-1" => Encoding.Latin1,
        "US-ASCII" => Encoding.ASCII,
        "UTF-8" => new UTF8Encoding(false),
        _ => Encoding.GetEncoding(charset),
    };

    /// <summary>
    /// RFC 2047 encoded words for a text, each at most 75 characters (section 2), split on
    /// character boundaries so every word decodes on its own (section 5 (3)), separated by
    /// folding whitespace.
    /// </summary>
    public static string Words(string text, string charset, char encoding, string separator = "\r\n ")
    {
        Encoding e = Get(charset);
        var words = new List<string>();
        var chunk = new StringBuilder();
        var elements = StringInfo.GetTextElementEnumerator(text);
        while (elements.MoveNext())
        {
            string element = elements.GetTextElement();
            if (chunk.Length > 0 && Word(chunk + element, charset, encoding, e).Length > 75)
            {
                words.Add(Word(chunk.ToString(), charset, encoding, e));
                chunk.Clear();
            }

            chunk.Append(element);
        }

        if (chunk.Length > 0)
        {
            words.Add(Word(chunk.ToString(), charset, encoding, e));
        }

        return string.Join(separator, words);
    }

    /// <summary>One encoded word, however long.</summary>
    public static string Word(string text, string charset, char encoding) => Word(text, charset, encoding, Get(charset));

    private static string Word(string text, string charset, char encoding, Encoding e)
    {
        byte[] bytes = e.GetBytes(text);
        return char.ToUpperInvariant(encoding) == 'B'
            ? $"=?{charset}?{encoding}?{Convert.ToBase64String(bytes)}?="
            : $"=?{charset}?{encoding}?{QEncode(bytes)}?=";
    }

    /// <summary>The "Q" encoding of RFC 2047 section 4.2 (restricted to the phrase-safe set of section 5 (3)).</summary>
    public static string QEncode(byte[] bytes)
    {
        var sb = new StringBuilder();
        foreach (byte b in bytes)
        {
            if (b == ' ')
            {
                sb.Append('_');
            }
            else if (char.IsAsciiLetterOrDigit((char)b) || b is (byte)'!' or (byte)'*' or (byte)'+' or (byte)'-' or (byte)'/')
            {
                sb.Append((char)b);
            }
            else
            {
                sb.Append('=').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return sb.ToString();
    }

    /// <summary>Base64 body lines of 76 characters (RFC 2045 section 6.8), CRLF after each.</summary>
    public static string Base64Lines(byte[] bytes, int lineLength = 76)
    {
        string all = Convert.ToBase64String(bytes);
        var sb = new StringBuilder(all.Length + (all.Length / lineLength * 2) + 2);
        for (int i = 0; i < all.Length; i += lineLength)
        {
            sb.Append(all, i, Math.Min(lineLength, all.Length - i)).Append("\r\n");
        }

        return sb.ToString();
    }

    /// <summary>
    /// Quoted-printable (RFC 2045 section 6.7): CRLF in the text stays a hard line break, lines
    /// longer than 76 get soft breaks ("=" CRLF), trailing whitespace is encoded.
    /// </summary>
    public static string QuotedPrintable(byte[] bytes)
    {
        var sb = new StringBuilder();
        int lineLength = 0;
        for (int i = 0; i < bytes.Length; i++)
        {
            byte b = bytes[i];
            if (b == '\r' && i + 1 < bytes.Length && bytes[i + 1] == '\n')
            {
                sb.Append("\r\n");
                lineLength = 0;
                i++;
                continue;
            }

            bool atLineEnd = i + 1 == bytes.Length || bytes[i + 1] == '\r';
            string token = (b is >= 33 and <= 126 && b != '=') || (b is (byte)' ' or (byte)'\t' && !atLineEnd)
                ? ((char)b).ToString()
                : "=" + b.ToString("X2", CultureInfo.InvariantCulture);
            if (lineLength + token.Length > 75)
            {
                sb.Append("=\r\n");
                lineLength = 0;
            }

            sb.Append(token);
            lineLength += token.Length;
        }

        return sb.ToString();
    }

    /// <summary>RFC 2231 section 4 extended value: charset'language'percent-encoded octets.</summary>
    public static string Rfc2231Value(string text, string charset, string language = "")
    {
        var sb = new StringBuilder(charset).Append('\'').Append(language).Append('\'');
        foreach (byte b in Get(charset).GetBytes(text))
        {
            if (char.IsAsciiLetterOrDigit((char)b) || b is (byte)'.' or (byte)'-' or (byte)'_')
            {
                sb.Append((char)b);
            }
            else
            {
                sb.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return sb.ToString();
    }
}
