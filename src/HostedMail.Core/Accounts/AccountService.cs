using System.Net;
using HostedMail.Core.Audit;
using HostedMail.Core.Mailboxes;
using HostedMail.Core.Security;
using HostedMail.Core.Tenants;

namespace HostedMail.Core.Accounts;

/// <summary>Sign-up, login with optional TOTP, sessions, password reset and the tenant's portal users.</summary>
public sealed class AccountService(IAccountStore store, IPasswordHasher hasher, AccountOptions options, TimeProvider timeProvider)
{
    // Implementation notes:
    // - Unknown email, wrong password and locked account answer alike to the caller (no account
    //   enumeration); the password hash is computed in every case so timing does not tell either.
    // - Session, API and mailed tokens are random and stored as SHA-256 only (SecretTokens).
    // - A password change or reset ends every session of the user in the same transaction.
    private readonly Lazy<string> _dummyHash = new(() => hasher.Hash(Guid.NewGuid().ToString()));

    public AccountOptions Options => options;

    public async Task<SignUpResult> SignUpAsync(string tenantName, string email, string password, string? displayName, IPAddress? remoteAddress, CancellationToken cancellationToken = default)
    {
        var errors = new Dictionary<string, string>();
        var name = (tenantName ?? string.Empty).Trim();
        if (name.Length == 0 || name.Length > TenantService.MaximumNameLength || name.Any(char.IsControl) || name.All(char.IsAsciiDigit))
        {
            errors["tenantName"] = $"tenant name must be 1 to {TenantService.MaximumNameLength} printable characters and not a number";
        }

        var cleanEmail = NormalizeEmail(email, errors, "email");
        if (PasswordPolicy.Check(password ?? string.Empty, cleanEmail ?? string.Empty) is { } problem)
        {
            errors["password"] = problem;
        }

        CheckDisplayName(displayName, errors);
        if (errors.Count > 0)
        {
            throw new FieldValidationException(errors);
        }

        var actor = new Actor("user:" + cleanEmail, remoteAddress);
        var audit = new AuditEntry(null, actor, "tenant.signup", name, new Dictionary<string, string> { ["plan"] = options.SignUpPlan });
        var (tenantId, owner) = await store.SignUpAsync(name, options.SignUpPlan, cleanEmail!, displayName, hasher.Hash(password!), audit, cancellationToken);
        var token = await IssueUserTokenAsync(owner, UserTokenPurpose.ConfirmEmail, options.EmailConfirmationLifetime, cancellationToken);
        return new SignUpResult(tenantId, owner, token);
    }

    public async Task<bool> ConfirmEmailAsync(string token, IPAddress? remoteAddress, CancellationToken cancellationToken = default)
    {
        var now = timeProvider.GetUtcNow();
        var found = await store.ConsumeUserTokenAsync(SecretTokens.Hash(token ?? string.Empty), UserTokenPurpose.ConfirmEmail, now, cancellationToken);
        if (found is not { } f || await store.GetAsync(f.TenantId, f.UserId, cancellationToken) is not { } user)
        {
            return false;
        }

        await store.ConfirmEmailAsync(f.TenantId, f.UserId, now, new AuditEntry(f.TenantId, new Actor("user:" + user.Email, remoteAddress), "user.confirm-email", user.Email), cancellationToken);
        return true;
    }

    /// <summary>A new confirmation token for a user whose address is not confirmed yet; null when it already is.</summary>
    public async Task<string?> ResendConfirmationAsync(PortalUser user, CancellationToken cancellationToken = default) =>
        user.EmailConfirmedAt is null ? await IssueUserTokenAsync(user, UserTokenPurpose.ConfirmEmail, options.EmailConfirmationLifetime, cancellationToken) : null;

