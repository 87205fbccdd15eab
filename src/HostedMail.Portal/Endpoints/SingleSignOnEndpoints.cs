using HostedMail.Core.Accounts;
using HostedMail.Identity.Accounts;
using HostedMail.Identity.Federation;
using HostedMail.Portal.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace HostedMail.Portal.Endpoints;

internal sealed record SsoStartBody(string? Email, string? ReturnTo);

/// <summary>Where to send the browser next: the authorization server's start page, which goes on to the organisation's provider.</summary>
internal sealed record SsoStartDto(string Location);

/// <summary>
/// Single sign-on into the portal web app through the tenant's own OpenID Connect provider
/// (docs/portal.md "Single sign-on"): <c>POST /auth/sso</c> answers where to go, and the provider's
/// way back ends at <c>GET /auth/sso/redeem</c>, which turns the one-time ticket into a session.
/// </summary>
internal static class SingleSignOnEndpoints
{
    // Implementation notes:
    // - The start is a JSON POST like login: a cross-site form cannot send it, and only this
    //   origin's script can read the answer, so no other site can begin a sign-in for a browser.
    //   OpenIddict's state, PKCE, nonce and request-forgery cookie protect the rest of the flow.
    // - Redemption makes the same session as a password login (cookie, CSRF token, session list,
    //   audit "user.login" with the provider as the second factor) and redirects to an own-origin
    //   app path only. Every refusal redirects to the sign-in page with a code the app explains.
    public const string RedeemPath = "/api/v1/auth/sso/redeem";

    public static void Map(RouteGroupBuilder api)
    {
        var auth = api.MapGroup("/auth").WithTags("Authentication");
        auth.MapPost("/sso", StartAsync).RequireBudget(PortalRateLimits.Login).AllowAnonymous().Produces<SsoStartDto>()
            .WithSummary("Starts single sign-on through the organisation's own identity provider for the address's domain: answers the location to send the browser to; 400 sso-unavailable when no provider is set up.");
        // No budget here: a ticket cannot be guessed (a forged one costs one failed decryption and
        // no database work), and a browser arriving from the provider must not meet a 429 page.
        auth.MapGet("/sso/redeem", RedeemAsync).AllowAnonymous().ExcludeFromDescription();
    }

    private static async Task<IResult> StartAsync(SsoStartBody body, PortalOptions options, HttpContext http, CancellationToken ct)
    {
        var email = (body.Email ?? string.Empty).Trim();
        if (email.Length is 0 or > 320 || !email.Contains('@', StringComparison.Ordinal))
        {
            return Problems.Validation("email", "not a valid email address");
        }

        var signOn = http.RequestServices.GetService<PortalAppSignOn>();
        var federation = http.RequestServices.GetService<TenantFederationService>();
        if (signOn is null || federation is null || await federation.FindForAddressAsync(email, ct) is null)
        {
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["email"] = ["no single sign-on is set up for this address's domain"] },
                "Sign in with your password, or ask your administrator to connect the organisation's identity provider.",
                title: "single sign-on unavailable", type: Problems.TypeBase + "sso-unavailable");
        }

        var returnPath = PortalAppSignOn.IsAppPath(body.ReturnTo) && !body.ReturnTo!.StartsWith("/login", StringComparison.Ordinal) ? body.ReturnTo : "/";
        var location = signOn.StartUrl(email, new Uri(options.PublicUrl, RedeemPath.TrimStart('/')), returnPath);
        return Results.Ok(new SsoStartDto(location.AbsoluteUri));
    }

    private static async Task<IResult> RedeemAsync(string? ticket, AccountService accounts, PortalOptions options, HttpContext http, CancellationToken ct)
    {
        // The ticket is in this URL: no page it leads to may pass it on or keep it.
        http.Response.Headers.CacheControl = "no-store";
        http.Response.Headers["Referrer-Policy"] = "no-referrer";
        if (http.RequestServices.GetService<PortalAppSignOn>() is not { } signOn)
        {
            return Results.Redirect("/login?sso=unavailable");
        }

        var redemption = await signOn.RedeemAsync(ticket, ct);
        if (redemption.Status != PortalAppTicketStatus.Redeemed)
        {
            return Results.Redirect("/login?sso=" + redemption.Status switch
            {
                PortalAppTicketStatus.Expired => "expired",
                PortalAppTicketStatus.Used => "used",
                PortalAppTicketStatus.AccountGone => "no-account",
                PortalAppTicketStatus.TenantSuspended => "suspended",
                _ => "invalid",
            });
        }

        var (session, token) = await accounts.CreateFederatedSessionAsync(redemption.User!, redemption.Issuer!, http.Connection.RemoteIpAddress, http.Request.Headers.UserAgent.ToString(), ct);
        AccountEndpoints.SetSessionCookie(http, options, token, session.CreatedAt + options.Accounts.SessionMaxLifetime);
        // A path, so the browser stays on this origin.
        return Results.Redirect(redemption.ReturnPath);
    }
}
