namespace HostedMail.Dns;

/// <summary>The outcome of one query: its status, the records of the requested type after CNAME chasing, and the AD bit.</summary>
/// <param name="Name">The name that was asked for.</param>
/// <param name="Type">The type that was asked for.</param>
/// <param name="Status">How the query ended.</param>
/// <param name="Records">Records of <paramref name="Type"/> owned by <paramref name="CanonicalName"/>; empty unless <see cref="DnsStatus.Success"/>.</param>
/// <param name="CanonicalName">The name the records belong to after following CNAMEs.</param>
/// <param name="AuthenticatedData">The upstream's AD bit (RFC 4035 section 3.2.3); only meaningful over a trusted path to a validating resolver.</param>
public sealed record DnsAnswer(
    string Name,
    DnsRecordType Type,
    DnsStatus Status,
    IReadOnlyList<DnsRecord> Records,
    string CanonicalName,
    bool AuthenticatedData)
{
    /// <summary>True when the status is <see cref="DnsStatus.NxDomain"/> or <see cref="DnsStatus.NoData"/>: a definite "nothing here".</summary>
    public bool IsNegative => Status is DnsStatus.NxDomain or DnsStatus.NoData;

    /// <summary>True for server failures, timeouts and malformed answers: a retry later might succeed.</summary>
    public bool IsTransientError => Status is DnsStatus.ServerFailure or DnsStatus.Timeout or DnsStatus.MalformedResponse;

    /// <summary>The records of type <typeparamref name="T"/>.</summary>
    public IEnumerable<T> RecordsOf<T>() where T : DnsRecord => Records.OfType<T>();

    internal static DnsAnswer Failure(string name, DnsRecordType type, DnsStatus status) => new(name, type, status, [], name, false);
}
