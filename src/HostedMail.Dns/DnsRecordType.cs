namespace HostedMail.Dns;

/// <summary>DNS resource record types the resolver understands (IANA "Resource Record (RR) TYPEs").</summary>
public enum DnsRecordType : ushort
{
    /// <summary>IPv4 address (RFC 1035).</summary>
    A = 1,
    /// <summary>Authoritative name server (RFC 1035).</summary>
    NS = 2,
    /// <summary>Canonical name alias (RFC 1035).</summary>
    CNAME = 5,
    /// <summary>Start of authority (RFC 1035).</summary>
    SOA = 6,
    /// <summary>Domain name pointer (RFC 1035).</summary>
    PTR = 12,
    /// <summary>Mail exchange (RFC 1035).</summary>
    MX = 15,
    /// <summary>Text strings (RFC 1035).</summary>
    TXT = 16,
    /// <summary>IPv6 address (RFC 3596).</summary>
    AAAA = 28,
    /// <summary>Service location (RFC 2782).</summary>
    SRV = 33,
    /// <summary>EDNS0 pseudo-record (RFC 6891); never queried.</summary>
    OPT = 41,
    /// <summary>DANE TLS association (RFC 6698).</summary>
    TLSA = 52,
}

/// <summary>How a DNS query ended; the distinctions matter to SPF (RFC 7208 section 4.4) and DMARC.</summary>
public enum DnsStatus
{
    /// <summary>NOERROR with at least one record of the requested type.</summary>
    Success,
    /// <summary>NOERROR without records of the requested type (RFC 2308 section 2.2).</summary>
    NoData,
    /// <summary>RCODE 3: the name does not exist (RFC 2308 section 2.1).</summary>
    NxDomain,
    /// <summary>SERVFAIL, REFUSED, NOTIMP or FORMERR from every server tried.</summary>
    ServerFailure,
    /// <summary>No server answered within the configured timeout and attempts.</summary>
    Timeout,
    /// <summary>Every answer received was malformed (truncated records, bad compression pointers, mismatched question).</summary>
    MalformedResponse,
}
