using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace HostedMail.Net;

/// <summary>Outcome of <see cref="ProxyProtocolParser.TryParse"/>.</summary>
public enum ProxyParseStatus
{
    /// <summary>A header was parsed and consumed.</summary>
    Complete,
    /// <summary>More bytes are needed; nothing consumed.</summary>
    Incomplete,
    /// <summary>Not a valid PROXY header: close the connection.</summary>
    Invalid,
}

/// <summary>What a load balancer said about the connection it forwards.</summary>
/// <param name="Version">1 (text) or 2 (binary).</param>
/// <param name="IsLocal">LOCAL command (v2) or UNKNOWN (v1): the balancer's own connection, e.g. a health check; keep the socket's addresses.</param>
/// <param name="Source">The client's address, or null when <paramref name="IsLocal"/> or the family is not IP.</param>
/// <param name="Destination">The address the client connected to, or null.</param>
public sealed record ProxyHeader(int Version, bool IsLocal, IPEndPoint? Source, IPEndPoint? Destination);

/// <summary>
/// Pure parser for the PROXY protocol header (HAProxy's proxy-protocol.txt, versions 1 and 2)
/// that a balancer sends before any application byte. Never throws on wire input.
/// </summary>
public static class ProxyProtocolParser
{
    /// <summary>v1: "the maximum line length is 107 characters including the CRLF" (section 2.1).</summary>
    public const int MaxV1Length = 107;

    /// <summary>
    /// v2 allows 65535 octets of addresses and TLVs; HAProxy sends well under 1 KB. Refusing
    /// more bounds what an unauthenticated peer can make us buffer.
    /// </summary>
    public const int MaxV2Length = 16 + 4096;

