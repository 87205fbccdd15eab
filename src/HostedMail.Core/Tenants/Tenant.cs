using HostedMail.Core.Audit;

namespace HostedMail.Core.Tenants;

/// <summary>A customer organisation: owns domains, mailboxes, admins, a plan and a bill.</summary>
public sealed record Tenant(long TenantId, string Name, string Plan, TenantState State, DateTimeOffset CreatedAt);

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
    Task<Tenant> CreateAsync(string name, string plan, AuditEntry audit, CancellationToken cancellationToken);

    Task<Tenant?> GetAsync(long tenantId, CancellationToken cancellationToken);

    Task<Tenant?> FindByNameAsync(string name, CancellationToken cancellationToken);

    Task<IReadOnlyList<Tenant>> ListAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Changes the plan and/or the state (null: unchanged) with its audit entry; null when the
    /// tenant does not exist. Suspending revokes every credential of the tenant's mailboxes in the
    /// same transaction (logins stop at once on every node and open sessions are told).
    /// </summary>
    Task<Tenant?> UpdateAsync(long tenantId, string? plan, TenantState? state, AuditEntry audit, CancellationToken cancellationToken);
}
