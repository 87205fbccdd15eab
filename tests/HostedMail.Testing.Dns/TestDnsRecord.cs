using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace HostedMail.Testing.Dns;

/// <summary>Record types the test server can serve (IANA values).</summary>
public enum TestDnsRecordType : ushort
{
    /// <summary>Matches every type in <see cref="TestDnsServer.Fail"/>.</summary>
    Any = 0,
    /// <summary>IPv4 address.</summary>
    A = 1,
    /// <summary>Name server.</summary>
    NS = 2,
    /// <summary>Alias.</summary>
    CNAME = 5,
    /// <summary>Start of authority.</summary>
    SOA = 6,
    /// <summary>Pointer.</summary>
    PTR = 12,
    /// <summary>Mail exchange.</summary>
    MX = 15,
    /// <summary>Text.</summary>
    TXT = 16,
    /// <summary>IPv6 address.</summary>
    AAAA = 28,
    /// <summary>Service location.</summary>
    SRV = 33,
    /// <summary>DANE association.</summary>
    TLSA = 52,
}

/// <summary>One record to serve: its type, TTL and RDATA in wire form (names uncompressed).</summary>
public sealed record TestDnsRecord(TestDnsRecordType Type, byte[] Data)
{
    /// <summary>Time to live in seconds.</summary>
    public uint Ttl { get; init; } = 300;

    /// <summary>For CNAME records, the target; used to chase aliases inside the zone.</summary>
    public string? Target { get; init; }

    /// <summary>An A record.</summary>
    public static TestDnsRecord A(string address) => Address(TestDnsRecordType.A, address, 4);

    /// <summary>An AAAA record.</summary>
    public static TestDnsRecord Aaaa(string address) => Address(TestDnsRecordType.AAAA, address, 16);

    /// <summary>A TXT record; strings longer than 255 bytes are split into several character-strings.</summary>
    public static TestDnsRecord Txt(params string[] strings)
    {
        var data = new List<byte>();
        foreach (var s in strings)
        {
            var bytes = Encoding.UTF8.GetBytes(s);
            var offset = 0;
            do
            {
                var length = Math.Min(255, bytes.Length - offset);
                data.Add((byte)length);
                data.AddRange(bytes.AsSpan(offset, length).ToArray());
                offset += length;
            }
            while (offset < bytes.Length);
        }

        return new TestDnsRecord(TestDnsRecordType.TXT, [.. data]);
    }

    /// <summary>An MX record.</summary>
    public static TestDnsRecord Mx(ushort preference, string exchange) =>
        new(TestDnsRecordType.MX, [.. UInt16(preference), .. EncodeName(exchange)]);

    /// <summary>A CNAME record.</summary>
    public static TestDnsRecord Cname(string target) => new(TestDnsRecordType.CNAME, EncodeName(target)) { Target = target };

    /// <summary>A PTR record.</summary>
    public static TestDnsRecord Ptr(string target) => new(TestDnsRecordType.PTR, EncodeName(target));

    /// <summary>An NS record.</summary>
    public static TestDnsRecord Ns(string host) => new(TestDnsRecordType.NS, EncodeName(host));

    /// <summary>An SRV record.</summary>
    public static TestDnsRecord Srv(ushort priority, ushort weight, ushort port, string target) =>
        new(TestDnsRecordType.SRV, [.. UInt16(priority), .. UInt16(weight), .. UInt16(port), .. EncodeName(target)]);

    /// <summary>A TLSA record.</summary>
    public static TestDnsRecord Tlsa(byte usage, byte selector, byte matchingType, byte[] association) =>
        new(TestDnsRecordType.TLSA, [usage, selector, matchingType, .. association]);

    /// <summary>An SOA record.</summary>
    public static TestDnsRecord Soa(string primary, string mailbox, uint serial, uint minimum) =>
        new(TestDnsRecordType.SOA, [.. EncodeName(primary), .. EncodeName(mailbox), .. UInt32(serial), .. UInt32(3600), .. UInt32(600), .. UInt32(86400), .. UInt32(minimum)]);

    /// <summary>Any type with raw RDATA, including deliberately malformed RDATA.</summary>
    public static TestDnsRecord Raw(TestDnsRecordType type, byte[] data) => new(type, data);

    /// <summary>Encodes a dotted name as uncompressed wire labels.</summary>
    public static byte[] EncodeName(string name)
    {
        var result = new List<byte>();
        foreach (var label in name.TrimEnd('.').Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            var bytes = Encoding.UTF8.GetBytes(label);
            result.Add((byte)Math.Min(bytes.Length, 63));
            result.AddRange(bytes.Take(63));
        }

        result.Add(0);
        return [.. result];
    }

    private static TestDnsRecord Address(TestDnsRecordType type, string address, int length)
    {
        var bytes = IPAddress.Parse(address).GetAddressBytes();
        if (bytes.Length != length)
        {
            throw new ArgumentException($"{address} is not an address of type {type}", nameof(address));
        }

        return new TestDnsRecord(type, bytes);
    }

    private static byte[] UInt16(ushort value)
    {
        var bytes = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(bytes, value);
        return bytes;
    }

    private static byte[] UInt32(uint value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return bytes;
    }
}

/// <summary>How the server misbehaves for a name.</summary>
public enum TestDnsFailure
{
    /// <summary>Answer RCODE 2.</summary>
    ServerFailure,
    /// <summary>Answer RCODE 5.</summary>
    Refused,
    /// <summary>Do not answer at all, so the client times out.</summary>
    Timeout,
}

/// <summary>One query the server received.</summary>
public sealed record TestDnsQuery(string Name, TestDnsRecordType Type, bool OverTcp);