    public async Task<LoginResult> LoginAsync(LoginRequest request, CancellationToken cancellationToken = default)
    {
        var now = timeProvider.GetUtcNow();
        var email = TryNormalizeEmail(request.Email);
        var user = email is null ? null : await store.FindByEmailAsync(email, cancellationToken);
        var secrets = user is null ? null : await store.GetSecretsAsync(user.TenantId, user.UserId, cancellationToken);
        if (user is null || secrets?.PasswordHash is null)
        {
            hasher.Verify(_dummyHash.Value, request.Password ?? string.Empty);
            return LoginResult.Failed;
        }

        var check = hasher.Verify(secrets.PasswordHash, request.Password ?? string.Empty);
        if (user.LockedUntil is { } locked && locked > now)
        {
            // Checked after hashing so a locked account costs and looks the same as a wrong password.
            return LoginResult.Failed;
        }

        if (check == PasswordCheck.Failed)
        {
            await store.RecordFailedLoginAsync(user.TenantId, user.UserId, options.LockoutThreshold, now + options.LockoutDuration, cancellationToken);
            return LoginResult.Failed;
        }

        if (user.TotpEnabled)
        {
            var second = await CheckSecondFactorAsync(user, secrets, request.TotpCode, request.RecoveryCode, now, cancellationToken);
            if (second != LoginStatus.Succeeded)
            {
                return new LoginResult(second, null, null, null);
            }
        }

        if (check == PasswordCheck.SuccessRehashNeeded)
        {
            await store.SetPasswordHashAsync(user.TenantId, user.UserId, hasher.Hash(request.Password!), endSessions: false, audit: null, cancellationToken);
        }

        await store.ResetFailedLoginsAsync(user.TenantId, user.UserId, cancellationToken);
        var token = SecretTokens.New(32, "hms_");
        var session = await store.CreateSessionAsync(user.TenantId, user.UserId, SecretTokens.Hash(token), SecretTokens.New(20), now,
            now + options.SessionIdleTimeout, request.RemoteAddress, Truncate(request.UserAgent, 300),
            new AuditEntry(user.TenantId, new Actor("user:" + user.Email, request.RemoteAddress), "user.login", user.Email,
                new Dictionary<string, string> { ["second_factor"] = user.TotpEnabled ? "totp" : "none" }), cancellationToken);
        return new LoginResult(LoginStatus.Succeeded, user, session, token);
    }

    /// <summary>The session and user behind a session cookie; slides the idle expiry, bounded by the maximum lifetime.</summary>
    public async Task<(PortalSession Session, PortalUser User)?> ResolveSessionAsync(string token, CancellationToken cancellationToken = default)
    {
        var now = timeProvider.GetUtcNow();
        if (await store.FindSessionAsync(SecretTokens.Hash(token), now, cancellationToken) is not { } found)
        {
            return null;
        }

        var maxEnd = found.Session.CreatedAt + options.SessionMaxLifetime;
        if (maxEnd <= now)
        {
            return null;
        }

        // Touch at most once a minute: every API call from a browser should not be a write.
        if (now - found.Session.LastSeenAt > TimeSpan.FromMinutes(1))
        {
            var expires = now + options.SessionIdleTimeout;
            await store.TouchSessionAsync(found.Session.TenantId, found.Session.SessionId, now, expires < maxEnd ? expires : maxEnd, cancellationToken);
        }

        return found;
    }

    public Task<IReadOnlyList<PortalSession>> ListSessionsAsync(long tenantId, long userId, CancellationToken cancellationToken = default) =>
        store.ListSessionsAsync(tenantId, userId, timeProvider.GetUtcNow(), cancellationToken);

    public Task<bool> EndSessionAsync(long tenantId, long userId, long sessionId, Actor actor, CancellationToken cancellationToken = default) =>
        store.DeleteSessionAsync(tenantId, userId, sessionId, new AuditEntry(tenantId, actor, "user.session-revoke", sessionId.ToString(System.Globalization.CultureInfo.InvariantCulture)), cancellationToken);

