using HostedMail.Core.Audit;

namespace HostedMail.Core.OAuth;

/// <summary>
/// A tenant's own OpenID Connect provider (Entra ID, Google Workspace, Okta, Keycloak, ...): its
/// people sign in there instead of with a password. <see cref="ProtectedClientSecret"/> is the
/// client secret sealed with the node's Data Protection (never stored in the clear).
/// </summary>
public sealed record TenantIdentityProvider(
    long TenantId,
    string DisplayName,
    string Issuer,
    string ClientId,
    string ProtectedClientSecret,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

/// <summary>One provider per tenant; setting and removing it are audited in the same transaction.</summary>
public interface ITenantIdentityProviderStore
{
    /// <summary>Adds or replaces the tenant's provider.</summary>
    Task SetAsync(TenantIdentityProvider provider, AuditEntry audit, CancellationToken cancellationToken);

    Task<TenantIdentityProvider?> GetAsync(long tenantId, CancellationToken cancellationToken);

    Task<bool> DeleteAsync(long tenantId, AuditEntry audit, CancellationToken cancellationToken);
}
