using System.Buffers;
using System.Text;

namespace HostedMail.Mime;

/// <summary>Decodes and encodes RFC 2047 encoded words ("=?charset?B|Q?text?=") in header text.</summary>
public static class EncodedWords
{
    /// <summary>Decodes every encoded word in unstructured header text, tolerating the usual breakage: missing whitespace between words, words inside quoted strings or atoms, and multi-byte characters split across adjacent words.</summary>
    public static string Decode(string text)
    {
        if (text is null || !text.Contains("=?", StringComparison.Ordinal))
        {
            return text ?? string.Empty;
        }

        var sb = new StringBuilder(text.Length);
        var pending = new ArrayBufferWriter<byte>();
        string? pendingCharset = null;
        int i = 0;
        int literalStart = 0;
        bool lastWasWord = false;
        var closes = new CloseFinder(text);
        while (i < text.Length)
        {
            int p = text.IndexOf("=?", i, StringComparison.Ordinal);
            if (p < 0 || closes.NoneLeft)
            {
                break;
            }

            if (!TryParseWord(text, p, ref closes, out int end, out string charset, out char enc, out int textStart, out int textEnd))
            {
                i = p + 2;
                continue;
            }

            ReadOnlySpan<char> between = text.AsSpan(literalStart, p - literalStart);
            // RFC 2047 section 6.2: whitespace between adjacent encoded words is not displayed.
            if (!(lastWasWord && between.IsWhiteSpace()))
            {
                Flush(sb, pending, ref pendingCharset);
                sb.Append(between);
            }

            if (pendingCharset is not null && !string.Equals(pendingCharset, charset, StringComparison.OrdinalIgnoreCase))
            {
                Flush(sb, pending, ref pendingCharset);
            }

            pendingCharset = charset;
            DecodePayload(text.AsSpan(textStart, textEnd - textStart), enc, pending);
            lastWasWord = true;
            i = end;
            literalStart = end;
        }

        Flush(sb, pending, ref pendingCharset);
        sb.Append(text.AsSpan(literalStart));
        return sb.ToString();
    }

    private static void Flush(StringBuilder sb, ArrayBufferWriter<byte> pending, ref string? charset)
    {
        if (pending.WrittenCount > 0)
        {
            sb.Append(Charsets.Decode(pending.WrittenSpan, charset));
            pending.Clear();
        }

        charset = null;
    }

    /// <summary>Finds "?=" after a position, reusing the previous answer, so that many "=?" openers cost linear time in total.</summary>
    private struct CloseFinder(string text)
    {
        private int _searchedFrom = int.MaxValue;
        private int _found = -1;

        public bool NoneLeft { get; private set; }

        public int Find(int from)
        {
            // The first "?=" at or after an earlier start is also the first after any later start up to it.
            if (from >= _searchedFrom && from <= _found)
            {
                return _found;
            }

            _searchedFrom = from;
            _found = text.IndexOf("?=", from, StringComparison.Ordinal);
            NoneLeft = _found < 0;
            return _found;
        }
    }

    // Lenient bound on the length of one encoded word (RFC 2047 says 75); keeps hostile input linear.
    private const int MaxWordLength = 500;

    private static bool TryParseWord(string s, int p, ref CloseFinder closes, out int end, out string charset, out char enc, out int textStart, out int textEnd)
    {
        end = textStart = textEnd = 0;
        charset = string.Empty;
        enc = '\0';
        int q1 = p + 2;
        int q2 = q1;
        while (q2 < s.Length && s[q2] != '?' && q2 - q1 < 80)
        {
            char c = s[q2];
            if (c <= ' ' || c >= 0x7F || c is '(' or ')' or '<' or '>' or '@' or ',' or ';' or ':' or '"' or '/' or '[' or ']' or '.' or '=')
            {
                return false;
            }

            q2++;
        }

        if (q2 == q1 || q2 + 2 >= s.Length || s[q2 + 2] != '?')
        {
            return false;
        }

        enc = char.ToUpperInvariant(s[q2 + 1]);
        if (enc is not ('B' or 'Q'))
        {
            return false;
        }

        textStart = q2 + 3;
        if (textStart > s.Length)
        {
            return false;
        }

        int close = closes.Find(textStart);
        if (close < 0 || close - p > MaxWordLength)
        {
            return false;
        }

        // RFC 2047 section 2 forbids spaces in encoded text; a space means this was not a word
        // unless the encoder was merely sloppy with Q (common), so allow spaces only for Q.
        ReadOnlySpan<char> payload = s.AsSpan(textStart, close - textStart);
        if (enc == 'B' && payload.ContainsAny(' ', '\t'))
        {
            return false;
        }

        if (payload.ContainsAny('\r', '\n'))
        {
            return false;
        }

        textEnd = close;
        end = close + 2;
        charset = s[q1..q2];
        return true;
    }