    /// <summary>A reset token for the address, or null when no such user exists (the caller answers the same either way).</summary>
    public async Task<(PortalUser User, string Token)?> RequestPasswordResetAsync(string email, CancellationToken cancellationToken = default)
    {
        var clean = TryNormalizeEmail(email);
        var user = clean is null ? null : await store.FindByEmailAsync(clean, cancellationToken);
        return user is null ? null : (user, await IssueUserTokenAsync(user, UserTokenPurpose.ResetPassword, options.PasswordResetLifetime, cancellationToken));
    }

    /// <summary>An invited user's first password, or a forgotten one: the mailed token proves the address, so it also confirms it.</summary>
    public async Task ResetPasswordAsync(string token, string newPassword, IPAddress? remoteAddress, CancellationToken cancellationToken = default)
    {
        var now = timeProvider.GetUtcNow();
        // Check the policy before using the token up, so a weak password can be corrected with the same link.
        var hash = SecretTokens.Hash(token ?? string.Empty);
        if (PasswordPolicy.Check(newPassword ?? string.Empty, string.Empty) is { } early)
        {
            throw new FieldValidationException(new Dictionary<string, string> { ["newPassword"] = early });
        }

        var found = await store.ConsumeUserTokenAsync(hash, UserTokenPurpose.ResetPassword, now, cancellationToken)
            ?? throw new FieldValidationException(new Dictionary<string, string> { ["token"] = "the link is invalid, used or expired: request a new one" });
        var user = await store.GetAsync(found.TenantId, found.UserId, cancellationToken) ?? throw HostedMailException.NotFound("unknown user");
        if (PasswordPolicy.Check(newPassword!, user.Email) is { } problem)
        {
            throw new FieldValidationException(new Dictionary<string, string> { ["newPassword"] = problem });
        }

        var actor = new Actor("user:" + user.Email, remoteAddress);
        await store.SetPasswordHashAsync(user.TenantId, user.UserId, hasher.Hash(newPassword!), endSessions: true, new AuditEntry(user.TenantId, actor, "user.password-reset", user.Email), cancellationToken);
        await store.ResetFailedLoginsAsync(user.TenantId, user.UserId, cancellationToken);
        if (user.EmailConfirmedAt is null)
        {
            await store.ConfirmEmailAsync(user.TenantId, user.UserId, now, new AuditEntry(user.TenantId, actor, "user.confirm-email", user.Email), cancellationToken);
        }
    }

    public async Task ChangePasswordAsync(PortalUser user, string currentPassword, string newPassword, Actor actor, CancellationToken cancellationToken = default)
    {
        var secrets = await store.GetSecretsAsync(user.TenantId, user.UserId, cancellationToken);
        if (secrets?.PasswordHash is null || hasher.Verify(secrets.PasswordHash, currentPassword ?? string.Empty) == PasswordCheck.Failed)
        {
            throw new FieldValidationException(new Dictionary<string, string> { ["currentPassword"] = "the current password is not correct" });
        }

        if (PasswordPolicy.Check(newPassword ?? string.Empty, user.Email) is { } problem)
        {
            throw new FieldValidationException(new Dictionary<string, string> { ["newPassword"] = problem });
        }

        // Other sessions end: a changed password is often a response to a suspected compromise.
        await store.SetPasswordHashAsync(user.TenantId, user.UserId, hasher.Hash(newPassword!), endSessions: true, new AuditEntry(user.TenantId, actor, "user.password-change", user.Email), cancellationToken);
    }

    /// <summary>Starts TOTP enrolment: a new secret, shown once as a key URI, active only after a code confirms it.</summary>
    public async Task<TotpEnrolment> BeginTotpAsync(PortalUser user, CancellationToken cancellationToken = default)
    {
        if (user.TotpEnabled)
        {
            throw HostedMailException.Conflict("two-factor authentication is already enabled; disable it first");
        }

        var secret = Totp.NewSecret();
        await store.SetPendingTotpSecretAsync(user.TenantId, user.UserId, secret, cancellationToken);
        return new TotpEnrolment(SecretTokens.Base32(secret), Totp.KeyUri(options.TotpIssuer, user.Email, secret));
    }

