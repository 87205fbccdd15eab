using HostedMail.Core.Audit;

namespace HostedMail.Core.Tenants;

/// <summary>A customer organisation: owns domains, mailboxes, admins, a plan and a bill.</summary>
/// <param name="Name">The slug (<see cref="TenantName"/>); tenants created before the rule may have other names.</param>
/// <param name="DisplayName">The name people see.</param>
public sealed record Tenant(long TenantId, string Name, string DisplayName, string Plan, TenantState State, DateTimeOffset CreatedAt);

/// <summary>Whether a tenant's mail flows. A suspended tenant's mail is deferred, not lost.</summary>
public enum TenantState
{
    Active,
    Suspended,
}

/// <summary>Tenant persistence; every write records its audit entry in the same transaction.</summary>
public interface ITenantStore
{
    /// <summary>Creates the tenant; throws a Conflict <see cref="HostedMailException"/> if the name is taken.</summary>
    Task<Tenant> CreateAsync(string name, string displayName, string plan, AuditEntry audit, CancellationToken cancellationToken);

    Task<Tenant?> GetAsync(long tenantId, CancellationToken cancellationToken);

    Task<Tenant?> FindByNameAsync(string name, CancellationToken cancellationToken);

    Task<IReadOnlyList<Tenant>> ListAsync(CancellationToken cancellationToken);
}
