using HostedMail.Core;
using HostedMail.Core.Accounts;
using HostedMail.Core.ApiTokens;
using HostedMail.Core.Tenants;
using HostedMail.Identity.Accounts;
using HostedMail.Identity.Tokens;
using HostedMail.Portal.Auth;
using HostedMail.Portal.Mail;
using HostedMail.Portal.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace HostedMail.Portal.Endpoints;

internal sealed record SignUpRequest(string? TenantName, string? TenantDisplayName, string? Email, string? Password, string? DisplayName);

/// <summary>The same shape and values whether or not the address already had an account.</summary>
internal sealed record SignUpResponse(long TenantId, string TenantName, string Next);

internal sealed record LoginBody(string? Email, string? Password, string? TotpCode, string? RecoveryCode, long? TenantId);

internal sealed record TokenBody(string? Token);

internal sealed record EmailBody(string? Email);

internal sealed record ResetPasswordBody(string? Token, string? NewPassword);

internal sealed record ChangePasswordBody(string? CurrentPassword, string? NewPassword);

internal sealed record CodeBody(string? Code);

internal sealed record PasswordBody(string? Password);

internal sealed record RecoveryCodesDto(IReadOnlyList<string> RecoveryCodes);

internal sealed record AccountDto(UserDto User, int RecoveryCodesLeft);

internal sealed record CreateTokenBody(string? Name, IReadOnlyList<string>? Scopes, DateTimeOffset? ExpiresAt);