    /// <summary>Confirms enrolment with a code from the app; returns the recovery codes, shown this once.</summary>
    public async Task<IReadOnlyList<string>> EnableTotpAsync(PortalUser user, string code, Actor actor, CancellationToken cancellationToken = default)
    {
        if (user.TotpEnabled)
        {
            throw HostedMailException.Conflict("two-factor authentication is already enabled");
        }

        var secrets = await store.GetSecretsAsync(user.TenantId, user.UserId, cancellationToken);
        if (secrets?.TotpSecret is null)
        {
            throw HostedMailException.Conflict("start two-factor enrolment first");
        }

        if (Totp.Match(secrets.TotpSecret, code, timeProvider.GetUtcNow()) is not { } step)
        {
            throw new FieldValidationException(new Dictionary<string, string> { ["code"] = "the code is not correct; check the device's clock" });
        }

        var codes = NewRecoveryCodes();
        await store.EnableTotpAsync(user.TenantId, user.UserId, step, codes.Select(HashRecoveryCode).ToArray(), new AuditEntry(user.TenantId, actor, "user.2fa-enable", user.Email), cancellationToken);
        return codes;
    }

    public async Task DisableTotpAsync(PortalUser user, string password, Actor actor, CancellationToken cancellationToken = default)
    {
        await RequirePasswordAsync(user, password, cancellationToken);
        await store.DisableTotpAsync(user.TenantId, user.UserId, new AuditEntry(user.TenantId, actor, "user.2fa-disable", user.Email), cancellationToken);
    }

    public async Task<IReadOnlyList<string>> RegenerateRecoveryCodesAsync(PortalUser user, string password, Actor actor, CancellationToken cancellationToken = default)
    {
        if (!user.TotpEnabled)
        {
            throw HostedMailException.Conflict("two-factor authentication is not enabled");
        }

        await RequirePasswordAsync(user, password, cancellationToken);
        var codes = NewRecoveryCodes();
        await store.ReplaceRecoveryCodesAsync(user.TenantId, user.UserId, codes.Select(HashRecoveryCode).ToArray(), new AuditEntry(user.TenantId, actor, "user.2fa-recovery-codes", user.Email), cancellationToken);
        return codes;
    }

    public Task<int> CountRecoveryCodesAsync(PortalUser user, CancellationToken cancellationToken = default) =>
        store.CountUnusedRecoveryCodesAsync(user.TenantId, user.UserId, cancellationToken);

    /// <summary>Adds a person to the tenant; they choose a password through the mailed link (a reset token).</summary>
    public async Task<(PortalUser User, string Token)> InviteAsync(long tenantId, string email, string? displayName, PortalRole role, PortalRole inviterRole, Actor actor, CancellationToken cancellationToken = default)
    {
        var errors = new Dictionary<string, string>();
        var clean = NormalizeEmail(email, errors, "email");
        CheckDisplayName(displayName, errors);
        if (errors.Count > 0)
        {
            throw new FieldValidationException(errors);
        }

        CheckMayAssign(inviterRole, role);
        var user = await store.CreateUserAsync(tenantId, clean!, displayName, role,
            new AuditEntry(tenantId, actor, "user.invite", clean!, new Dictionary<string, string> { ["role"] = RoleName(role) }), cancellationToken);
        return (user, await IssueUserTokenAsync(user, UserTokenPurpose.ResetPassword, options.EmailConfirmationLifetime, cancellationToken));
    }

    public async Task<PortalUser> SetRoleAsync(long tenantId, long userId, PortalRole role, PortalRole callerRole, Actor actor, CancellationToken cancellationToken = default)
    {
        var user = await store.GetAsync(tenantId, userId, cancellationToken) ?? throw HostedMailException.NotFound("unknown user");
        CheckMayAssign(callerRole, user.Role);
        CheckMayAssign(callerRole, role);
        if (user.Role == PortalRole.Owner && role != PortalRole.Owner && await store.CountOwnersAsync(tenantId, cancellationToken) <= 1)
        {
            throw HostedMailException.Conflict("the last owner cannot be given another role");
        }

        return await store.SetRoleAsync(tenantId, userId, role, new AuditEntry(tenantId, actor, "user.set-role", user.Email, new Dictionary<string, string> { ["role"] = RoleName(role) }), cancellationToken)
            ?? throw HostedMailException.NotFound("unknown user");
    }

