using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace HostedMail.Identity.OAuth;

/// <summary>
/// Makes sure the api scope and the published public client for API tools exist (every node at
/// start, like <see cref="OAuthClientSeeder"/> for the mail client).
/// </summary>
internal sealed class ApiClientSeeder(IServiceScopeFactory scopes) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        using var scope = scopes.CreateScope();
        var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
        var scopeManager = scope.ServiceProvider.GetRequiredService<IOpenIddictScopeManager>();
        try
        {
            if (await applications.FindByClientIdAsync(ApiOAuth.ApiToolsClientId, cancellationToken) is { } existing)
            {
                await applications.UpdateAsync(existing, ApiToolsClient(), cancellationToken);
            }
            else
            {
                await applications.CreateAsync(ApiToolsClient(), cancellationToken);
            }

            if (await scopeManager.FindByNameAsync(ApiOAuth.ApiScope, cancellationToken) is null)
            {
                await scopeManager.CreateAsync(new OpenIddictScopeDescriptor
                {
                    Name = ApiOAuth.ApiScope,
                    DisplayName = "Manage the tenant through the portal API",
                    Resources = { ApiOAuth.ApiAudience },
                }, cancellationToken);
            }
        }
        catch (Microsoft.EntityFrameworkCore.DbUpdateException)
        {
            // Another node starting at the same moment created them (unique client id / name).
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// A native public client (RFC 8252): loopback redirects on any port, PKCE, code and refresh
    /// grants; no device flow (its verification page signs in mailboxes only).
    /// </summary>
    internal static OpenIddictApplicationDescriptor ApiToolsClient() => new()
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
