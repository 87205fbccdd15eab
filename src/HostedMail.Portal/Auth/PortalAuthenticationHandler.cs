using System.Text.Encodings.Web;
using HostedMail.Core.Accounts;
using HostedMail.Core.ApiTokens;
using HostedMail.Identity.Accounts;
using HostedMail.Identity.OAuth;
using HostedMail.Identity.Tokens;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HostedMail.Portal.Auth;

/// <summary>
/// Authenticates portal requests by a personal API token (<c>Authorization: Bearer hmt_...</c>)
/// or by the session cookie. Both are random secrets looked up by SHA-256 in PostgreSQL, so any
/// node accepts them and revocation takes effect on the next request.
/// </summary>
internal sealed class PortalAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    AccountService accounts,
    ApiTokenService tokens,
    PortalOptions portal)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    // Implementation notes:
    // - Why not ASP.NET Core's cookie handler and Identity's SignInManager: their cookies and
    //   tokens are Data Protection payloads, which need a key ring shared by every node, and
    //   cannot be listed or revoked one by one. A server-side session row does both.
    // - A request that sends a bearer token is judged by it alone: a bad token fails even when a
    //   valid cookie is present, so automation never silently runs as a browser session.
    public const string SchemeName = "HostedMail";

    private const string SessionEndedKey = "HostedMail.SessionEnded";

    public static string CookieName(PortalOptions options) => options.SecureCookies ? "__Host-hm_session" : "hm_session";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var authorization = Request.Headers.Authorization.ToString();
        if (authorization.Length > 0)
        {
            if (!authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            {
                return AuthenticateResult.Fail("unsupported authorization scheme");
            }

            var bearer = authorization["Bearer ".Length..].Trim();
            if (!bearer.StartsWith(ApiTokenService.TokenPrefix, StringComparison.Ordinal) && Context.RequestServices.GetService(typeof(IApiAccessTokenValidator)) is IApiAccessTokenValidator oauth)
            {
                return await OAuthBearer.AuthenticateAsync(Context, oauth, accounts, bearer, SchemeName);
            }

            var found = await tokens.AuthenticateAsync(bearer, Context.RequestAborted);
            if (found is not { } f)
            {
                return AuthenticateResult.Fail("invalid, expired or revoked token");
            }

            var principal = PortalCaller.ToPrincipal(f.User, CallerKind.ApiToken, f.Token.TokenId, f.Token.Scopes, null, SchemeName);
            return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
        }

        if (Request.Cookies[CookieName(portal)] is not { Length: > 0 } cookie)
        {
            return AuthenticateResult.NoResult();
        }

        var session = await accounts.ResolveSessionAsync(cookie, Context.RequestAborted);
        if (session is not { } s)
        {
            // A cookie we issued but no longer honour: the challenge says so, and the browser drops it.
            Context.Items[SessionEndedKey] = true;
            return AuthenticateResult.Fail("session ended");
        }

        var sessionPrincipal = PortalCaller.ToPrincipal(s.User, CallerKind.Session, s.Session.SessionId, [], s.Session.CsrfToken, SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(sessionPrincipal, SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var bearer = Request.Headers.Authorization.Count > 0;
        if (bearer && OAuthBearer.Refusal(Context) is { } refusal)
        {
            return refusal;
        }

        if (bearer)
        {
            // RFC 6750 section 3.
            Response.Headers.WWWAuthenticate = "Bearer realm=\"hostedmail\", error=\"invalid_token\"";
        }

        if (!bearer && Context.Items.ContainsKey(SessionEndedKey))
        {
            Response.Cookies.Delete(CookieName(portal), new CookieOptions { Secure = portal.SecureCookies, SameSite = SameSiteMode.Strict, Path = "/", HttpOnly = true });
            return Problems.Write(Context, StatusCodes.Status401Unauthorized, "session expired",
                "The session has expired or was ended (idle or maximum lifetime, sign-out, password change, revocation): sign in again.", Problems.TypeBase + "session-expired");
        }

        return Problems.Write(Context, StatusCodes.Status401Unauthorized, "authentication required",
            bearer ? "The API token is invalid, expired or revoked." : "Sign in, or send a personal API token as 'Authorization: Bearer ...'.",
            Problems.TypeBase + (bearer ? "invalid-token" : "not-signed-in"));
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        Problems.Write(Context, StatusCodes.Status403Forbidden, "forbidden", "Your role or token scopes do not allow this.");
}