    public async Task RemoveUserAsync(long tenantId, long userId, PortalRole callerRole, Actor actor, CancellationToken cancellationToken = default)
    {
        var user = await store.GetAsync(tenantId, userId, cancellationToken) ?? throw HostedMailException.NotFound("unknown user");
        CheckMayAssign(callerRole, user.Role);
        if (user.Role == PortalRole.Owner && await store.CountOwnersAsync(tenantId, cancellationToken) <= 1)
        {
            throw HostedMailException.Conflict("the last owner cannot be removed");
        }

        await store.DeleteAsync(tenantId, userId, new AuditEntry(tenantId, actor, "user.remove", user.Email), cancellationToken);
    }

    public async Task<PortalUser?> FindUserByEmailAsync(string email, CancellationToken cancellationToken = default) =>
        TryNormalizeEmail(email) is { } clean ? await store.FindByEmailAsync(clean, cancellationToken) : null;

    public Task<PortalUser?> GetUserAsync(long tenantId, long userId, CancellationToken cancellationToken = default) => store.GetAsync(tenantId, userId, cancellationToken);

    public Task<IReadOnlyList<PortalUser>> ListUsersAsync(long tenantId, CancellationToken cancellationToken = default) => store.ListAsync(tenantId, cancellationToken);

    public static string RoleName(PortalRole role) => role switch
    {
        PortalRole.Owner => "owner",
        PortalRole.Admin => "admin",
        PortalRole.Billing => "billing",
        _ => "read_only",
    };

    public static PortalRole? ParseRole(string? name) => name?.Trim().ToLowerInvariant() switch
    {
        "owner" => PortalRole.Owner,
        "admin" => PortalRole.Admin,
        "billing" => PortalRole.Billing,
        "read_only" or "read-only" or "readonly" => PortalRole.ReadOnly,
        _ => null,
    };

    private static void CheckMayAssign(PortalRole callerRole, PortalRole role)
    {
        // Only owners hand out or take away ownership, so an admin cannot lock the owners out.
        if (role == PortalRole.Owner && callerRole != PortalRole.Owner)
        {
            throw new PortalForbiddenException("only an owner can manage owners");
        }
    }

    private async Task RequirePasswordAsync(PortalUser user, string password, CancellationToken cancellationToken)
    {
        var secrets = await store.GetSecretsAsync(user.TenantId, user.UserId, cancellationToken);
        if (secrets?.PasswordHash is null || hasher.Verify(secrets.PasswordHash, password ?? string.Empty) == PasswordCheck.Failed)
        {
            throw new FieldValidationException(new Dictionary<string, string> { ["password"] = "the password is not correct" });
        }
    }

    private async Task<LoginStatus> CheckSecondFactorAsync(PortalUser user, PortalUserSecrets secrets, string? totpCode, string? recoveryCode, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (!string.IsNullOrWhiteSpace(totpCode))
        {
            if (secrets.TotpSecret is not null && Totp.Match(secrets.TotpSecret, totpCode, now) is { } step
                && await store.AdvanceTotpStepAsync(user.TenantId, user.UserId, step, cancellationToken))
            {
                return LoginStatus.Succeeded;
            }
        }
        else if (!string.IsNullOrWhiteSpace(recoveryCode))
        {
            if (await store.UseRecoveryCodeAsync(user.TenantId, user.UserId, HashRecoveryCode(recoveryCode), now, cancellationToken))
            {
                return LoginStatus.Succeeded;
            }
        }
        else
        {
            return LoginStatus.SecondFactorRequired;
        }

        await store.RecordFailedLoginAsync(user.TenantId, user.UserId, options.LockoutThreshold, now + options.LockoutDuration, cancellationToken);
        return LoginStatus.SecondFactorFailed;
    }