    private static void DecodePayload(ReadOnlySpan<char> payload, char enc, ArrayBufferWriter<byte> output)
    {
        // Encoded text is ASCII by definition; anything else is re-encoded as UTF-8 so that stray
        // raw 8-bit characters survive rather than vanish.
        int max = Encoding.UTF8.GetMaxByteCount(payload.Length);
        byte[] rented = ArrayPool<byte>.Shared.Rent(max);
        try
        {
            int n = Encoding.UTF8.GetBytes(payload, rented);
            ReadOnlySpan<byte> raw = rented.AsSpan(0, n);
            if (enc == 'B')
            {
                Span<byte> dest = output.GetSpan(TransferDecoding.MaxBase64DecodedLength(n));
                output.Advance(TransferDecoding.DecodeBase64(raw, dest));
            }
            else
            {
                Span<byte> dest = output.GetSpan(n);
                output.Advance(TransferDecoding.DecodeQuotedPrintable(raw, dest, headerEncoding: true));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Encodes text as a run of UTF-8 encoded words of at most 75 characters each (RFC 2047 section 2); the first may be shorter so that it fits after the field name on a 76-character line.</summary>
    public static IReadOnlyList<string> EncodeWords(string text, bool phrase = false, int firstWordMax = 75)
    {
        var words = new List<string>();
        int nonAscii = 0;
        foreach (char c in text)
        {
            if (c >= 0x80)
            {
                nonAscii++;
            }
        }

        // Q keeps mostly-ASCII text readable; B is shorter for mostly non-ASCII text.
        bool useQ = nonAscii * 3 < text.Length;
        const string prefixB = "=?utf-8?B?";
        const string prefixQ = "=?utf-8?Q?";
        int maxWord = Math.Clamp(firstWordMax, 24, 75);
        var chunk = new StringBuilder();
        int i = 0;
        while (i < text.Length)
        {
            int cpLength = char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]) ? 2 : 1;
            string candidate = string.Concat(chunk.ToString().AsSpan(), text.AsSpan(i, cpLength));
            int encodedLength = useQ ? QEncodedLength(candidate, phrase) + prefixQ.Length + 2 : (((Encoding.UTF8.GetByteCount(candidate) + 2) / 3) * 4) + prefixB.Length + 2;
            if (encodedLength > maxWord && chunk.Length > 0)
            {
                words.Add(EncodeOne(chunk.ToString(), useQ, phrase));
                chunk.Clear();
                maxWord = 75;
                continue;
            }

            chunk.Append(text, i, cpLength);
            i += cpLength;
        }

        if (chunk.Length > 0 || words.Count == 0)
        {
            words.Add(EncodeOne(chunk.ToString(), useQ, phrase));
        }

        return words;
    }

    private static string EncodeOne(string s, bool useQ, bool phrase)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(s);
        if (!useQ)
        {
            return "=?utf-8?B?" + Convert.ToBase64String(bytes) + "?=";
        }

        var sb = new StringBuilder("=?utf-8?Q?");
        foreach (byte b in bytes)
        {
            if (b == ' ')
            {
                sb.Append('_');
            }
            else if (IsQSafe(b, phrase))
            {
                sb.Append((char)b);
            }
            else
            {
                sb.Append('=').Append(((int)b).ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return sb.Append("?=").ToString();
    }

    private static int QEncodedLength(string s, bool phrase)
    {
        int n = 0;
        foreach (byte b in Encoding.UTF8.GetBytes(s))
        {
            n += b == ' ' || IsQSafe(b, phrase) ? 1 : 3;
        }

        return n;
    }

    // RFC 2047 section 5 rule 3: in a phrase only letters, digits and "!*+-/" may stand for themselves.
    private static bool IsQSafe(byte b, bool phrase) => phrase
        ? b is (>= (byte)'a' and <= (byte)'z') or (>= (byte)'A' and <= (byte)'Z') or (>= (byte)'0' and <= (byte)'9') or (byte)'!' or (byte)'*' or (byte)'+' or (byte)'-' or (byte)'/'
        : b is > 0x20 and < 0x7F and not ((byte)'=' or (byte)'?' or (byte)'_');
}
