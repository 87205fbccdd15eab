using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace HostedMail.Identity.OAuth;

/// <summary>The published public client for API tools, seeded with the mail client by <see cref="OAuthClientSeeder"/>.</summary>
internal static class ApiToolsClient
{
    /// <summary>
    /// A native public client (RFC 8252): loopback redirects on any port, PKCE, code and refresh
    /// grants; no device flow (its verification page signs in mailboxes only).
    /// </summary>
    internal static OpenIddictApplicationDescriptor Descriptor() => new()
    {
        ClientId = ApiOAuth.ApiToolsClientId,
        ClientType = ClientTypes.Public,
        ApplicationType = ApplicationTypes.Native,
        ConsentType = ConsentTypes.Explicit,
        DisplayName = "HostedMail API tools",
        RedirectUris = { new Uri("http://127.0.0.1/"), new Uri("http://[::1]/"), new Uri("http://localhost/") },
        Permissions =
        {
            Permissions.Endpoints.Authorization,
            Permissions.Endpoints.Token,
            Permissions.Endpoints.Revocation,
            Permissions.GrantTypes.AuthorizationCode,
            Permissions.GrantTypes.RefreshToken,
            Permissions.ResponseTypes.Code,
            Permissions.Prefixes.Scope + ApiOAuth.ApiScope,
            Permissions.Prefixes.Scope + Scopes.OfflineAccess,
        },
        Requirements = { Requirements.Features.ProofKeyForCodeExchange },
    };
}
