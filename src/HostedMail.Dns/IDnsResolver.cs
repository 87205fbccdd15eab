namespace HostedMail.Dns;

/// <summary>Asks DNS one question; implemented by <see cref="DnsResolver"/> and by test doubles.</summary>
public interface IDnsResolver
{
    /// <summary>Queries <paramref name="name"/> for <paramref name="type"/>, following CNAMEs unless <paramref name="type"/> is CNAME; never throws for DNS failures.</summary>
    Task<DnsAnswer> QueryAsync(string name, DnsRecordType type, CancellationToken cancellationToken = default);
}
