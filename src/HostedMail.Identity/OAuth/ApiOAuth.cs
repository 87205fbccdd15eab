using System.Security.Claims;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Abstractions;
using OpenIddict.Server;

namespace HostedMail.Identity.OAuth;

/// <summary>
/// The portal API (<c>/api/v1</c>) as a resource of the authorization server: the <c>api</c>
/// scope, its audience, the published public client for API tools, portal accounts signing in on
/// the authorization pages, and tenants' confidential clients (client credentials). docs/oauth.md
/// and docs/api.md describe them.
/// </summary>
public static class ApiOAuth
{
    /// <summary>The scope that lets a token call the portal API as its portal user or tenant client.</summary>
    public const string ApiScope = "api";

    /// <summary>The audience (RFC 8707 resource) of tokens for the portal API; the API refuses any other.</summary>
    public const string ApiAudience = "hostedmail-api";

    /// <summary>The published public native client for API tools (scripts, CLIs): code + PKCE, loopback redirects.</summary>
    public const string ApiToolsClientId = "hostedmail-api";

    /// <summary>Claims of API tokens beside <see cref="OAuthServerOptions.TenantClaim"/>: what kind of caller, and who.</summary>
    public const string KindClaim = "hm_kind";

    public const string UserClaim = "hm_user";

    public const string PortalUserKind = "portal";

    public const string ClientKind = "client";

    /// <summary>The sub of a portal user's token: unique across tenants and never a mailbox address.</summary>
    public static string PortalSubject(long tenantId, long userId) =>
        FormattableString.Invariant($"portal:{tenantId}:{userId}");

    /// <summary>Whether a principal of the sign-in cookie is a portal account (not a mailbox).</summary>
    internal static bool IsPortalUser(ClaimsPrincipal? principal) => principal?.GetClaim(KindClaim) == PortalUserKind;

    internal static void AddServices(IServiceCollection services)
    {
        services.AddSingleton<AccessTokenReader>();
        services.AddSingleton<IApiAccessTokenValidator, ApiAccessTokenValidator>();
        services.AddScoped<TenantOAuthClientService>();
    }

    internal static void ConfigureServer(OpenIddictServerBuilder server)
    {
        server.RegisterScopes(ApiScope);
        // RFC 6749 section 4.4: for tenants' confidential clients only (their permissions say so).
        server.AllowClientCredentialsFlow();
        server.AddEventHandler<OpenIddictServerEvents.HandleTokenRequestContext>(handler => handler
            .UseScopedHandler<ClientCredentialsHandler>()
            .SetOrder(OpenIddictServerHandlers.Exchange.AttachPrincipal.Descriptor.Order + 1_000)
            .SetType(OpenIddictServerHandlerType.Custom));
        // RFC 7662: tenants' confidential clients introspect their own tenant's tokens.
        server.RemoveEventHandler(OpenIddictServerHandlers.Introspection.ValidateAuthorizedParty.Descriptor);
        server.AddEventHandler(TenantIntrospectionHandler.Descriptor);
        server.AddEventHandler(TenantIntrospectionHandler.AttachScopes.Descriptor);
    }
}
