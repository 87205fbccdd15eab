using HostedMail.Core.Audit;

namespace HostedMail.Core.Accounts;

/// <summary>What a person may do in their tenant's portal.</summary>
public enum PortalRole
{
    /// <summary>Everything, including managing other owners; the sign-up creates the first.</summary>
    Owner,
    /// <summary>Domains, mailboxes, aliases, users other than owners, audit.</summary>
    Admin,
    /// <summary>Plan, usage and payment: Stripe Checkout and the customer portal (docs/billing.md).</summary>
    Billing,
    /// <summary>Reads domains, mailboxes, aliases and the audit log; changes nothing.</summary>
    ReadOnly,
}

/// <summary>The names of <see cref="PortalRole"/> in the API, the database and audit entries.</summary>
public static class PortalRoles
{
    public static string Name(this PortalRole role) => role switch
    {
        PortalRole.Owner => "owner",
        PortalRole.Admin => "admin",
        PortalRole.Billing => "billing",
        _ => "read_only",
    };

    /// <summary>The role a name (any case, <c>read-only</c> and <c>readonly</c> too) stands for; null for an unknown name.</summary>
    public static PortalRole? Parse(string? name) => name?.Trim().ToLowerInvariant() switch
    {
        "owner" => PortalRole.Owner,
        "admin" => PortalRole.Admin,
        "billing" => PortalRole.Billing,
        "read_only" or "read-only" or "readonly" => PortalRole.ReadOnly,
        _ => null,
    };
}

/// <summary>
/// A person's membership in one tenant's portal (never a mailbox login). The person's account
/// (address, password, TOTP, lockout) may have memberships in several tenants; <see cref="Email"/>,
/// <see cref="HasPassword"/>, <see cref="TotpEnabled"/>, <see cref="FailedLogins"/> and
/// <see cref="LockedUntil"/> are the account's, the rest the membership's.
/// </summary>
/// <param name="EmailConfirmedAt">When this membership was confirmed through a mailed link (sign-up, invitation); null while pending.</param>
public sealed record PortalUser(
    long TenantId,
    long UserId,
    string Email,
    string? DisplayName,
    PortalRole Role,
    bool HasPassword,
    DateTimeOffset? EmailConfirmedAt,
    bool TotpEnabled,
    int FailedLogins,
    DateTimeOffset? LockedUntil,
    DateTimeOffset CreatedAt);

/// <summary>A signed-in browser session, kept server-side so it can be listed and revoked.</summary>
public sealed record PortalSession(
    long TenantId,
    long SessionId,
    long UserId,
    string CsrfToken,
    DateTimeOffset CreatedAt,
    DateTimeOffset LastSeenAt,
    DateTimeOffset ExpiresAt,
    System.Net.IPAddress? RemoteAddress,
    string? UserAgent);

/// <summary>What a single-use mailed token is for.</summary>
public enum UserTokenPurpose
{
    ConfirmEmail,
    ResetPassword,
}

/// <summary>The secrets of a user needed at login; never leaves Core and the portal.</summary>
public sealed record PortalUserSecrets(string? PasswordHash, byte[]? TotpSecret, long TotpLastStep);

/// <summary>Portal users, sessions and single-use tokens; writes that matter record audit entries in the same transaction.</summary>
public interface IAccountStore
{
    /// <summary>
    /// Creates the tenant and its owner membership in one transaction; the account is created with
    /// <paramref name="passwordHash"/> unless the address has one already (then its password stays).
    /// Conflict when the tenant name is taken.
    /// </summary>
    Task<SignUpRecord> SignUpAsync(string tenantName, string tenantDisplayName, string plan, string email, string? displayName, string passwordHash, AuditEntry audit, CancellationToken cancellationToken);

    /// <summary>Adds a membership, creating the account (without a password) when the address has none; Conflict when it is a member already.</summary>
    Task<(PortalUser User, bool NewAccount)> CreateUserAsync(long tenantId, string email, string? displayName, PortalRole role, AuditEntry audit, CancellationToken cancellationToken);

    /// <summary>Every membership of the address's account, oldest first; empty when there is no account.</summary>
    Task<IReadOnlyList<PortalUser>> FindMembershipsAsync(string email, CancellationToken cancellationToken);

    Task<PortalUser?> GetAsync(long tenantId, long userId, CancellationToken cancellationToken);

    Task<IReadOnlyList<PortalUser>> ListAsync(long tenantId, CancellationToken cancellationToken);

    Task<PortalUserSecrets?> GetSecretsAsync(long tenantId, long userId, CancellationToken cancellationToken);

