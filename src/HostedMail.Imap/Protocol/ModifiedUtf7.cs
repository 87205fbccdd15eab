using System.Text;

namespace HostedMail.Imap.Protocol;

/// <summary>
/// Modified UTF-7 mailbox names (RFC 3501 section 5.1.3), which IMAP4rev1 clients use unless
/// UTF8=ACCEPT is enabled (RFC 6855); IMAP4rev2 uses UTF-8 (RFC 9051 section 5.1).
/// </summary>
internal static class ModifiedUtf7
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

    public static string Encode(string value)
    {
        var needs = false;
        foreach (var c in value)
        {
            if (c is < (char)0x20 or > (char)0x7e or '&')
            {
                needs = true;
                break;
            }
        }

        if (!needs)
        {
            return value;
        }

        var sb = new StringBuilder();
        var i = 0;
        while (i < value.Length)
        {
            var c = value[i];
            if (c == '&')
            {
                sb.Append("&-");
                i++;
            }
            else if (c is >= (char)0x20 and <= (char)0x7e)
            {
                sb.Append(c);
                i++;
            }
            else
            {
                var start = i;
                while (i < value.Length && value[i] is < (char)0x20 or > (char)0x7e)
                {
                    i++;
                }

                var bytes = Encoding.BigEndianUnicode.GetBytes(value[start..i]);
                sb.Append('&');
                int bits = 0, buffer = 0;
                foreach (var b in bytes)
                {
                    buffer = (buffer << 8) | b;
                    bits += 8;
                    while (bits >= 6)
                    {
                        bits -= 6;
                        sb.Append(Alphabet[(buffer >> bits) & 0x3f]);
                    }
                }

                if (bits > 0)
                {
                    sb.Append(Alphabet[(buffer << (6 - bits)) & 0x3f]);
                }

                sb.Append('-');
            }
        }

        return sb.ToString();
    }

    /// <summary>Decodes; false for text that is not valid modified UTF-7.</summary>
    public static bool TryDecode(string value, out string decoded)
    {
        decoded = value;
        if (!value.Contains('&', StringComparison.Ordinal))
        {
            return true;
        }

        var sb = new StringBuilder();
        var i = 0;
        while (i < value.Length)
        {
            var c = value[i++];
            if (c != '&')
            {
                if (c > 0x7e)
                {
                    return false;
                }

                sb.Append(c);
                continue;
            }

            var end = value.IndexOf('-', i);
            if (end < 0)
            {
                return false;
            }

            if (end == i)
            {
                sb.Append('&');
                i++;
                continue;
            }

            var bytes = new List<byte>();
            int bits = 0, buffer = 0;
            for (; i < end; i++)
            {
                var v = Alphabet.IndexOf(value[i], StringComparison.Ordinal);
                if (v < 0)
                {
                    return false;
                }

                buffer = (buffer << 6) | v;
                bits += 6;
                if (bits >= 8)
                {
                    bits -= 8;
                    bytes.Add((byte)((buffer >> bits) & 0xff));
                }
            }

            i = end + 1;
            if (bytes.Count % 2 != 0 || (buffer & ((1 << bits) - 1)) != 0)
            {
                return false;
            }

            sb.Append(Encoding.BigEndianUnicode.GetString(bytes.ToArray()));
        }

        decoded = sb.ToString();
        return true;
    }
}
