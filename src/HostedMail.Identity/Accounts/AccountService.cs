using System.Net;
using HostedMail.Core;
using HostedMail.Core.Accounts;
using HostedMail.Core.Audit;
using HostedMail.Core.Mailboxes;
using HostedMail.Core.Security;
using HostedMail.Core.Tenants;
using HostedMail.Identity.Tokens;

namespace HostedMail.Identity.Accounts;

/// <summary>Sign-up, login with optional TOTP, sessions, password reset and the tenant's portal users.</summary>
public sealed class AccountService(IAccountStore store, IPasswordHasher hasher, AccountOptions options, TimeProvider timeProvider)
{
    // Implementation notes:
    // - Unknown email, wrong password and locked account answer alike to the caller (no account
    //   enumeration); the password hash is computed in every case so timing does not tell either.
    // - Session, API and mailed tokens are random and stored as SHA-256 only (SecretTokens).
    // - A password change or reset ends every session of the user in the same transaction.
    private readonly Lazy<Task<string>> _dummyHash = new(() => hasher.HashAsync(Guid.NewGuid().ToString()));

    public AccountOptions Options => options;

    /// <summary>
    /// Creates a tenant (named by the <see cref="TenantName"/> rule) with the address as its owner.
    /// An address that already has an account gets the tenant as one more membership and keeps its
    /// password; the caller answers alike either way (no account enumeration), and the mailed
    /// confirmation link confirms the membership in both cases.
    /// </summary>
    public async Task<SignUpResult> SignUpAsync(string tenantName, string? tenantDisplayName, string email, string password, string? displayName, IPAddress? remoteAddress, CancellationToken cancellationToken = default)
    {
        var errors = new Dictionary<string, string>();
        if (TenantName.SlugProblem(tenantName) is { } nameProblem)
        {
            errors["tenantName"] = nameProblem;
        }

        if (TenantName.DisplayNameProblem(tenantDisplayName) is { } displayProblem)
        {
            errors["tenantDisplayName"] = displayProblem;
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

        var slug = TenantName.NormalizeSlug(tenantName);
        var actor = new Actor("user:" + cleanEmail, remoteAddress);
        var audit = new AuditEntry(null, actor, "tenant.signup", slug, new Dictionary<string, string> { ["plan"] = options.SignUpPlan });
        // Hashed in every case, so the time taken does not tell whether the account existed.
        var hash = await hasher.HashAsync(password!, cancellationToken);
        var record = await store.SignUpAsync(slug, TenantName.NormalizeDisplayName(tenantDisplayName, slug), options.SignUpPlan, cleanEmail!, displayName, hash, audit, cancellationToken);
        var token = await IssueUserTokenAsync(record.Owner, UserTokenPurpose.ConfirmEmail, options.EmailConfirmationLifetime, cancellationToken);
        return new SignUpResult(record.TenantId, slug, record.Owner, token, record.NewAccount);
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

    /// <summary>New confirmation tokens for every membership of the address that is not confirmed yet (none for an unknown address).</summary>
    public async Task<IReadOnlyList<(PortalUser User, string Token)>> ResendConfirmationsAsync(string email, CancellationToken cancellationToken = default)
    {
        var result = new List<(PortalUser, string)>();
        foreach (var membership in await FindMembershipsAsync(email, cancellationToken))
        {
            if (membership.EmailConfirmedAt is null)
            {
                result.Add((membership, await IssueUserTokenAsync(membership, UserTokenPurpose.ConfirmEmail, options.EmailConfirmationLifetime, cancellationToken)));
            }
        }

        return result;
    }

    /// <summary>
    /// Signs an account in to one of its confirmed memberships: the one asked for
    /// (<see cref="LoginRequest.TenantId"/>), else the oldest. The result lists every confirmed
    /// membership so the caller can offer the others.
    /// </summary>
    public async Task<LoginResult> LoginAsync(LoginRequest request, CancellationToken cancellationToken = default)
    {
        var (result, secondFactor) = await CheckLoginAsync(request, cancellationToken);
        if (result.Status != LoginStatus.Succeeded)
        {
            return result;
        }

        var (session, token) = await OpenSessionAsync(result.User!, request.RemoteAddress, request.UserAgent,
            new Dictionary<string, string> { ["second_factor"] = secondFactor }, cancellationToken);
        return result with { Session = session, SessionToken = token };
    }

    /// <summary>
    /// The same sign-in as <see cref="LoginAsync"/> (password, second factor, lockout counting,
    /// unconfirmed address refused) for a page that is not the portal, the OAuth authorization
    /// server's: no portal session is created, and the audit entry says where the sign-in happened
    /// (<paramref name="via"/>).
    /// </summary>
    public async Task<LoginResult> SignInWithoutSessionAsync(LoginRequest request, string via, CancellationToken cancellationToken = default)
    {
        var (result, secondFactor) = await CheckLoginAsync(request, cancellationToken);
        if (result.Status == LoginStatus.Succeeded)
        {
            var user = result.User!;
            await store.RecordSignInAsync(user.TenantId, user.UserId,
                new AuditEntry(user.TenantId, new Actor("user:" + user.Email, request.RemoteAddress), "user.login", user.Email,
                    new Dictionary<string, string> { ["second_factor"] = secondFactor, ["via"] = via }), cancellationToken);
        }

        return result;
    }

    /// <summary>
    /// Records a sign-in through the tenant's own identity provider (the OAuth authorization pages'
    /// single sign-on): the provider checked the person, so no password or second factor here; the
    /// caller has checked that the membership is confirmed and the address is in a verified domain
    /// of the tenant. No portal session is made.
    /// </summary>
    public async Task RecordFederatedSignInAsync(PortalUser user, string issuer, IPAddress? remoteAddress, CancellationToken cancellationToken = default)
    {
        await store.RecordSignInAsync(user.TenantId, user.UserId,
            new AuditEntry(user.TenantId, new Actor("user:" + user.Email, remoteAddress), "user.login", user.Email,
                new Dictionary<string, string> { ["second_factor"] = "identity-provider", ["via"] = "oauth", ["issuer"] = issuer }), cancellationToken);
    }

    /// <summary>
    /// A portal session for a sign-in through the tenant's own identity provider (the portal web
    /// app's single sign-on): the same session, cookie secret and CSRF token as <see cref="LoginAsync"/>
    /// makes, no password or second factor (the provider checked the person). The caller has checked
    /// the membership is confirmed, the address is in a verified domain of the tenant and the tenant
    /// is active. The audit entry names the provider.
    /// </summary>
    public Task<(PortalSession Session, string Token)> CreateFederatedSessionAsync(PortalUser user, string issuer, IPAddress? remoteAddress, string? userAgent, CancellationToken cancellationToken = default) =>
        OpenSessionAsync(user, remoteAddress, userAgent, new Dictionary<string, string> { ["second_factor"] = "identity-provider", ["issuer"] = issuer }, cancellationToken);

    /// <summary>A new session (cookie secret, CSRF token) for a signed-in user, audited as <c>user.login</c> with <paramref name="details"/>.</summary>
    private async Task<(PortalSession Session, string Token)> OpenSessionAsync(PortalUser user, IPAddress? remoteAddress, string? userAgent, Dictionary<string, string> details, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        var token = SecretTokens.New(32, "hms_");
        var session = await store.CreateSessionAsync(user.TenantId, user.UserId, SecretTokens.Hash(token), SecretTokens.New(20), now,
            now + options.SessionIdleTimeout, remoteAddress, Truncate(userAgent, 300),
            new AuditEntry(user.TenantId, new Actor("user:" + user.Email, remoteAddress), "user.login", user.Email, details), cancellationToken);
        return (session, token);
    }

    /// <summary>Every check of a login; on success the user (no session yet) and the second factor used.</summary>
    private async Task<(LoginResult Result, string SecondFactor)> CheckLoginAsync(LoginRequest request, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        var memberships = await FindMembershipsAsync(request.Email ?? string.Empty, cancellationToken);
        var account = memberships.Count == 0 ? null : memberships[0];
        var secrets = account is null ? null : await store.GetSecretsAsync(account.TenantId, account.UserId, cancellationToken);
        if (account is null || secrets?.PasswordHash is null)
        {
            await hasher.VerifyAsync(await _dummyHash.Value, request.Password ?? string.Empty, cancellationToken);
            return (LoginResult.Failed, "none");
        }

        var check = await hasher.VerifyAsync(secrets.PasswordHash, request.Password ?? string.Empty, cancellationToken);
        if (account.LockedUntil is { } locked && locked > now)
        {
            // Checked after hashing so a locked account costs and looks the same as a wrong password.
            return (LoginResult.Failed, "none");
        }

        if (check == PasswordCheck.Failed)
        {
            await store.RecordFailedLoginAsync(account.TenantId, account.UserId, options.LockoutThreshold, now + options.LockoutDuration, cancellationToken);
            return (LoginResult.Failed, "none");
        }

        // Refused before any session exists, so the audit log never shows a login that was not one.
        var confirmed = memberships.Where(m => m.EmailConfirmedAt is not null).ToList();
        if (confirmed.Count == 0)
        {
            return (new LoginResult(LoginStatus.EmailNotConfirmed, null, null, null, []), "none");
        }

        // A tenant the account is not a confirmed member of answers like a wrong password: it must
        // not tell whether the address belongs to that tenant.
        var user = request.TenantId is { } wanted ? confirmed.FirstOrDefault(m => m.TenantId == wanted) : confirmed[0];
        if (user is null)
        {
            return (LoginResult.Failed, "none");
        }

        var secondFactor = "none";
        if (user.TotpEnabled)
        {
            (var second, secondFactor) = await CheckSecondFactorAsync(user, secrets, request.TotpCode, request.RecoveryCode, now, cancellationToken);
            if (second != LoginStatus.Succeeded)
            {
                return (new LoginResult(second, null, null, null, []), "none");
            }
        }

        if (check == PasswordCheck.SuccessRehashNeeded)
        {
            await store.SetPasswordHashAsync(user.TenantId, user.UserId, await hasher.HashAsync(request.Password!, cancellationToken), endSessions: false, audit: null, cancellationToken);
        }

        await store.ResetFailedLoginsAsync(user.TenantId, user.UserId, cancellationToken);
        return (new LoginResult(LoginStatus.Succeeded, user, null, null, confirmed), secondFactor);
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

    /// <summary>A reset token for the address's account, or null when it has none (the caller answers the same either way).</summary>
    public async Task<(PortalUser User, string Token)?> RequestPasswordResetAsync(string email, CancellationToken cancellationToken = default)
    {
        // The password is the account's; the token is issued through a membership, a confirmed one when there is one.
        var memberships = await FindMembershipsAsync(email, cancellationToken);
        var user = memberships.FirstOrDefault(m => m.EmailConfirmedAt is not null) ?? (memberships.Count > 0 ? memberships[0] : null);
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
        await store.SetPasswordHashAsync(user.TenantId, user.UserId, await hasher.HashAsync(newPassword!, cancellationToken), endSessions: true, new AuditEntry(user.TenantId, actor, "user.password-reset", user.Email), cancellationToken);
        await store.ResetFailedLoginsAsync(user.TenantId, user.UserId, cancellationToken);
        if (user.EmailConfirmedAt is null)
        {
            await store.ConfirmEmailAsync(user.TenantId, user.UserId, now, new AuditEntry(user.TenantId, actor, "user.confirm-email", user.Email), cancellationToken);
        }
    }

    public async Task ChangePasswordAsync(PortalUser user, string currentPassword, string newPassword, Actor actor, CancellationToken cancellationToken = default)
    {
        var secrets = await store.GetSecretsAsync(user.TenantId, user.UserId, cancellationToken);
        if (secrets?.PasswordHash is null || await hasher.VerifyAsync(secrets.PasswordHash, currentPassword ?? string.Empty, cancellationToken) == PasswordCheck.Failed)
        {
            throw new FieldValidationException(new Dictionary<string, string> { ["currentPassword"] = "the current password is not correct" });
        }

        if (PasswordPolicy.Check(newPassword ?? string.Empty, user.Email) is { } problem)
        {
            throw new FieldValidationException(new Dictionary<string, string> { ["newPassword"] = problem });
        }

        // Other sessions end: a changed password is often a response to a suspected compromise.
        await store.SetPasswordHashAsync(user.TenantId, user.UserId, await hasher.HashAsync(newPassword!, cancellationToken), endSessions: true, new AuditEntry(user.TenantId, actor, "user.password-change", user.Email), cancellationToken);
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

    /// <summary>
    /// Adds a person to the tenant as an unconfirmed membership. A new account chooses its password
    /// through the mailed link (a reset token); an existing account accepts with a confirmation link
    /// and keeps its password. The caller's answer is the same in both cases.
    /// </summary>
    public async Task<Invitation> InviteAsync(long tenantId, string email, string? displayName, PortalRole role, PortalRole inviterRole, Actor actor, CancellationToken cancellationToken = default)
    {
        var errors = new Dictionary<string, string>();
        var clean = NormalizeEmail(email, errors, "email");
        CheckDisplayName(displayName, errors);
        if (errors.Count > 0)
        {
            throw new FieldValidationException(errors);
        }

        CheckMayAssign(inviterRole, role);
        var (user, newAccount) = await store.CreateUserAsync(tenantId, clean!, displayName, role,
            new AuditEntry(tenantId, actor, "user.invite", clean!, new Dictionary<string, string> { ["role"] = role.Name() }), cancellationToken);
        var purpose = newAccount ? UserTokenPurpose.ResetPassword : UserTokenPurpose.ConfirmEmail;
        return new Invitation(user, await IssueUserTokenAsync(user, purpose, options.EmailConfirmationLifetime, cancellationToken), newAccount);
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

        return await store.SetRoleAsync(tenantId, userId, role, new AuditEntry(tenantId, actor, "user.set-role", user.Email, new Dictionary<string, string> { ["role"] = role.Name() }), cancellationToken)
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

    /// <summary>Every membership of the address's account, oldest first (empty for an unknown or invalid address).</summary>
    public async Task<IReadOnlyList<PortalUser>> FindMembershipsAsync(string email, CancellationToken cancellationToken = default) =>
        TryNormalizeEmail(email) is { } clean ? await store.FindMembershipsAsync(clean, cancellationToken) : [];

    public Task<PortalUser?> GetUserAsync(long tenantId, long userId, CancellationToken cancellationToken = default) => store.GetAsync(tenantId, userId, cancellationToken);

    public Task<IReadOnlyList<PortalUser>> ListUsersAsync(long tenantId, CancellationToken cancellationToken = default) => store.ListAsync(tenantId, cancellationToken);

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
        if (secrets?.PasswordHash is null || await hasher.VerifyAsync(secrets.PasswordHash, password ?? string.Empty, cancellationToken) == PasswordCheck.Failed)
        {
            throw new FieldValidationException(new Dictionary<string, string> { ["password"] = "the password is not correct" });
        }
    }

    /// <summary>Checks the second factor; on success also names the one used (<c>totp</c> or <c>recovery-code</c>) for the audit entry.</summary>
    private async Task<(LoginStatus Status, string Factor)> CheckSecondFactorAsync(PortalUser user, PortalUserSecrets secrets, string? totpCode, string? recoveryCode, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (!string.IsNullOrWhiteSpace(totpCode))
        {
            if (secrets.TotpSecret is not null && Totp.Match(secrets.TotpSecret, totpCode, now) is { } step
                && await store.AdvanceTotpStepAsync(user.TenantId, user.UserId, step, cancellationToken))
            {
                return (LoginStatus.Succeeded, "totp");
            }
        }
        else if (!string.IsNullOrWhiteSpace(recoveryCode))
        {
            if (await store.UseRecoveryCodeAsync(user.TenantId, user.UserId, HashRecoveryCode(recoveryCode), now, cancellationToken))
            {
                return (LoginStatus.Succeeded, "recovery-code");
            }
        }
        else
        {
            return (LoginStatus.SecondFactorRequired, "none");
        }

        await store.RecordFailedLoginAsync(user.TenantId, user.UserId, options.LockoutThreshold, now + options.LockoutDuration, cancellationToken);
        return (LoginStatus.SecondFactorFailed, "none");
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

/// <summary>The new tenant, its owner membership, the confirmation token to mail, and whether the account is new (for the mail's wording only).</summary>
public sealed record SignUpResult(long TenantId, string TenantName, PortalUser Owner, string ConfirmationToken, bool NewAccount);

/// <summary>The new membership and the token to mail: a reset token (choose a password) for a new account, else a confirmation token.</summary>
public sealed record Invitation(PortalUser User, string Token, bool NewAccount);

public sealed record LoginRequest(string? Email, string? Password, string? TotpCode, string? RecoveryCode, IPAddress? RemoteAddress, string? UserAgent, long? TenantId = null);

public enum LoginStatus
{
    Succeeded,
    Failed,
    SecondFactorRequired,
    SecondFactorFailed,

    /// <summary>The password is right but the address is not confirmed yet: no session is created.</summary>
    EmailNotConfirmed,
}

/// <summary>The outcome of a login; on success the session, its cookie token (shown once) and the account's confirmed memberships.</summary>
public sealed record LoginResult(LoginStatus Status, PortalUser? User, PortalSession? Session, string? SessionToken, IReadOnlyList<PortalUser> Memberships)
{
    public static LoginResult Failed { get; } = new(LoginStatus.Failed, null, null, null, []);
}

public sealed record TotpEnrolment(string Secret, string KeyUri);