    private async Task<string> IssueUserTokenAsync(PortalUser user, UserTokenPurpose purpose, TimeSpan lifetime, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        var token = SecretTokens.New(24);
        await store.CreateUserTokenAsync(user.TenantId, user.UserId, purpose, SecretTokens.Hash(token), now, now + lifetime, cancellationToken);
        return token;
    }

    private List<string> NewRecoveryCodes()
    {
        // 10 characters of base32 (50 bits) each, shown as two groups of five: single use, and login is rate limited.
        var codes = new List<string>(options.RecoveryCodeCount);
        for (var i = 0; i < options.RecoveryCodeCount; i++)
        {
            var raw = SecretTokens.New(7)[..10];
            codes.Add(raw[..5] + "-" + raw[5..]);
        }

        return codes;
    }

    private static byte[] HashRecoveryCode(string code) =>
        SecretTokens.Hash(code.Trim().Replace("-", string.Empty, StringComparison.Ordinal).Replace(" ", string.Empty, StringComparison.Ordinal).ToLowerInvariant());

    private static string? NormalizeEmail(string? email, Dictionary<string, string> errors, string field)
    {
        var clean = TryNormalizeEmail(email);
        if (clean is null)
        {
            errors[field] = "not a valid email address";
        }

        return clean;
    }

    private static string? TryNormalizeEmail(string? email) =>
        MailAddress.TryParse(email ?? string.Empty, allowCatchAll: false, out var parsed) is null ? parsed!.Value : null;

    private static void CheckDisplayName(string? displayName, Dictionary<string, string> errors)
    {
        if (displayName is not null && (displayName.Length > 200 || displayName.Any(char.IsControl)))
        {
            errors["displayName"] = "display name must be at most 200 printable characters";
        }
    }

    private static string? Truncate(string? value, int max) => value is null || value.Length <= max ? value : value[..max];
}

/// <summary>The new tenant, its owner and the email confirmation token to mail them.</summary>
public sealed record SignUpResult(long TenantId, PortalUser Owner, string ConfirmationToken);

public sealed record LoginRequest(string? Email, string? Password, string? TotpCode, string? RecoveryCode, IPAddress? RemoteAddress, string? UserAgent);

public enum LoginStatus
{
    Succeeded,
    Failed,
    SecondFactorRequired,
    SecondFactorFailed,
}

/// <summary>The outcome of a login; on success the session and its cookie token (shown once).</summary>
public sealed record LoginResult(LoginStatus Status, PortalUser? User, PortalSession? Session, string? SessionToken)
{
    public static LoginResult Failed { get; } = new(LoginStatus.Failed, null, null, null);
}

public sealed record TotpEnrolment(string Secret, string KeyUri);

/// <summary>Invalid input, with a message per field (becomes RFC 9457 problem details with an <c>errors</c> member).</summary>
public sealed class FieldValidationException : Exception
{
    public FieldValidationException(IReadOnlyDictionary<string, string> errors) : base(string.Join("; ", errors.Select(e => $"{e.Key}: {e.Value}"))) => Errors = errors;

    public FieldValidationException() : this(new Dictionary<string, string>()) { }

    public FieldValidationException(string message) : base(message) => Errors = new Dictionary<string, string>();

    public FieldValidationException(string message, Exception innerException) : base(message, innerException) => Errors = new Dictionary<string, string>();

    public IReadOnlyDictionary<string, string> Errors { get; }
}

/// <summary>The caller is known but their role does not allow the change.</summary>
public sealed class PortalForbiddenException : Exception
{
    public PortalForbiddenException() : base("forbidden") { }

    public PortalForbiddenException(string message) : base(message) { }

    public PortalForbiddenException(string message, Exception innerException) : base(message, innerException) { }
}
