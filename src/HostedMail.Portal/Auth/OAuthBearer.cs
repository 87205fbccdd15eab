using HostedMail.Core.Accounts;
using HostedMail.Identity.Accounts;
using HostedMail.Identity.OAuth;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;

namespace HostedMail.Portal.Auth;

/// <summary>
/// The portal API's side of OAuth: an access token of our authorization server with the api scope
/// and the API audience (checked by <see cref="IApiAccessTokenValidator"/>, which reads the token's
/// entry in PostgreSQL, so revocation counts at once) becomes a caller like a session: a portal
/// user's token acts with the user's current role in the user's tenant, a tenant client's with the
/// role its admin chose, in its own tenant only.
/// </summary>
internal static class OAuthBearer
{
    private const string RefusalKey = "HostedMail.OAuthRefusal";

    public static async Task<AuthenticateResult> AuthenticateAsync(HttpContext context, IApiAccessTokenValidator validator, AccountService accounts, string token, string scheme)
    {
        var check = await validator.ValidateAsync(token, context.RequestAborted);
        switch (check.Status)
        {
            case ApiAccessTokenStatus.InsufficientScope:
                context.Items[RefusalKey] = ApiAccessTokenStatus.InsufficientScope;
                return AuthenticateResult.Fail("the token lacks the api scope");
            case ApiAccessTokenStatus.Unavailable:
                context.Items[RefusalKey] = ApiAccessTokenStatus.Unavailable;
                return AuthenticateResult.Fail("the token could not be checked");
            case ApiAccessTokenStatus.Invalid:
                return AuthenticateResult.Fail("invalid, expired or revoked token");
        }

        if (check.UserId is { } userId)
        {
            // The user's role now, not at sign-in: a demotion or removal counts at once.
            var user = await accounts.GetUserAsync(check.TenantId, userId, context.RequestAborted);
            return user is null
                ? AuthenticateResult.Fail("the token's portal user no longer exists")
                : AuthenticateResult.Success(new AuthenticationTicket(PortalCaller.ToPrincipal(user, CallerKind.OAuth, 0, [], null, scheme, check.ClientId), scheme));
        }

        return AuthenticateResult.Success(new AuthenticationTicket(PortalCaller.ForOAuthClient(check.TenantId, check.ClientId!, check.ClientRole!.Value, scheme), scheme));
    }

    /// <summary>The answer for a token refused for a reason other than being invalid (RFC 6750 section 3.1), or null.</summary>
    public static Task? Refusal(HttpContext context)
    {
        if (!context.Items.TryGetValue(RefusalKey, out var value) || value is not ApiAccessTokenStatus status)
        {
            return null;
        }

        if (status == ApiAccessTokenStatus.InsufficientScope)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer realm=\"hostedmail\", error=\"insufficient_scope\", scope=\"api\"";
            return Problems.Write(context, StatusCodes.Status403Forbidden, "insufficient scope", "The access token does not carry the api scope.", Problems.TypeBase + "insufficient-scope");
        }

        return Problems.Write(context, StatusCodes.Status503ServiceUnavailable, "try again later", "The access token could not be checked just now.");
    }
}
