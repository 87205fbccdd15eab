using System.Globalization;
using System.Security.Claims;
using HostedMail.Core.Accounts;
using HostedMail.Core.Security;
using HostedMail.Identity.Accounts;
using HostedMail.Identity.Federation;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace HostedMail.Identity.OAuth;

/// <summary>
/// The authorization pages' sign-in for a portal account (an authorization asking for the api
/// scope): email, password and, when the account has two-factor authentication, a TOTP code or a
/// recovery code. The checks are the portal's own (<see cref="AccountService"/>: the account's
/// lockout, the TOTP step that cannot be reused, single-use recovery codes, the audit entry);
/// no portal session is made.
/// </summary>
internal static class PortalSignInPage
{
    // Implementation notes:
    // - Failures also count in IAuthenticationLimiter by client address and by "portal:" + email
    //   (apart from the mailbox of the same address), exactly like the mailbox sign-in form.
    // - A right password with a missing second factor is no failure (the portal counts none
    //   either); a wrong code is, in both counters.
    public const string Path = "/connect/login/portal";

    public static void Map(WebApplication app) =>
        app.MapPost(Path, LoginAsync).AllowAnonymous().ExcludeFromDescription().DisableAntiforgery();

    public static IResult Page(HttpContext context, IAntiforgery antiforgery, string returnUrl, string? error, string? email, int status = StatusCodes.Status200OK) =>
        new OAuthPage("Sign in").Heading("Sign in to the portal").Error(error)
            .FormStart(Path, "post", AuthorizationPages.Token(context, antiforgery))
            .Hidden("return_url", returnUrl)
            .Field("Email address", "username", "email", email, "username", autofocus: string.IsNullOrEmpty(email))
            .Field("Password", "password", "password", autocomplete: "current-password", autofocus: !string.IsNullOrEmpty(email))
            .Raw("<label>Authentication code (if two-factor authentication is on)<input name=\"totp_code\" type=\"text\" inputmode=\"numeric\" autocomplete=\"one-time-code\"></label>\n")
            .Raw("<label>or a recovery code<input name=\"recovery_code\" type=\"text\" autocomplete=\"off\"></label>\n")
            .Button("Sign in").SingleSignOnButton(portal: true).FormEnd()
            .Paragraph("Use your HostedMail portal account, not a mailbox password. Single sign-on: give your address only, if your organisation connected its own sign-in service.", "muted")
            .Result(status);

    private static async Task<IResult> LoginAsync(HttpContext context, IAntiforgery antiforgery, IServiceProvider services)
    {
        var (form, returnUrl, refused) = await AuthorizationPages.ReadSignInFormAsync(context, antiforgery, "your application");
        if (refused is not null)
        {
            return refused;
        }

        if (services.GetService<AccountService>() is not { } accounts)
        {
            return AuthorizationPages.BadRequest("Portal accounts cannot sign in on this node.");
        }

        var email = form["username"].ToString().Trim();
        var password = form["password"].ToString();
        var limiter = services.GetService<IAuthenticationLimiter>();
        var addressKey = AuthorizationPages.AddressKey(context.Connection.RemoteIpAddress);
        var loginKey = "portal:" + email.ToLowerInvariant();
        if (limiter is not null)
        {
            var decision = await limiter.CheckAsync(addressKey, loginKey, context.RequestAborted);
            if (decision.LockedFor is not null)
            {
                return Page(context, antiforgery, returnUrl, "Too many failed sign-ins. Try again later.", email, StatusCodes.Status429TooManyRequests);
            }

            if (decision.Delay > TimeSpan.Zero)
            {
                await Task.Delay(decision.Delay, context.RequestServices.GetRequiredService<TimeProvider>(), context.RequestAborted);
            }
        }

        var result = email.Length is > 0 and <= 320 && password.Length is > 0 and <= 1024
            ? await accounts.SignInWithoutSessionAsync(new LoginRequest(email, password, Optional(form["totp_code"]), Optional(form["recovery_code"]),
                context.Connection.RemoteIpAddress, context.Request.Headers.UserAgent.ToString()), "oauth", context.RequestAborted)
            : LoginResult.Failed;
        (string? message, int status) = result.Status switch
        {
            LoginStatus.Succeeded => ((string?)null, StatusCodes.Status200OK),
            LoginStatus.SecondFactorRequired => ("Enter the code from your authenticator app, or a recovery code.", StatusCodes.Status401Unauthorized),
            LoginStatus.SecondFactorFailed => ("The code is wrong, expired or already used.", StatusCodes.Status401Unauthorized),
            LoginStatus.EmailNotConfirmed => ("Confirm your address with the mailed link first.", StatusCodes.Status403Forbidden),
            _ => ("Wrong email or password.", StatusCodes.Status401Unauthorized),
        };
        if (limiter is not null && result.Status is LoginStatus.Failed or LoginStatus.SecondFactorFailed)
        {
            await limiter.RecordFailureAsync(addressKey, loginKey, context.RequestAborted);
        }

        if (message is not null)
        {
            return Page(context, antiforgery, returnUrl, message, email, status);
        }

        if (limiter is not null)
        {
            await limiter.RecordSuccessAsync(addressKey, loginKey, context.RequestAborted);
        }

        await SignInAsync(context, result.User!);
        return Results.Redirect(returnUrl);
    }

    /// <summary>Sets the sign-in cookie for a portal user (after the password and second factor, or the tenant's single sign-on).</summary>
    internal static async Task SignInAsync(HttpContext context, PortalUser user)
    {
        var identity = new ClaimsIdentity(OAuthServerExtensions.SignInScheme, Claims.Name, Claims.Role);
        identity.AddClaim(new Claim(Claims.Subject, ApiOAuth.PortalSubject(user.TenantId, user.UserId)));
        identity.AddClaim(new Claim(Claims.Name, user.Email));
        identity.AddClaim(new Claim(OAuthServerOptions.TenantClaim, user.TenantId.ToString(CultureInfo.InvariantCulture)));
        identity.AddClaim(new Claim(ApiOAuth.UserClaim, user.UserId.ToString(CultureInfo.InvariantCulture)));
        identity.AddClaim(new Claim(ApiOAuth.KindClaim, ApiOAuth.PortalUserKind));
        await context.SignInAsync(OAuthServerExtensions.SignInScheme, new ClaimsPrincipal(identity));
    }

    private static string? Optional(Microsoft.Extensions.Primitives.StringValues value) =>
        value.ToString().Trim() is { Length: > 0 and <= 64 } text ? text : null;
}
