using System.Globalization;
using System.Net;
using System.Security.Claims;
using HostedMail.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace HostedMail.IntegrationTests.OAuth;

/// <summary>
/// A tenant's own OpenID Connect provider for the single sign-on tests: a second OpenIddict server
/// on loopback (degraded mode, no database) with one confidential client, which signs in whoever
/// <see cref="Email"/> names without asking, with <see cref="EmailVerified"/> as the claim says.
/// </summary>
internal sealed class TestOidcIssuer : IAsyncDisposable
{
    public const string ClientId = "hostedmail-sso";
    public const string ClientSecret = "a provider's client secret";

    private readonly WebApplication _app;

    private TestOidcIssuer(WebApplication app, string issuer)
    {
        _app = app;
        Issuer = issuer;
    }

    public string Issuer { get; }

    /// <summary>The address the next sign-in asserts.</summary>
    public string Email { get; set; } = "";

    public bool EmailVerified { get; set; } = true;

    /// <summary>How many authorization requests arrived (each is one sign-in started at the node).</summary>
    public int Authorizations { get; private set; }

    public static async Task<TestOidcIssuer> StartAsync(string redirectUri)
    {
        var port = FreePorts.Next();
        var issuer = $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/";
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
        TestOidcIssuer? self = null;
        builder.Services.AddOpenIddict().AddServer(server =>
        {
            server.SetIssuer(new Uri(issuer));
            server.SetAuthorizationEndpointUris("authorize").SetTokenEndpointUris("token");
            server.AllowAuthorizationCodeFlow();
            server.RegisterScopes(Scopes.OpenId, Scopes.Email, Scopes.Profile);
            server.AddEphemeralEncryptionKey().AddEphemeralSigningKey();
            server.DisableAccessTokenEncryption();
            // No database: the handlers below stand in for the client and user stores.
            server.EnableDegradedMode();
            server.UseAspNetCore().DisableTransportSecurityRequirement();
            server.AddEventHandler<OpenIddictServerEvents.ValidateAuthorizationRequestContext>(h => h.UseInlineHandler(context =>
            {
                if (context.ClientId != ClientId)
                {
                    context.Reject(Errors.InvalidClient, "unknown client");
                }
                else if (context.RedirectUri != redirectUri)
                {
                    context.Reject(Errors.InvalidRequest, "unregistered redirect_uri");
                }

                return default;
            }));
            server.AddEventHandler<OpenIddictServerEvents.ValidateTokenRequestContext>(h => h.UseInlineHandler(context =>
            {
                if (context.ClientId != ClientId || context.ClientSecret != ClientSecret)
                {
                    context.Reject(Errors.InvalidClient, "wrong client credentials");
                }

                return default;
            }));
            server.AddEventHandler<OpenIddictServerEvents.HandleAuthorizationRequestContext>(h => h.UseInlineHandler(context =>
            {
                self!.Authorizations++;
                var identity = new ClaimsIdentity("test-idp", Claims.Name, Claims.Role);
                identity.SetClaim(Claims.Subject, "idp|" + self.Email);
                identity.SetClaim(Claims.Email, self.Email);
                identity.AddClaim(new Claim(Claims.EmailVerified, self.EmailVerified ? "true" : "false", ClaimValueTypes.Boolean));
                identity.SetScopes(context.Request.GetScopes());
                identity.SetDestinations(_ => [Destinations.AccessToken, Destinations.IdentityToken]);
                context.SignIn(new ClaimsPrincipal(identity));
                return default;
            }));
        });
        var app = builder.Build();
        self = new TestOidcIssuer(app, issuer);
        await app.StartAsync();
        return self;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
