using System.Globalization;
using System.Text;

namespace HostedMail.Mime.Tests;

/// <summary>A strict reader of IMAP response data (RFC 9051 section 4), used to check generated ENVELOPE and BODYSTRUCTURE.</summary>
internal static class ImapSyntax
{
    /// <summary>Returns true when the bytes are exactly one well-formed parenthesised list.</summary>
    public static bool IsSingleList(ReadOnlySpan<byte> data)
    {
        int i = 0;
        return ReadItem(data, ref i) && data[0] == '(' && i == data.Length;
    }

    private static bool ReadItem(ReadOnlySpan<byte> d, ref int i)
    {
        if (i >= d.Length)
        {
            return false;
        }

        byte c = d[i];
        if (c == '(')
        {
            i++;
            bool first = true;
            while (i < d.Length && d[i] != ')')
            {
                // Items are separated by one space, except adjacent bodies "(...)(...)".
                if (!first && d[i] == ' ')
                {
                    i++;
                }
                else if (!first && d[i] != '(')
                {
                    return false;
                }

                if (!ReadItem(d, ref i))
                {
                    return false;
                }

                first = false;
            }

            if (i >= d.Length)
            {
                return false;
            }

            i++;
            return true;
        }

        if (c == '"')
        {
            i++;
            while (i < d.Length && d[i] != '"')
            {
                if (d[i] is (byte)'\r' or (byte)'\n' or 0)
                {
                    return false;
                }

                i += d[i] == '\\' ? 2 : 1;
            }

            i++;
            return i <= d.Length;
        }

        if (c == '{')
        {
            int close = d[i..].IndexOf("}\r\n"u8);
            if (close < 0 || !int.TryParse(Encoding.ASCII.GetString(d.Slice(i + 1, close - 1)), NumberStyles.None, CultureInfo.InvariantCulture, out int n))
            {
                return false;
            }

            i += close + 3 + n;
            return i <= d.Length;
        }

        if (d[i..].StartsWith("NIL"u8))
        {
            i += 3;
            return true;
        }

        int start = i;
        while (i < d.Length && d[i] is >= (byte)'0' and <= (byte)'9')
        {
            i++;
        }

        return i > start;
    }
}
