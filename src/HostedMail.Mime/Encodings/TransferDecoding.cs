namespace HostedMail.Mime;

/// <summary>Lenient decoders for base64 and quoted-printable content, as mail in the wild needs.</summary>
public static class TransferDecoding
{
    private static readonly sbyte[] Base64Map = BuildBase64Map();

    private static sbyte[] BuildBase64Map()
    {
        var map = new sbyte[256];
        Array.Fill(map, (sbyte)-1);
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        for (int i = 0; i < alphabet.Length; i++)
        {
            map[alphabet[i]] = (sbyte)i;
        }

        // RFC 4648 section 5 URL-safe letters appear in some broken generators; accept them.
        map['-'] = 62;
        map['_'] = 63;
        return map;
    }

    /// <summary>Returns the largest number of bytes base64 input of this length can decode to.</summary>
    public static int MaxBase64DecodedLength(int encodedLength) => (int)Math.Min(int.MaxValue, ((long)encodedLength * 3 / 4) + 3);

    /// <summary>Decodes base64, skipping whitespace and invalid characters (RFC 2045 section 6.8 says to ignore them) and tolerating missing padding.</summary>
    public static byte[] DecodeBase64(ReadOnlySpan<byte> input)
    {
        var output = new byte[MaxBase64DecodedLength(input.Length)];
        int n = DecodeBase64(input, output);
        return n == output.Length ? output : output.AsSpan(0, n).ToArray();
    }

    /// <summary>Decodes base64 into a buffer of at least <see cref="MaxBase64DecodedLength"/> bytes and returns the count written.</summary>
    public static int DecodeBase64(ReadOnlySpan<byte> input, Span<byte> output)
    {
        sbyte[] map = Base64Map;
        int o = 0;
        int acc = 0;
        int bits = 0;
        int i = 0;
        // Fast path: whole 4-character groups with no whitespace between them.
        while (i + 4 <= input.Length)
        {
            int a = map[input[i]], b = map[input[i + 1]], c = map[input[i + 2]], d = map[input[i + 3]];
            if ((a | b | c | d) < 0 || bits != 0)
            {
                break;
            }

            int v = (a << 18) | (b << 12) | (c << 6) | d;
            output[o] = (byte)(v >> 16);
            output[o + 1] = (byte)(v >> 8);
            output[o + 2] = (byte)v;
            o += 3;
            i += 4;
            if (i < input.Length && (input[i] == '\r' || input[i] == '\n'))
            {
                while (i < input.Length && (input[i] == '\r' || input[i] == '\n'))
                {
                    i++;
                }
            }
        }

        for (; i < input.Length; i++)
        {
            byte ch = input[i];
            if (ch == '=')
            {
                // Padding ends a quantum; anything buffered that is not a whole byte is dropped.
                acc = 0;
                bits = 0;
                continue;
            }

            int v = map[ch];
            if (v < 0)
            {
                continue;
            }

            acc = (acc << 6) | v;
            bits += 6;
            if (bits >= 8)
            {
                bits -= 8;
                output[o++] = (byte)(acc >> bits);
                acc &= (1 << bits) - 1;
            }
        }

        return o;
    }

    /// <summary>Decodes quoted-printable (RFC 2045 section 6.7); malformed escapes are kept literally and bare LF soft breaks are honoured.</summary>
    public static byte[] DecodeQuotedPrintable(ReadOnlySpan<byte> input, bool headerEncoding = false)
    {
        var output = new byte[input.Length];
        int n = DecodeQuotedPrintable(input, output, headerEncoding);
        return n == output.Length ? output : output.AsSpan(0, n).ToArray();
    }

    /// <summary>Decodes quoted-printable into a buffer at least as long as the input; with headerEncoding, '_' means space (RFC 2047 section 4.2).</summary>
    public static int DecodeQuotedPrintable(ReadOnlySpan<byte> input, Span<byte> output, bool headerEncoding = false)
    {
        int o = 0;
        int i = 0;
        while (i < input.Length)
        {
            int eq = headerEncoding ? input[i..].IndexOfAny((byte)'=', (byte)'_') : input[i..].IndexOfAny((byte)'=', (byte)' ', (byte)'\t');
            if (eq < 0)
            {
                input[i..].CopyTo(output[o..]);
                o += input.Length - i;
                break;
            }

            input.Slice(i, eq).CopyTo(output[o..]);
            o += eq;
            i += eq;
            byte ch = input[i];
            if (ch == '_')
            {
                output[o++] = (byte)' ';
                i++;
                continue;
            }

            if (ch is (byte)' ' or (byte)'\t')
            {
                // RFC 2045 section 6.7 rule 3: trailing whitespace on a line was added in transport; drop it.
                int j = i;
                while (j < input.Length && (input[j] == ' ' || input[j] == '\t'))
                {
                    j++;
                }

                if (j == input.Length || input[j] == '\n' || (input[j] == '\r' && j + 1 < input.Length && input[j + 1] == '\n'))
                {
                    i = j;
                    continue;
                }

                input[i..j].CopyTo(output[o..]);
                o += j - i;
                i = j;
                continue;
            }

            // '='
            if (TryHex(input, i + 1, out byte value))
            {
                output[o++] = value;
                i += 3;
                continue;
            }

            // Soft line break: "=" then optional whitespace then CRLF or LF.
            int k = i + 1;
            while (k < input.Length && (input[k] == ' ' || input[k] == '\t'))
            {
                k++;
            }

            if (k < input.Length && input[k] == '\n')
            {
                i = k + 1;
                continue;
            }

            if (k + 1 < input.Length && input[k] == '\r' && input[k + 1] == '\n')
            {
                i = k + 2;
                continue;
            }

            if (k == input.Length)
            {
                i = k;
                continue;
            }

            output[o++] = (byte)'=';
            i++;
        }

        return o;
    }

    private static bool TryHex(ReadOnlySpan<byte> s, int at, out byte value)
    {
        value = 0;
        if (at + 1 >= s.Length)
        {
            return false;
        }

        int hi = HexValue(s[at]);
        int lo = HexValue(s[at + 1]);
        if (hi < 0 || lo < 0)
        {
            return false;
        }

        value = (byte)((hi << 4) | lo);
        return true;
    }

    private static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        // Lower-case hex is illegal (RFC 2045 section 6.7 rule 1) but common; accept it.
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        _ => -1,
    };
}
