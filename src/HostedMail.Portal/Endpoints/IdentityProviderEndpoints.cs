using HostedMail.Core.OAuth;
using HostedMail.Identity.Federation;
using HostedMail.Portal.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace HostedMail.Portal.Endpoints;

internal sealed record SetIdentityProviderBody(string? DisplayName, string? Issuer, string? ClientId, string? ClientSecret);

/// <summary>The tenant's OpenID Connect provider, without its secret; <c>redirectUri</c> is what to register at the provider.</summary>
internal sealed record IdentityProviderDto(string DisplayName, string Issuer, string ClientId, string RedirectUri, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public static IdentityProviderDto From(TenantIdentityProvider p, Uri redirectUri) =>
        new(p.DisplayName, p.Issuer, p.ClientId, redirectUri.AbsoluteUri, p.CreatedAt, p.UpdatedAt);
}

/// <summary>Single sign-on through the tenant's own OpenID Connect provider (docs/oauth.md "Single sign-on").</summary>
internal static class IdentityProviderEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        var provider = api.MapGroup("/identity-provider").WithTags("Single sign-on");
        provider.MapGet("/", GetAsync).Require(Area.Federation, write: false).Produces<IdentityProviderDto>()
            .WithSummary("The tenant's OpenID Connect provider (no secret), and the redirect URI to register at it.");
        provider.MapPut("/", SetAsync).Require(Area.Federation, write: true).Produces<IdentityProviderDto>()
            .WithSummary("Connects (or replaces) the tenant's OpenID Connect provider: issuer URL, client id and secret; the secret is stored encrypted and never shown again.");
        provider.MapDelete("/", DeleteAsync).Require(Area.Federation, write: true).Produces(StatusCodes.Status204NoContent)
            .WithSummary("Disconnects the provider; people sign in with passwords again.");
    }

    private static async Task<IResult> GetAsync(PortalCaller caller, HttpContext http, CancellationToken ct)
    {
        if (Service(http) is not { } federation)
        {
            return NotEnabled();
        }

        return await federation.GetAsync(caller.TenantId, ct) is { } found
            ? Results.Ok(IdentityProviderDto.From(found, federation.RedirectUri))
            : Problems.Result(404, "not found", "No identity provider is connected.");
    }

    private static async Task<IResult> SetAsync(SetIdentityProviderBody body, PortalCaller caller, HttpContext http, CancellationToken ct)
    {
        if (Service(http) is not { } federation)
        {
            return NotEnabled();
        }

        var provider = await federation.SetAsync(caller.TenantId, body.DisplayName, body.Issuer, body.ClientId, body.ClientSecret, caller.Actor, ct);
        return Results.Ok(IdentityProviderDto.From(provider, federation.RedirectUri));
    }

    private static async Task<IResult> DeleteAsync(PortalCaller caller, HttpContext http, CancellationToken ct)
    {
        if (Service(http) is not { } federation)
        {
            return NotEnabled();
        }

        return await federation.DeleteAsync(caller.TenantId, caller.Actor, ct)
            ? Results.NoContent()
            : Problems.Result(404, "not found", "No identity provider is connected.");
    }

    private static TenantFederationService? Service(HttpContext http) => http.RequestServices.GetService<TenantFederationService>();

    private static IResult NotEnabled() =>
        Problems.Result(404, "OAuth is off", "This node runs no authorization server (OAuth:Issuer is not set).");
}
