using HostedMail.Core.Audit;
using Orleans;

namespace HostedMail.Core.Domains;

/// <summary>A DNS domain a tenant has added; mail flows for it only once it is verified.</summary>
[GenerateSerializer]
[Alias("HostedMail.Domain")]
public sealed record Domain(
    long TenantId,
    long DomainId,
    string Name,
    DomainState State,
    string VerificationToken,
    DateTimeOffset? VerifiedAt,
    DomainVerifiedBy? VerifiedBy,
    DateTimeOffset CreatedAt)
{
    /// <summary>The owner name of the TXT record that proves ownership.</summary>
    public string VerificationRecordName => DomainOwnership.RecordName(Name);

    /// <summary>The TXT record value that proves ownership.</summary>
    public string VerificationRecordValue => DomainOwnership.RecordValue(VerificationToken);
}

/// <summary>Whether a domain's ownership has been proven.</summary>
[GenerateSerializer]
public enum DomainState
{
    Pending,
    Verified,
}

/// <summary>How a domain was verified: through DNS, or by an operator override (development, support).</summary>
[GenerateSerializer]
public enum DomainVerifiedBy
{
    Dns,
    Operator,
}

/// <summary>Domain persistence; every write records its audit entries in the same transaction.</summary>
public interface IDomainStore
{
    /// <summary>Adds the domain; throws Conflict if the tenant has it already or another tenant verified it meanwhile.</summary>
    Task<Domain> AddAsync(long tenantId, string name, string token, DomainVerifiedBy? verifiedBy, IReadOnlyList<AuditEntry> audit, CancellationToken cancellationToken);

    Task<Domain?> FindAsync(long tenantId, string name, CancellationToken cancellationToken);

    /// <summary>The tenant that has verified this name, if any.</summary>
    Task<Domain?> FindVerifiedAsync(string name, CancellationToken cancellationToken);

    /// <summary>Every tenant's entry for this name (a name may be pending in several tenants).</summary>
    Task<IReadOnlyList<Domain>> FindAllByNameAsync(string name, CancellationToken cancellationToken);

    Task<IReadOnlyList<Domain>> ListAsync(long? tenantId, CancellationToken cancellationToken);

    /// <summary>
    /// Marks the domain verified; throws Conflict if another tenant verified the name first.
    /// Called by the domain's grain only (<see cref="IDomainOperations.VerifyAsync"/>), whose RCPT memory follows it.
    /// </summary>
    Task<Domain> MarkVerifiedAsync(long tenantId, long domainId, DomainVerifiedBy verifiedBy, AuditEntry audit, CancellationToken cancellationToken);

    /// <summary>Records that the ownership record was looked up now (by the domain's grain, as <see cref="MarkVerifiedAsync"/>).</summary>
    Task RecordCheckAsync(long tenantId, long domainId, CancellationToken cancellationToken);
}
