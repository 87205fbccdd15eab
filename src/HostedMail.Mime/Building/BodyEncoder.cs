using System.Buffers;
using System.Buffers.Text;

namespace HostedMail.Mime;

/// <summary>Chooses and applies content-transfer-encodings for generated bodies (RFC 2045 section 6, RFC 5322 section 2.1.1 line limits).</summary>
internal static class BodyEncoder
{
    /// <summary>RFC 5322 section 2.1.1: lines of at most 998 octets excluding CRLF.</summary>
    public const int MaxLineLength = 998;

    /// <summary>Converts bare CR and bare LF to CRLF.</summary>
    public static byte[] ToCrlf(ReadOnlySpan<byte> input)
    {
        var output = new ArrayBufferWriter<byte>(input.Length + (input.Length / 40) + 2);
        for (int i = 0; i < input.Length; i++)
        {
            byte b = input[i];
            if (b == '\r')
            {
                output.Write("\r\n"u8);
                if (i + 1 < input.Length && input[i + 1] == '\n')
                {
                    i++;
                }
            }
            else if (b == '\n')
            {
                output.Write("\r\n"u8);
            }
            else
            {
                output.GetSpan(1)[0] = b;
                output.Advance(1);
            }
        }

        return output.WrittenSpan.ToArray();
    }

    public static int LongestLine(ReadOnlySpan<byte> data)
    {
        int longest = 0;
        while (!data.IsEmpty)
        {
            int nl = data.IndexOf((byte)'\n');
            int len = nl < 0 ? data.Length : nl;
            if (len > 0 && nl >= 0 && data[len - 1] == '\r')
            {
                len--;
            }

            longest = Math.Max(longest, len);
            data = nl < 0 ? [] : data[(nl + 1)..];
        }

        return longest;
    }

    /// <summary>Picks the encoding for text already in CRLF form.</summary>
    public static ContentEncoding ChooseForText(ReadOnlySpan<byte> crlfText, bool allow8Bit)
    {
        int longest = LongestLine(crlfText);
        bool ascii = System.Text.Ascii.IsValid(crlfText) && !crlfText.Contains((byte)0);
        if (ascii && longest <= MaxLineLength)
        {
            return ContentEncoding.SevenBit;
        }

        if (allow8Bit && longest <= MaxLineLength && !crlfText.Contains((byte)0))
        {
            return ContentEncoding.EightBit;
        }

        int high = 0;
        foreach (byte b in crlfText)
        {
            if (b >= 0x80)
            {
                high++;
            }
        }

        // Quoted-printable triples every 8-bit octet; past about a sixth of them base64 is smaller.
        return high * 6 < crlfText.Length ? ContentEncoding.QuotedPrintable : ContentEncoding.Base64;
    }

    public static void WriteBase64(ArrayBufferWriter<byte> output, ReadOnlySpan<byte> data)
    {
        // RFC 2045 section 6.8: lines of at most 76 characters; 57 input bytes make 76.
        Span<byte> line = stackalloc byte[76];
        while (!data.IsEmpty)
        {
            int take = Math.Min(57, data.Length);
            Base64.EncodeToUtf8(data[..take], line, out _, out int written);
            output.Write(line[..written]);
            output.Write("\r\n"u8);
            data = data[take..];
        }
    }

    public static void WriteQuotedPrintable(ArrayBufferWriter<byte> output, ReadOnlySpan<byte> crlfText)
    {
        const string hex = "0123456789ABCDEF";
        Span<byte> esc = stackalloc byte[3];
        esc[0] = (byte)'=';
        while (!crlfText.IsEmpty)
        {
            int nl = crlfText.IndexOf("\r\n"u8);
            ReadOnlySpan<byte> line = nl < 0 ? crlfText : crlfText[..nl];
            int col = 0;
            for (int i = 0; i < line.Length; i++)
            {
                byte b = line[i];
                bool last = i == line.Length - 1;
                // RFC 2045 section 6.7 rules 1-3: literal printable ASCII except '=', whitespace
                // only when not at the end of a line.
                bool literal = (b is >= 33 and <= 126 && b != '=') || (b is (byte)' ' or (byte)'\t' && !last);
                int width = literal ? 1 : 3;
                // Rule 5: encoded lines at most 76 characters, the soft break "=" included.
                if (col + width > 75)
                {
                    output.Write("=\r\n"u8);
                    col = 0;
                }

                if (literal)
                {
                    output.GetSpan(1)[0] = b;
                    output.Advance(1);
                }
                else
                {
                    esc[1] = (byte)hex[b >> 4];
                    esc[2] = (byte)hex[b & 15];
                    output.Write(esc);
                }

                col += width;
            }

            if (nl < 0)
            {
                break;
            }

            output.Write("\r\n"u8);
            crlfText = crlfText[(nl + 2)..];
        }
    }
}