/// <summary>Sign-up, login and logout, address confirmation, password reset (<c>/auth</c>); the caller's own account (<c>/account</c>).</summary>
internal static class AccountEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        var auth = api.MapGroup("/auth").WithTags("Authentication");
        auth.MapPost("/signup", SignUpAsync).RequireBudget(PortalRateLimits.SignUp).AllowAnonymous().Produces<SignUpResponse>(StatusCodes.Status201Created)
            .WithSummary("Creates a tenant and its owner; mails an address confirmation link. The same answer whether or not the address has an account.");
        auth.MapPost("/confirm-email", ConfirmEmailAsync).RequireBudget(PortalRateLimits.Confirm).AllowAnonymous().Produces(StatusCodes.Status204NoContent);
        auth.MapPost("/confirm-email/resend", ResendConfirmationAsync).RequireBudget(PortalRateLimits.Resend).AllowAnonymous().Produces(StatusCodes.Status202Accepted);
        auth.MapPost("/login", LoginAsync).RequireBudget(PortalRateLimits.Login).AllowAnonymous().Produces<SessionInfoDto>()
            .WithSummary("Signs in with email, password and, when enabled, a TOTP or recovery code, to the tenant asked for (tenantId) or the first; sets the session cookie.");
        auth.MapPost("/password-reset", RequestResetAsync).RequireBudget(PortalRateLimits.Reset).AllowAnonymous().Produces(StatusCodes.Status202Accepted);
        auth.MapPost("/password-reset/confirm", ConfirmResetAsync).RequireBudget(PortalRateLimits.ResetConfirm).AllowAnonymous().Produces(StatusCodes.Status204NoContent);
        auth.MapGet("/session", SessionAsync).Require(Area.Tenant, write: false).Produces<SessionInfoDto>()
            .WithSummary("Who is signed in, and the CSRF token to send as X-CSRF-Token with changes.");
        auth.MapPost("/logout", LogoutAsync).Require(Area.Account, write: true).Produces(StatusCodes.Status204NoContent);

        var account = api.MapGroup("/account").WithTags("Account");
        account.MapGet("/", GetAccountAsync).Require(Area.Account, write: false).Produces<AccountDto>();
        account.MapPost("/password", ChangePasswordAsync).Require(Area.Account, write: true).Produces(StatusCodes.Status204NoContent);
        account.MapPost("/2fa/setup", BeginTotpAsync).Require(Area.Account, write: true).Produces<TotpEnrolment>();
        account.MapPost("/2fa/enable", EnableTotpAsync).Require(Area.Account, write: true).Produces<RecoveryCodesDto>();
        account.MapPost("/2fa/disable", DisableTotpAsync).Require(Area.Account, write: true).Produces(StatusCodes.Status204NoContent);
        account.MapPost("/2fa/recovery-codes", RegenerateCodesAsync).Require(Area.Account, write: true).Produces<RecoveryCodesDto>();
        account.MapGet("/sessions", ListSessionsAsync).Require(Area.Account, write: false).Produces<ListDto<SessionDto>>();
        account.MapDelete("/sessions/{id:long}", EndSessionAsync).Require(Area.Account, write: true).Produces(StatusCodes.Status204NoContent);
        account.MapGet("/tokens", ListTokensAsync).Require(Area.Account, write: false).Produces<ListDto<ApiTokenDto>>();
        account.MapPost("/tokens", CreateTokenAsync).Require(Area.Account, write: true).Produces<CreatedApiTokenDto>(StatusCodes.Status201Created)
            .WithSummary("Creates a personal API token; the secret is in this response only.");
        account.MapDelete("/tokens/{id:long}", RevokeTokenAsync).Require(Area.Account, write: true).Produces(StatusCodes.Status204NoContent);
    }

    private static async Task<IResult> SignUpAsync(SignUpRequest body, AccountService accounts, IPortalMail mail, PortalOptions options, HttpContext http, CancellationToken ct)
    {
        if (!options.SignUpEnabled)
        {
            return Problems.Result(403, "sign-up is closed", "Tenants are created by the operator here.");
        }

        var result = await accounts.SignUpAsync(body.TenantName ?? string.Empty, body.TenantDisplayName, body.Email ?? string.Empty, body.Password ?? string.Empty, body.DisplayName, http.Connection.RemoteIpAddress, ct);
        var link = Link(options, "confirm-email", result.ConfirmationToken);
        var days = options.Accounts.EmailConfirmationLifetime.TotalDays;
        // Only the mail, which reaches the address's owner, says whether the account existed.
        await mail.SendAsync(result.TenantId, result.Owner.Email, "Confirm your HostedMail address", result.NewAccount
            ? $"Welcome to HostedMail.\n\nConfirm your address to sign in:\n{link}\n\nThe link works for {days:0} days. If you did not sign up, ignore this mail.\n"
            : $"Someone signed up the tenant '{result.TenantName}' with this address, which already has a HostedMail account.\n\nTo add the tenant to your account, confirm:\n{link}\n\nYou keep your password; the one given at sign-up is not used. The link works for {days:0} days. If it was not you, ignore this mail.\n", ct);
        return Results.Created("/api/v1/tenant", new SignUpResponse(result.TenantId, result.TenantName, "Confirm the address with the mailed link, then sign in."));
    }

    private static async Task<IResult> ConfirmEmailAsync(TokenBody body, AccountService accounts, HttpContext http, CancellationToken ct) =>
        await accounts.ConfirmEmailAsync(body.Token ?? string.Empty, http.Connection.RemoteIpAddress, ct)
            ? Results.NoContent()
            : Problems.Validation("token", "the link is invalid, used or expired: request a new one");

    private static async Task<IResult> ResendConfirmationAsync(EmailBody body, AccountService accounts, IPortalMail mail, PortalOptions options, CancellationToken ct)
    {
        // The same answer whether or not the address has an account (no enumeration).
        foreach (var (user, token) in await accounts.ResendConfirmationsAsync(body.Email ?? string.Empty, ct))
        {
            await mail.SendAsync(user.TenantId, user.Email, "Confirm your HostedMail address", $"Confirm your address:\n{Link(options, "confirm-email", token)}\n", ct);
        }

        return Results.Accepted();
    }

    private static async Task<IResult> LoginAsync(LoginBody body, AccountService accounts, PortalOptions options, HttpContext http, CancellationToken ct)
    {
        var result = await accounts.LoginAsync(new LoginRequest(body.Email, body.Password, body.TotpCode, body.RecoveryCode, http.Connection.RemoteIpAddress, http.Request.Headers.UserAgent.ToString(), body.TenantId), ct);
        switch (result.Status)
        {
            case LoginStatus.SecondFactorRequired:
                return Problems.Result(401, "second factor required", "Send totpCode (from the authenticator app) or recoveryCode with the password.", Problems.TypeBase + "two-factor-required");
            case LoginStatus.SecondFactorFailed:
                return Problems.Result(401, "second factor not accepted", "The code is wrong, expired or already used.", Problems.TypeBase + "two-factor-failed");
            case LoginStatus.EmailNotConfirmed:
                return Problems.Result(403, "address not confirmed", "Confirm the address with the mailed link first (POST /api/v1/auth/confirm-email/resend sends a new one).", Problems.TypeBase + "email-not-confirmed");
            case LoginStatus.Failed:
                return Problems.Result(401, "sign-in failed", "The email or password is not correct, or the account is locked for a while after too many attempts.", Problems.TypeBase + "invalid-credentials");
        }

        var user = result.User!;
        SetSessionCookie(http, options, result.SessionToken!, result.Session!.CreatedAt + options.Accounts.SessionMaxLifetime);
        var tenant = await http.RequestServices.GetTenantNameAsync(user.TenantId, ct);
        var choices = await TenantChoicesAsync(http.RequestServices, result.Memberships, ct);
        return Results.Ok(new SessionInfoDto(UserDto.From(user), user.TenantId, tenant, "session", result.Session.CsrfToken, null, choices));
    }

    private static async Task<IResult> RequestResetAsync(EmailBody body, AccountService accounts, IPortalMail mail, PortalOptions options, CancellationToken ct)
    {
        if (await accounts.RequestPasswordResetAsync(body.Email ?? string.Empty, ct) is { } found)
        {
            await mail.SendAsync(found.User.TenantId, found.User.Email, "Reset your HostedMail password",
                $"Someone asked to reset the password of this HostedMail account.\n\nChoose a new password:\n{Link(options, "reset-password", found.Token)}\n\nThe link works for {options.Accounts.PasswordResetLifetime.TotalMinutes:0} minutes. If it was not you, ignore this mail.\n", ct);
        }

        return Results.Accepted();
    }

    private static async Task<IResult> ConfirmResetAsync(ResetPasswordBody body, AccountService accounts, HttpContext http, CancellationToken ct)
    {
        await accounts.ResetPasswordAsync(body.Token ?? string.Empty, body.NewPassword ?? string.Empty, http.Connection.RemoteIpAddress, ct);
        return Results.NoContent();
    }

    private static async Task<IResult> SessionAsync(PortalCaller caller, AccountService accounts, HttpContext http, CancellationToken ct)
    {
        var user = await CurrentUserAsync(caller, accounts, ct);
        var tenant = await http.RequestServices.GetTenantNameAsync(caller.TenantId, ct);
        // A token acts in its own tenant only; a session may sign in again to another membership.
        var memberships = caller.Kind == CallerKind.Session
            ? (await accounts.FindMembershipsAsync(user.Email, ct)).Where(m => m.EmailConfirmedAt is not null).ToList()
            : [user];
        return Results.Ok(new SessionInfoDto(UserDto.From(user), caller.TenantId, tenant, caller.Kind == CallerKind.Session ? "session" : "api-token",
            caller.CsrfToken, caller.Kind == CallerKind.ApiToken ? caller.Scopes : null, await TenantChoicesAsync(http.RequestServices, memberships, ct)));
    }

    private static async Task<IResult> LogoutAsync(PortalCaller caller, AccountService accounts, PortalOptions options, HttpContext http, CancellationToken ct)
    {
        await accounts.EndSessionAsync(caller.TenantId, caller.UserId, caller.CredentialId, caller.Actor, ct);
        ClearSessionCookie(http, options);
        return Results.NoContent();
    }

    private static async Task<IResult> GetAccountAsync(PortalCaller caller, AccountService accounts, CancellationToken ct)
    {
        var user = await CurrentUserAsync(caller, accounts, ct);
        return Results.Ok(new AccountDto(UserDto.From(user), user.TotpEnabled ? await accounts.CountRecoveryCodesAsync(user, ct) : 0));
    }

    private static async Task<IResult> ChangePasswordAsync(ChangePasswordBody body, PortalCaller caller, AccountService accounts, PortalOptions options, HttpContext http, CancellationToken ct)
    {
        var user = await CurrentUserAsync(caller, accounts, ct);
        await accounts.ChangePasswordAsync(user, body.CurrentPassword ?? string.Empty, body.NewPassword ?? string.Empty, caller.Actor, ct);
        ClearSessionCookie(http, options);
        return Results.NoContent();
    }

    private static async Task<IResult> BeginTotpAsync(PortalCaller caller, AccountService accounts, CancellationToken ct) =>
        Results.Ok(await accounts.BeginTotpAsync(await CurrentUserAsync(caller, accounts, ct), ct));

    private static async Task<IResult> EnableTotpAsync(CodeBody body, PortalCaller caller, AccountService accounts, CancellationToken ct) =>
        Results.Ok(new RecoveryCodesDto(await accounts.EnableTotpAsync(await CurrentUserAsync(caller, accounts, ct), body.Code ?? string.Empty, caller.Actor, ct)));

    private static async Task<IResult> DisableTotpAsync(PasswordBody body, PortalCaller caller, AccountService accounts, CancellationToken ct)
    {
        await accounts.DisableTotpAsync(await CurrentUserAsync(caller, accounts, ct), body.Password ?? string.Empty, caller.Actor, ct);
        return Results.NoContent();
    }

    private static async Task<IResult> RegenerateCodesAsync(PasswordBody body, PortalCaller caller, AccountService accounts, CancellationToken ct) =>
        Results.Ok(new RecoveryCodesDto(await accounts.RegenerateRecoveryCodesAsync(await CurrentUserAsync(caller, accounts, ct), body.Password ?? string.Empty, caller.Actor, ct)));

    private static async Task<IResult> ListSessionsAsync(PortalCaller caller, AccountService accounts, int? offset, int? limit, CancellationToken ct) =>
        Paging.TryCreate(offset, limit, out var paging, out var problem)
            ? Results.Ok(paging.Apply(await accounts.ListSessionsAsync(caller.TenantId, caller.UserId, ct), s => SessionDto.From(s, caller.CredentialId)))
            : problem!;

    private static async Task<IResult> EndSessionAsync(long id, PortalCaller caller, AccountService accounts, CancellationToken ct) =>
        await accounts.EndSessionAsync(caller.TenantId, caller.UserId, id, caller.Actor, ct) ? Results.NoContent() : Problems.Result(404, "not found", "No such session.");

    private static async Task<IResult> ListTokensAsync(PortalCaller caller, ApiTokenService tokens, int? offset, int? limit, CancellationToken ct) =>
        Paging.TryCreate(offset, limit, out var paging, out var problem)
            ? Results.Ok(paging.Apply(await tokens.ListAsync(caller.TenantId, caller.UserId, ct), ApiTokenDto.From))
            : problem!;

    private static async Task<IResult> CreateTokenAsync(CreateTokenBody body, PortalCaller caller, AccountService accounts, ApiTokenService tokens, CancellationToken ct)
    {
        var user = await CurrentUserAsync(caller, accounts, ct);
        var (token, secret) = await tokens.CreateAsync(user, body.Name ?? string.Empty, body.Scopes, body.ExpiresAt, caller.Actor, ct);
        return Results.Created($"/api/v1/account/tokens/{token.TokenId}", new CreatedApiTokenDto(ApiTokenDto.From(token), secret));
    }

    private static async Task<IResult> RevokeTokenAsync(long id, PortalCaller caller, ApiTokenService tokens, CancellationToken ct)
    {
        var token = await tokens.GetAsync(caller.TenantId, id, ct);
        if (token is null || token.UserId != caller.UserId)
        {
            return Problems.Result(404, "not found", "No such token.");
        }

        await tokens.RevokeAsync(token, caller.Actor, ct);
        return Results.NoContent();
    }

    internal static async Task<PortalUser> CurrentUserAsync(PortalCaller caller, AccountService accounts, CancellationToken ct) =>
        await accounts.GetUserAsync(caller.TenantId, caller.UserId, ct) ?? throw HostedMailException.NotFound("the signed-in user no longer exists");

    private static async Task<IReadOnlyList<TenantChoiceDto>> TenantChoicesAsync(IServiceProvider services, IReadOnlyList<PortalUser> memberships, CancellationToken ct)
    {
        var tenants = (TenantService)services.GetService(typeof(TenantService))!;
        var choices = new List<TenantChoiceDto>(memberships.Count);
        foreach (var m in memberships)
        {
            var tenant = await tenants.GetAsync(m.TenantId.ToString(System.Globalization.CultureInfo.InvariantCulture), ct);
            choices.Add(new TenantChoiceDto(tenant.TenantId, tenant.Name, tenant.DisplayName, m.Role.Name()));
        }

        return choices;
    }

    internal static async Task<string> GetTenantNameAsync(this IServiceProvider services, long tenantId, CancellationToken ct) =>
        (await ((TenantService)services.GetService(typeof(TenantService))!).GetAsync(tenantId.ToString(System.Globalization.CultureInfo.InvariantCulture), ct)).Name;

    internal static string Link(PortalOptions options, string page, string token) => new Uri(options.PublicUrl, $"{page}#token={token}").ToString();

    internal static void SetSessionCookie(HttpContext http, PortalOptions options, string token, DateTimeOffset expires) =>
        http.Response.Cookies.Append(PortalAuthenticationHandler.CookieName(options), token, new CookieOptions
        {
            HttpOnly = true,
            Secure = options.SecureCookies,
            SameSite = SameSiteMode.Strict,
            Path = "/",
            Expires = expires,
        });

    private static void ClearSessionCookie(HttpContext http, PortalOptions options) =>
        http.Response.Cookies.Delete(PortalAuthenticationHandler.CookieName(options), new CookieOptions { Secure = options.SecureCookies, SameSite = SameSiteMode.Strict, Path = "/", HttpOnly = true });
}
