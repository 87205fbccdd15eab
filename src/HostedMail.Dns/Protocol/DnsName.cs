using System.Text;

namespace HostedMail.Dns.Protocol;

/// <summary>Domain name helpers: validation, wire encoding and the cache key form.</summary>
internal static class DnsName
{
    // RFC 1035 section 2.3.4: labels of 63 octets or less, names of 255 octets or less on the wire.
    public const int MaxLabelLength = 63;
    public const int MaxWireLength = 255;

    /// <summary>Strips one trailing dot; the root stays "".</summary>
    public static string Normalize(string name) => name.EndsWith('.') ? name[..^1] : name;

    /// <summary>Case-insensitive key (RFC 4343: DNS comparisons ignore ASCII case only).</summary>
    public static string Key(string name) => AsciiLower(Normalize(name));

    public static string AsciiLower(string value)
    {
        foreach (var c in value)
        {
            if (c is >= 'A' and <= 'Z')
            {
                return string.Create(value.Length, value, static (span, source) =>
                {
                    for (var i = 0; i < source.Length; i++)
                    {
                        var ch = source[i];
                        span[i] = ch is >= 'A' and <= 'Z' ? (char)(ch + 32) : ch;
                    }
                });
            }
        }

        return value;
    }

    public static bool EqualsIgnoreCase(string a, string b) =>
        string.Equals(Normalize(a), Normalize(b), StringComparison.OrdinalIgnoreCase);

    /// <summary>Encodes a dotted name as wire labels; false when a label is empty or too long, or the name too long.</summary>
    public static bool TryEncode(string name, out byte[] wire)
    {
        wire = [];
        name = Normalize(name);
        var buffer = new List<byte>(name.Length + 2);
        if (name.Length > 0)
        {
            foreach (var label in name.Split('.'))
            {
                var bytes = Encoding.UTF8.GetBytes(label);
                if (bytes.Length is 0 or > MaxLabelLength)
                {
                    return false;
                }

                buffer.Add((byte)bytes.Length);
                buffer.AddRange(bytes);
            }
        }

        buffer.Add(0);
        if (buffer.Count > MaxWireLength)
        {
            return false;
        }

        wire = [.. buffer];
        return true;
    }

    /// <summary>Turns one wire label into text: UTF-8 as sent, so names built by <see cref="TryEncode"/> round-trip;
    /// only the dot, the backslash and control octets are escaped as \DDD (RFC 4343 section 2.1).</summary>
    public static void AppendLabel(StringBuilder builder, ReadOnlySpan<byte> label)
    {
        if (label.IndexOfAny(SearchValues) < 0 && !label.ContainsAnyInRange((byte)0, (byte)0x1F))
        {
            builder.Append(Encoding.UTF8.GetString(label));
            return;
        }

        foreach (var b in label)
        {
            if (b is (byte)'.' or (byte)'\\' or < 0x20 or 0x7F)
            {
                builder.Append('\\').Append(((int)b).ToString("D3", System.Globalization.CultureInfo.InvariantCulture));
            }
            else
            {
                builder.Append((char)b);
            }
        }
    }

    private static readonly System.Buffers.SearchValues<byte> SearchValues = System.Buffers.SearchValues.Create([(byte)'.', (byte)'\\', 0x7F]);
}
