using HostedMail.Identity.OAuth;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OpenIddict.Client;

namespace HostedMail.Identity.Federation;

/// <summary>Wires per-tenant single sign-on (OpenIddict's client) into the authorization server.</summary>
internal static class FederationExtensions
{
    public static void AddServices(IServiceCollection services, OAuthServerOptions options)
    {
        services.AddSingleton<TenantFederationService>();
        services.AddScoped<PortalAppSignOn>();
        services.AddSingleton<IConfigureOptions<OpenIddictClientOptions>, SigningKeyConfiguration>();
        services.AddOpenIddict().AddClient(client =>
        {
            // Code flow only; OpenIddict adds PKCE (S256), state, nonce and the RFC 9207 issuer check.
            client.AllowAuthorizationCodeFlow();
            client.SetRedirectionEndpointUris(FederationPages.CallbackPath.TrimStart('/'));
            var aspNetCore = client.UseAspNetCore().EnableRedirectionEndpointPassthrough();
            if (!options.RequireHttps)
            {
                aspNetCore.DisableTransportSecurityRequirement();
                // Plain HTTP (development and tests on loopback): the request-forgery cookie cannot be
                // Secure, and browsers drop SameSite=None without Secure; Lax still rides along the
                // provider's top-level redirect back to the callback.
                aspNetCore.Configure(o =>
                {
                    o.CookieBuilder.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                    o.CookieBuilder.SameSite = SameSiteMode.Lax;
                });
            }

            client.UseSystemNetHttp();
        });
        // After AddClient: the tenants' registrations are made on the fly (FederationClientService).
        services.AddSingleton<OpenIddictClientService, FederationClientService>();
    }
}