    Task<PortalUser?> SetRoleAsync(long tenantId, long userId, PortalRole role, AuditEntry audit, CancellationToken cancellationToken);

    Task<bool> DeleteAsync(long tenantId, long userId, AuditEntry audit, CancellationToken cancellationToken);

    /// <summary>How many owners the tenant has (the last one cannot be demoted or removed).</summary>
    Task<int> CountOwnersAsync(long tenantId, CancellationToken cancellationToken);

    /// <summary>Sets the account's password hash; with <paramref name="endSessions"/> every session of the account (all memberships) ends in the same transaction.</summary>
    Task SetPasswordHashAsync(long tenantId, long userId, string passwordHash, bool endSessions, AuditEntry? audit, CancellationToken cancellationToken);

    Task ConfirmEmailAsync(long tenantId, long userId, DateTimeOffset at, AuditEntry audit, CancellationToken cancellationToken);

    /// <summary>Counts a failed login; at <paramref name="threshold"/> failures the account locks until <paramref name="lockUntil"/> and the count restarts.</summary>
    Task RecordFailedLoginAsync(long tenantId, long userId, int threshold, DateTimeOffset lockUntil, CancellationToken cancellationToken);

    Task ResetFailedLoginsAsync(long tenantId, long userId, CancellationToken cancellationToken);

    /// <summary>Records a sign-in that creates no portal session (the OAuth authorization pages): the audit entry only.</summary>
    Task RecordSignInAsync(long tenantId, long userId, AuditEntry audit, CancellationToken cancellationToken);

    Task SetPendingTotpSecretAsync(long tenantId, long userId, byte[] secret, CancellationToken cancellationToken);

    Task EnableTotpAsync(long tenantId, long userId, long acceptedStep, IReadOnlyList<byte[]> recoveryCodeHashes, AuditEntry audit, CancellationToken cancellationToken);

    Task DisableTotpAsync(long tenantId, long userId, AuditEntry audit, CancellationToken cancellationToken);

    Task ReplaceRecoveryCodesAsync(long tenantId, long userId, IReadOnlyList<byte[]> recoveryCodeHashes, AuditEntry audit, CancellationToken cancellationToken);

    /// <summary>Marks an unused recovery code used; false when there is none.</summary>
    Task<bool> UseRecoveryCodeAsync(long tenantId, long userId, byte[] codeHash, DateTimeOffset at, CancellationToken cancellationToken);

    Task<int> CountUnusedRecoveryCodesAsync(long tenantId, long userId, CancellationToken cancellationToken);

    /// <summary>Records the time step of an accepted TOTP code; false when that step (or a later one) was already used (RFC 6238 section 5.2).</summary>
    Task<bool> AdvanceTotpStepAsync(long tenantId, long userId, long step, CancellationToken cancellationToken);

    Task<PortalSession> CreateSessionAsync(long tenantId, long userId, byte[] tokenHash, string csrfToken, DateTimeOffset now, DateTimeOffset expiresAt, System.Net.IPAddress? remoteAddress, string? userAgent, AuditEntry audit, CancellationToken cancellationToken);

    /// <summary>The live session with this token hash and its user, or null when unknown or expired.</summary>
    Task<(PortalSession Session, PortalUser User)?> FindSessionAsync(byte[] tokenHash, DateTimeOffset now, CancellationToken cancellationToken);

    Task TouchSessionAsync(long tenantId, long sessionId, DateTimeOffset now, DateTimeOffset expiresAt, CancellationToken cancellationToken);

    Task<IReadOnlyList<PortalSession>> ListSessionsAsync(long tenantId, long userId, DateTimeOffset now, CancellationToken cancellationToken);

    Task<bool> DeleteSessionAsync(long tenantId, long userId, long sessionId, AuditEntry? audit, CancellationToken cancellationToken);

    /// <summary>Deletes every session and one-time link that expired before <paramref name="now"/>, of every tenant; how many of each.</summary>
    Task<(int Sessions, int Links)> DeleteExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken);

    Task CreateUserTokenAsync(long tenantId, long userId, UserTokenPurpose purpose, byte[] tokenHash, DateTimeOffset now, DateTimeOffset expiresAt, CancellationToken cancellationToken);

    /// <summary>Uses a single-use token once; returns its tenant and user, or null when unknown, used, expired or for another purpose.</summary>
    Task<(long TenantId, long UserId)?> ConsumeUserTokenAsync(byte[] tokenHash, UserTokenPurpose purpose, DateTimeOffset now, CancellationToken cancellationToken);
}

/// <summary>What sign-up stored: the tenant, the owner membership, and whether the account is new.</summary>
public sealed record SignUpRecord(long TenantId, PortalUser Owner, bool NewAccount);
