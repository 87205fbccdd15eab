using HostedMail.Core.Audit;
using Orleans;

namespace HostedMail.Core.Aliases;

/// <summary>An address that delivers to mailboxes and/or external addresses; <c>*@domain</c> is the catch-all.</summary>
[GenerateSerializer]
[Alias("HostedMail.Alias")]
public sealed record Alias(long TenantId, long AliasId, long DomainId, string Address, IReadOnlyList<string> Targets, DateTimeOffset CreatedAt)
{
    public bool IsCatchAll => Address.StartsWith("*@", StringComparison.Ordinal);
}

/// <summary>Alias persistence; every write records its audit entry in the same transaction.</summary>
public interface IAliasStore
{
    /// <summary>Creates the alias; throws Conflict if the address is taken in the tenant.</summary>
    Task<Alias> CreateAsync(long tenantId, long domainId, string address, IReadOnlyList<string> targets, AuditEntry audit, CancellationToken cancellationToken);

    Task<Alias?> FindAsync(long tenantId, string address, CancellationToken cancellationToken);

    Task<IReadOnlyList<Alias>> ListAsync(long? tenantId, CancellationToken cancellationToken);
}
