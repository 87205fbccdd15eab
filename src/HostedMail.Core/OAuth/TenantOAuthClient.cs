using HostedMail.Core.Accounts;
using HostedMail.Core.Audit;

namespace HostedMail.Core.OAuth;

/// <summary>
/// A confidential OAuth 2.0 client a tenant's admin made for the tenant's own automation: it gets
/// tokens with the client credentials grant and acts on that tenant's portal API with
/// <see cref="Role"/>, never on another tenant. Its secret lives (hashed) with the authorization
/// server's client record, not here.
/// </summary>
public sealed record TenantOAuthClient(long TenantId, string ClientId, string Name, PortalRole Role, DateTimeOffset CreatedAt, string CreatedBy);

/// <summary>Which tenant owns which client; additions and removals are audited in the same transaction.</summary>
public interface ITenantOAuthClientStore
{
    Task AddAsync(TenantOAuthClient client, AuditEntry audit, CancellationToken cancellationToken);

    Task<IReadOnlyList<TenantOAuthClient>> ListAsync(long tenantId, CancellationToken cancellationToken);

    /// <summary>The client with this id, whatever its tenant: the token endpoint knows only the client id, and the answer names the tenant it acts for.</summary>
    Task<TenantOAuthClient?> FindAsync(string clientId, CancellationToken cancellationToken);

    /// <summary>False when the tenant has no client with that id (another tenant's included).</summary>
    Task<bool> DeleteAsync(long tenantId, string clientId, AuditEntry audit, CancellationToken cancellationToken);
}
