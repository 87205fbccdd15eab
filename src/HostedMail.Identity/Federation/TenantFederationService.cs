using HostedMail.Core.Accounts;
using HostedMail.Core.Audit;
using HostedMail.Core.Domains;
using HostedMail.Core.OAuth;
using HostedMail.Identity.OAuth;
using Microsoft.AspNetCore.DataProtection;

namespace HostedMail.Identity.Federation;

/// <summary>
/// A tenant's own OpenID Connect provider for single sign-on: set, read and removed by the tenant's
/// admins through the portal API, and found for an address by its domain, which must be a
/// verified domain of the tenant (so no tenant can catch another tenant's people).
/// </summary>
public sealed class TenantFederationService(ITenantIdentityProviderStore store, IDomainStore domains, IDataProtectionProvider protection, OAuthServerOptions options, TimeProvider time)
{
    private readonly IDataProtector _protector = protection.CreateProtector("HostedMail.Identity.Federation.ClientSecrets.v1");

    /// <summary>Where the provider sends people back to: register this redirect URI at the provider.</summary>
    public Uri RedirectUri => new(options.Issuer!, FederationPages.CallbackPath.TrimStart('/'));

    public Task<TenantIdentityProvider?> GetAsync(long tenantId, CancellationToken cancellationToken = default) => store.GetAsync(tenantId, cancellationToken);

    /// <summary>Adds or replaces the tenant's provider; the client secret is sealed before it is stored and never shown again.</summary>
    public async Task<TenantIdentityProvider> SetAsync(long tenantId, string? displayName, string? issuer, string? clientId, string? clientSecret, Actor actor, CancellationToken cancellationToken = default)
    {
        var errors = new Dictionary<string, string>();
        var name = (displayName ?? string.Empty).Trim();
        if (name.Length is 0 or > 100 || name.Any(char.IsControl))
        {
            errors["displayName"] = "display name must be 1 to 100 printable characters";
        }

        if (IssuerProblem(issuer) is { } issuerProblem)
        {
            errors["issuer"] = issuerProblem;
        }

        var id = (clientId ?? string.Empty).Trim();
        if (id.Length is 0 or > 200 || id.Any(char.IsControl))
        {
            errors["clientId"] = "client id must be 1 to 200 printable characters";
        }

        if (string.IsNullOrEmpty(clientSecret) || clientSecret.Length > 500)
        {
            errors["clientSecret"] = "client secret must be 1 to 500 characters";
        }

        if (errors.Count > 0)
        {
            throw new FieldValidationException(errors);
        }

        var now = time.GetUtcNow();
        var existing = await store.GetAsync(tenantId, cancellationToken);
        var provider = new TenantIdentityProvider(tenantId, name, issuer!.Trim(), id, _protector.Protect(clientSecret!), existing?.CreatedAt ?? now, now);
        await store.SetAsync(provider, new AuditEntry(tenantId, actor, "identity-provider.set", provider.Issuer,
            new Dictionary<string, string> { ["clientId"] = id, ["displayName"] = name }), cancellationToken);
        return provider;
    }

    public Task<bool> DeleteAsync(long tenantId, Actor actor, CancellationToken cancellationToken = default) =>
        store.DeleteAsync(tenantId, new AuditEntry(tenantId, actor, "identity-provider.delete", tenantId.ToString(System.Globalization.CultureInfo.InvariantCulture)), cancellationToken);

    /// <summary>The provider of the tenant that has verified the address's domain, or null.</summary>
    public async Task<TenantIdentityProvider?> FindForAddressAsync(string? address, CancellationToken cancellationToken = default)
    {
        if (DomainOf(address) is not { } domain || await domains.FindVerifiedAsync(domain, cancellationToken) is not { State: DomainState.Verified } verified)
        {
            return null;
        }

        return await store.GetAsync(verified.TenantId, cancellationToken);
    }

    /// <summary>Whether <paramref name="address"/>'s domain is a verified domain of <paramref name="tenantId"/>.</summary>
    public async Task<bool> IsInVerifiedDomainAsync(long tenantId, string address, CancellationToken cancellationToken = default) =>
        DomainOf(address) is { } domain
        && await domains.FindVerifiedAsync(domain, cancellationToken) is { State: DomainState.Verified } verified
        && verified.TenantId == tenantId;

    internal string UnprotectSecret(TenantIdentityProvider provider) => _protector.Unprotect(provider.ProtectedClientSecret);

    private static string? DomainOf(string? address)
    {
        var at = address?.LastIndexOf('@') ?? -1;
        return at <= 0 || at == address!.Length - 1 ? null : DomainName.TryNormalize(address[(at + 1)..], out var normalized) is null ? normalized : null;
    }

    private string? IssuerProblem(string? issuer)
    {
        if (!Uri.TryCreate(issuer?.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http"))
        {
            return "issuer must be an absolute https URL";
        }

        // OIDC Discovery section 4.3 / RFC 8414 section 2: no query and no fragment.
        if (!string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment))
        {
            return "issuer must have no query or fragment";
        }

        // Plain http only where the node itself allows it (development and tests on loopback).
        return uri.Scheme == "http" && (options.RequireHttps || !uri.IsLoopback) ? "issuer must be an absolute https URL" : null;
    }
}
