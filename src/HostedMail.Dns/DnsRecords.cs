using System.Net;

namespace HostedMail.Dns;

/// <summary>One resource record from an answer; owner names carry no trailing dot.</summary>
public abstract record DnsRecord(string Name, DnsRecordType Type, uint Ttl);

/// <summary>An IPv4 or IPv6 address record (A or AAAA).</summary>
public sealed record AddressRecord(string Name, DnsRecordType Type, uint Ttl, IPAddress Address) : DnsRecord(Name, Type, Ttl);

/// <summary>A mail exchange record.</summary>
public sealed record MxRecord(string Name, uint Ttl, ushort Preference, string Exchange) : DnsRecord(Name, DnsRecordType.MX, Ttl);

/// <summary>A TXT record: its character-strings in order and, in <see cref="Text"/>, joined without separators (RFC 7208 section 3.3).</summary>
public sealed record TxtRecord(string Name, uint Ttl, IReadOnlyList<string> Strings) : DnsRecord(Name, DnsRecordType.TXT, Ttl)
{
    /// <summary>The character-strings concatenated with nothing between them, as SPF and DKIM read them.</summary>
    public string Text => string.Concat(Strings);
}

/// <summary>A record whose data is one domain name: CNAME, PTR or NS.</summary>
public sealed record NameRecord(string Name, DnsRecordType Type, uint Ttl, string Target) : DnsRecord(Name, Type, Ttl);

/// <summary>A service location record (RFC 2782).</summary>
public sealed record SrvRecord(string Name, uint Ttl, ushort Priority, ushort Weight, ushort Port, string Target) : DnsRecord(Name, DnsRecordType.SRV, Ttl);

/// <summary>A DANE TLSA record (RFC 6698 section 2.1).</summary>
public sealed record TlsaRecord(string Name, uint Ttl, byte Usage, byte Selector, byte MatchingType, ReadOnlyMemory<byte> Data) : DnsRecord(Name, DnsRecordType.TLSA, Ttl);

/// <summary>A start-of-authority record; its <see cref="Minimum"/> bounds negative caching (RFC 2308 section 5).</summary>
public sealed record SoaRecord(string Name, uint Ttl, string PrimaryServer, string ResponsibleMailbox, uint Serial, uint Refresh, uint Retry, uint Expire, uint Minimum)
    : DnsRecord(Name, DnsRecordType.SOA, Ttl);

/// <summary>A record of a type this library does not decode, with its raw RDATA.</summary>
public sealed record UnknownRecord(string Name, DnsRecordType Type, uint Ttl, ReadOnlyMemory<byte> Data) : DnsRecord(Name, Type, Ttl);