    private static ReadOnlySpan<byte> V2Signature => [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    private static ReadOnlySpan<byte> V1Prefix => "PROXY "u8;

    /// <summary>Parses a v1 or v2 header at the start of the connection.</summary>
    public static ProxyParseStatus TryParse(ref SequenceReader<byte> reader, out ProxyHeader? header)
    {
        header = null;
        Span<byte> head = stackalloc byte[16];
        var available = (int)Math.Min(reader.Remaining, 16);
        reader.UnreadSequence.Slice(0, available).CopyTo(head);
        head = head[..available];
        if (available == 0)
        {
            return ProxyParseStatus.Incomplete;
        }
        if (head[0] == 'P')
        {
            var n = Math.Min(available, V1Prefix.Length);
            return head[..n].SequenceEqual(V1Prefix[..n])
                ? (n < V1Prefix.Length ? ProxyParseStatus.Incomplete : ParseV1(ref reader, out header))
                : ProxyParseStatus.Invalid;
        }
        var m = Math.Min(available, V2Signature.Length);
        if (!head[..m].SequenceEqual(V2Signature[..m]))
        {
            return ProxyParseStatus.Invalid;
        }
        return available < 16 ? ProxyParseStatus.Incomplete : ParseV2(ref reader, head, out header);
    }

    private static ProxyParseStatus ParseV2(ref SequenceReader<byte> reader, scoped ReadOnlySpan<byte> head, out ProxyHeader? header)
    {
        header = null;
        var versionCommand = head[12];
        var family = head[13];
        var length = BinaryPrimitives.ReadUInt16BigEndian(head[14..16]);
        if (versionCommand >> 4 != 2 || (versionCommand & 0x0F) > 1 || 16 + length > MaxV2Length)
        {
            return ProxyParseStatus.Invalid;
        }
        if (reader.Remaining < 16 + length)
        {
            return ProxyParseStatus.Incomplete;
        }
        var body = length <= 256 ? stackalloc byte[length] : new byte[length];
        reader.UnreadSequence.Slice(16, length).CopyTo(body);
        var isLocal = (versionCommand & 0x0F) == 0;
        IPEndPoint? source = null;
        IPEndPoint? destination = null;
        if (!isLocal)
        {
            switch (family)
            {
                case 0x11: // TCP over IPv4: 4 + 4 + 2 + 2
                    if (length < 12)
                    {
                        return ProxyParseStatus.Invalid;
                    }
                    source = new IPEndPoint(new IPAddress(body[..4]), BinaryPrimitives.ReadUInt16BigEndian(body[8..10]));
                    destination = new IPEndPoint(new IPAddress(body[4..8]), BinaryPrimitives.ReadUInt16BigEndian(body[10..12]));
                    break;
                case 0x21: // TCP over IPv6: 16 + 16 + 2 + 2
                    if (length < 36)
                    {
                        return ProxyParseStatus.Invalid;
                    }
                    source = new IPEndPoint(new IPAddress(body[..16]), BinaryPrimitives.ReadUInt16BigEndian(body[32..34]));
                    destination = new IPEndPoint(new IPAddress(body[16..32]), BinaryPrimitives.ReadUInt16BigEndian(body[34..36]));
                    break;
                case 0x00: // UNSPEC: "the receiver must ignore the address information"
                case 0x31: // UNIX stream: no IP to report
                    break;
                default: // UDP (0x12, 0x22, 0x32) or unknown: never right for a TCP mail listener
                    return ProxyParseStatus.Invalid;
            }
        }
        // TLVs after the addresses (PP2_TYPE_ALPN, _AUTHORITY, _SSL, ...) are skipped: nothing here needs them.
        reader.Advance(16 + length);
        header = new ProxyHeader(2, isLocal || source is null, source, destination);
        return ProxyParseStatus.Complete;
    }

    private static ProxyParseStatus ParseV1(ref SequenceReader<byte> reader, out ProxyHeader? header)
    {
        header = null;
        var window = reader.UnreadSequence;
        if (window.Length > MaxV1Length)
        {
            window = window.Slice(0, MaxV1Length);
        }
        var lf = window.PositionOf((byte)'\n');
        if (lf is null)
        {
            return window.Length >= MaxV1Length ? ProxyParseStatus.Invalid : ProxyParseStatus.Incomplete;
        }
        var lineLength = (int)window.Slice(0, lf.Value).Length + 1;
        Span<byte> line = stackalloc byte[MaxV1Length];
        window.Slice(0, lineLength).CopyTo(line);
        line = line[..lineLength];
        if (lineLength < 2 || line[^2] != '\r')
        {
            return ProxyParseStatus.Invalid;
        }
        var text = line[V1Prefix.Length..^2];
        // "PROXY UNKNOWN" may be followed by anything, which the receiver must ignore.
        if (text.StartsWith("UNKNOWN"u8) && (text.Length == 7 || text[7] == ' '))
        {
            reader.Advance(lineLength);
            header = new ProxyHeader(1, true, null, null);
            return ProxyParseStatus.Complete;
        }
        Span<Range> parts = stackalloc Range[5];
        var count = 0;
        foreach (var range in ((ReadOnlySpan<byte>)text).Split((byte)' '))
        {
            if (count == parts.Length)
            {
                return ProxyParseStatus.Invalid;
            }
            parts[count++] = range;
        }
        if (count != 5)
        {
            return ProxyParseStatus.Invalid;
        }
        var protocol = text[parts[0]];
        AddressFamily family;
        if (protocol.SequenceEqual("TCP4"u8))
        {
            family = AddressFamily.InterNetwork;
        }
        else if (protocol.SequenceEqual("TCP6"u8))
        {
            family = AddressFamily.InterNetworkV6;
        }
        else
        {
            return ProxyParseStatus.Invalid;
        }
        if (!TryAddress(text[parts[1]], family, out var source) || !TryAddress(text[parts[2]], family, out var destination)
            || !TryPort(text[parts[3]], out var sourcePort) || !TryPort(text[parts[4]], out var destinationPort))
        {
            return ProxyParseStatus.Invalid;
        }
        reader.Advance(lineLength);
        header = new ProxyHeader(1, false, new IPEndPoint(source, sourcePort), new IPEndPoint(destination, destinationPort));
        return ProxyParseStatus.Complete;
    }

    private static bool TryAddress(ReadOnlySpan<byte> text, AddressFamily family, out IPAddress address)
    {
        address = IPAddress.None;
        if (text.IsEmpty || text.Length > 45)
        {
            return false;
        }
        foreach (var b in text)
        {
            var ok = family == AddressFamily.InterNetwork
                ? char.IsAsciiDigit((char)b) || b == '.'
                : char.IsAsciiHexDigit((char)b) || b is (byte)':' or (byte)'.';
            if (!ok)
            {
                return false;
            }
        }
        Span<char> chars = stackalloc char[45];
        var n = Encoding.ASCII.GetChars(text, chars);
        // IPv4 must be a full dotted quad (IPAddress.Parse would accept "1" or "1.2").
        if (family == AddressFamily.InterNetwork && text.Count((byte)'.') != 3)
        {
            return false;
        }
        if (!IPAddress.TryParse(chars[..n], out var parsed) || parsed.AddressFamily != family)
        {
            return false;
        }
        address = parsed;
        return true;
    }

    private static bool TryPort(ReadOnlySpan<byte> text, out int port)
    {
        port = 0;
        // The spec forbids leading zeros; a port is 1-5 digits up to 65535.
        if (text.IsEmpty || text.Length > 5 || (text[0] == '0' && text.Length > 1))
        {
            return false;
        }
        foreach (var b in text)
        {
            if (!char.IsAsciiDigit((char)b))
            {
                return false;
            }
            port = (port * 10) + (b - '0');
        }
        return port <= 65535;
    }
}
