using HostedMail.Core.Security;
using HostedMail.Identity.OAuth.Grants;
using HostedMail.Identity.OAuth.Registration;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OpenIddict.Core;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace HostedMail.Identity.OAuth;

/// <summary>Wires the OAuth 2.0 authorization server into a node (docs/oauth.md).</summary>
public static class OAuthServerExtensions
{
    /// <summary>The cookie that remembers who signed in on the authorization pages (path /connect only).</summary>
    public const string SignInScheme = "HostedMail.OAuth";

    /// <summary>
    /// Registers the server when <c>OAuth:Issuer</c> is set; returns whether it did. Needs Data
    /// Protection (the node's shared key ring) and the Core services (mailbox logins, limiter).
    /// </summary>
    public static bool AddHostedMailOAuth(this IServiceCollection services, IConfiguration configuration, string connectionString)
    {
        var options = OAuthServerOptions.FromConfiguration(configuration);
        if (options.Issuer is null)
        {
            return false;
        }

        services.AddSingleton(options);
        services.AddDbContext<OAuthDbContext>(db =>
        {
            db.UseNpgsql(connectionString);
            db.UseOpenIddict();
        });
        services.AddDbContext<OAuthRecordsDbContext>(db => db.UseNpgsql(connectionString));
        var registration = ClientRegistrationOptions.FromConfiguration(configuration);
        services.AddSingleton(registration);
        services.AddScoped<OAuthGrants>();
        services.AddScoped<ClientApprovals>();
        services.AddSingleton<IOAuthGrantRevoker, OAuthGrantRevoker>();
        services.TryAddSingleton(sp => new OAuthClock(sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<SigningKeyRing>();
        services.AddSingleton<SigningKeyConfiguration>();
        services.AddSingleton<IConfigureOptions<OpenIddictServerOptions>>(sp => sp.GetRequiredService<SigningKeyConfiguration>());
        services.AddSingleton<IConfigureOptions<OpenIddictCoreOptions>>(sp => sp.GetRequiredService<SigningKeyConfiguration>());
        services.AddTransient<IStartupFilter, SigningKeyRotation>();
        services.AddSingleton<IMailAccessTokenValidator, MailAccessTokenValidator>();
        ApiOAuth.AddServices(services);
        Federation.FederationExtensions.AddServices(services, options);
        services.AddHostedService<OAuthClientSeeder>();
        services.AddHostedService<OAuthPruner>();
        services.AddAntiforgery(a =>
        {
            a.Cookie.Name = options.RequireHttps ? "__Host-hm_oauth_csrf" : "hm_oauth_csrf";
            a.Cookie.SecurePolicy = options.RequireHttps ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
            a.FormFieldName = "csrf";
        });
        services.AddAuthentication().AddCookie(SignInScheme, c =>
        {
            c.Cookie.Name = options.RequireHttps ? "__Host-hm_oauth" : "hm_oauth";
            c.Cookie.Path = "/";
            c.Cookie.HttpOnly = true;
            c.Cookie.SameSite = SameSiteMode.Lax;
            c.Cookie.SecurePolicy = options.RequireHttps ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
            // Short: the cookie exists to carry a sign-in from the form to the consent screen.
            c.ExpireTimeSpan = TimeSpan.FromMinutes(15);
            c.SlidingExpiration = false;
            c.Events.OnRedirectToLogin = context =>
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                return Task.CompletedTask;
            };
        });

        services.AddOpenIddict()
            .AddCore(core =>
            {
                core.UseEntityFrameworkCore().UseDbContext<OAuthDbContext>();
                core.ReplaceApplicationManager(typeof(LoopbackRedirectApplicationManager<>));
                // Revoked mail tokens end the mailbox's open token sessions (grant, RFC 7009, reuse).
                core.ReplaceTokenManager(typeof(SessionEndingTokenManager<>));
            })
            .AddServer(server =>
            {
                server.SetIssuer(options.Issuer);
                server.SetAuthorizationEndpointUris("connect/authorize")
                    .SetTokenEndpointUris("connect/token")
                    .SetDeviceAuthorizationEndpointUris("connect/device")
                    .SetEndUserVerificationEndpointUris("connect/verify")
                    .SetRevocationEndpointUris("connect/revoke")
                    .SetIntrospectionEndpointUris("connect/introspect")
                    .SetJsonWebKeySetEndpointUris(".well-known/jwks");
                // RFC 9700 section 2.1.2 and 2.4: no implicit and no password grant; code with PKCE only.
                server.AllowAuthorizationCodeFlow()
                    .AllowRefreshTokenFlow()
                    .AllowDeviceAuthorizationFlow();
                server.RequireProofKeyForCodeExchange();
                ApiOAuth.ConfigureServer(server);
                server.RegisterScopes(OAuthServerOptions.MailScope, Scopes.OfflineAccess);
                ClientRegistrationEndpoints.Advertise(server, options.Issuer, registration);
                // Access tokens are signed JWTs (RFC 9068) the mail protocols check themselves;
                // codes, refresh tokens and device codes stay encrypted.
                server.DisableAccessTokenEncryption();
                server.SetAccessTokenLifetime(options.AccessTokenLifetime)
                    .SetRefreshTokenLifetime(options.RefreshTokenLifetime)
                    .SetAuthorizationCodeLifetime(TimeSpan.FromMinutes(5))
                    .SetDeviceCodeLifetime(TimeSpan.FromMinutes(10))
                    .SetUserCodeLifetime(TimeSpan.FromMinutes(10));
                // RFC 9700 section 4.14.2: a refresh token is used once; a second use is reuse and
                // revokes the whole chain (OpenIddict revokes the authorization's tokens).
                server.SetRefreshTokenReuseLeeway(TimeSpan.Zero);
                server.Configure(o =>
                {
                    // RFC 9700 section 2.1.1: S256 only, never "plain".
                    o.CodeChallengeMethods.Clear();
                    o.CodeChallengeMethods.Add(CodeChallengeMethods.Sha256);
                });
                var aspNetCore = server.UseAspNetCore()
                    .EnableAuthorizationEndpointPassthrough()
                    .EnableEndUserVerificationEndpointPassthrough();
                if (!options.RequireHttps)
                {
                    aspNetCore.DisableTransportSecurityRequirement();
                }
            });
        return true;
    }

    /// <summary>Maps the sign-in, consent and device verification pages when the server is registered.</summary>
    public static WebApplication MapHostedMailOAuth(this WebApplication app)
    {
        if (app.Services.GetService<OAuthServerOptions>() is null)
        {
            return app;
        }

        AuthorizationPages.Map(app);
        ClientRegistrationEndpoints.Map(app);
        GrantPages.Map(app);
        return app;
    }
}
