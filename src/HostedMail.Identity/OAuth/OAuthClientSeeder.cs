using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace HostedMail.Identity.OAuth;

/// <summary>
/// Makes sure the published clients (mail clients, API tools) and their scopes exist with the configured settings
/// (every node at start; the last writer's configuration wins, which is the same on every node).
/// </summary>
internal sealed class OAuthClientSeeder(IServiceScopeFactory scopes, OAuthServerOptions options) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        using var scope = scopes.CreateScope();
        var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
        var scopeManager = scope.ServiceProvider.GetRequiredService<IOpenIddictScopeManager>();
        OpenIddictApplicationDescriptor[] clients = [MailClient(options), ApiToolsClient.Descriptor()];
        OpenIddictScopeDescriptor[] published =
        [
            new() { Name = OAuthServerOptions.MailScope, DisplayName = "Read, send and fetch your mail (IMAP, SMTP, POP3)", Resources = { OAuthServerOptions.MailAudience } },
            new() { Name = ApiOAuth.ApiScope, DisplayName = "Manage the tenant through the portal API", Resources = { ApiOAuth.ApiAudience } },
        ];
        try
        {
            foreach (var descriptor in clients)
            {
                if (await applications.FindByClientIdAsync(descriptor.ClientId!, cancellationToken) is { } existing)
                {
                    await applications.UpdateAsync(existing, descriptor, cancellationToken);
                }
                else
                {
                    await applications.CreateAsync(descriptor, cancellationToken);
                }
            }

            foreach (var descriptor in published)
            {
                if (await scopeManager.FindByNameAsync(descriptor.Name!, cancellationToken) is null)
                {
                    await scopeManager.CreateAsync(descriptor, cancellationToken);
                }
            }

            await AllowTenantClientsToIntrospectAsync(scope.ServiceProvider, applications, cancellationToken);
        }
        catch (Microsoft.EntityFrameworkCore.DbUpdateException)
        {
            // Another node starting at the same moment created them (unique client id / name).
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Tenants' clients made before they could introspect (RFC 7662, <see cref="TenantIntrospectionHandler"/>)
    /// get the permission; a no-op once done.
    /// </summary>
    private static async Task AllowTenantClientsToIntrospectAsync(IServiceProvider services, IOpenIddictApplicationManager applications, CancellationToken cancellationToken)
    {
        var db = services.GetRequiredService<OAuthDbContext>();
        var stale = await db.Set<OpenIddict.EntityFrameworkCore.Models.OpenIddictEntityFrameworkCoreApplication>().AsNoTracking()
            .Where(a => a.ClientId!.StartsWith(TenantOAuthClientService.ClientIdPrefix) && !a.Permissions!.Contains(Permissions.Endpoints.Introspection))
            .Select(a => a.ClientId!)
            .ToListAsync(cancellationToken);
        foreach (var clientId in stale)
        {
            if (await applications.FindByClientIdAsync(clientId, cancellationToken) is { } application)
            {
                var descriptor = new OpenIddictApplicationDescriptor();
                await applications.PopulateAsync(descriptor, application, cancellationToken);
                descriptor.Permissions.Add(Permissions.Endpoints.Introspection);
                await applications.UpdateAsync(application, descriptor, cancellationToken);
            }
        }
    }

    internal static OpenIddictApplicationDescriptor MailClient(OAuthServerOptions options)
    {
        var descriptor = new OpenIddictApplicationDescriptor
        {
            ClientId = options.MailClientId,
            ClientType = ClientTypes.Public,
            ApplicationType = ApplicationTypes.Native,
            ConsentType = ConsentTypes.Explicit,
            DisplayName = "Mail clients (Thunderbird, K-9, FairEmail, Apple Mail, Outlook)",
            Permissions =
            {
                Permissions.Endpoints.Authorization,
                Permissions.Endpoints.Token,
                Permissions.Endpoints.DeviceAuthorization,
                Permissions.Endpoints.Revocation,
                Permissions.GrantTypes.AuthorizationCode,
                Permissions.GrantTypes.RefreshToken,
                Permissions.GrantTypes.DeviceCode,
                Permissions.ResponseTypes.Code,
                Permissions.Prefixes.Scope + OAuthServerOptions.MailScope,
                Permissions.Prefixes.Scope + Scopes.OfflineAccess,
            },
            Requirements = { Requirements.Features.ProofKeyForCodeExchange },
        };
        foreach (var uri in options.MailClientRedirectUris)
        {
            descriptor.RedirectUris.Add(new Uri(uri));
        }

        return descriptor;
    }
}
