using HostedMail.Core.Audit;

namespace HostedMail.Core.Accounts;

/// <summary>What a person may do in their tenant's portal.</summary>
public enum PortalRole
{
    /// <summary>Everything, including managing other owners; the sign-up creates the first.</summary>
    Owner,
    /// <summary>Domains, mailboxes, aliases, users other than owners, audit.</summary>
    Admin,
    /// <summary>Plan and usage (payment is a later issue).</summary>
    Billing,
    /// <summary>Reads domains, mailboxes, aliases and the audit log; changes nothing.</summary>
    ReadOnly,
}

/// <summary>A person who administers one tenant through the portal (never a mailbox login).</summary>
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
    /// <summary>Creates the tenant and its owner in one transaction; Conflict when the tenant name or email is taken.</summary>
    Task<(long TenantId, PortalUser Owner)> SignUpAsync(string tenantName, string plan, string email, string? displayName, string passwordHash, AuditEntry audit, CancellationToken cancellationToken);

    Task<PortalUser> CreateUserAsync(long tenantId, string email, string? displayName, PortalRole role, AuditEntry audit, CancellationToken cancellationToken);

    Task<PortalUser?> FindByEmailAsync(string email, CancellationToken cancellationToken);

    Task<PortalUser?> GetAsync(long tenantId, long userId, CancellationToken cancellationToken);

    Task<IReadOnlyList<PortalUser>> ListAsync(long tenantId, CancellationToken cancellationToken);

    Task<PortalUserSecrets?> GetSecretsAsync(long tenantId, long userId, CancellationToken cancellationToken);

    Task<PortalUser?> SetRoleAsync(long tenantId, long userId, PortalRole role, AuditEntry audit, CancellationToken cancellationToken);

    Task<bool> DeleteAsync(long tenantId, long userId, AuditEntry audit, CancellationToken cancellationToken);

    /// <summary>How many owners the tenant has (the last one cannot be demoted or removed).</summary>
    Task<int> CountOwnersAsync(long tenantId, CancellationToken cancellationToken);

    /// <summary>Sets the password hash; with <paramref name="endSessions"/> every session of the user ends in the same transaction.</summary>
    Task SetPasswordHashAsync(long tenantId, long userId, string passwordHash, bool endSessions, AuditEntry? audit, CancellationToken cancellationToken);

    Task ConfirmEmailAsync(long tenantId, long userId, DateTimeOffset at, AuditEntry audit, CancellationToken cancellationToken);

    /// <summary>Counts a failed login; at <paramref name="threshold"/> failures the account locks until <paramref name="lockUntil"/> and the count restarts.</summary>
    Task RecordFailedLoginAsync(long tenantId, long userId, int threshold, DateTimeOffset lockUntil, CancellationToken cancellationToken);

    Task ResetFailedLoginsAsync(long tenantId, long userId, CancellationToken cancellationToken);

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

    Task CreateUserTokenAsync(long tenantId, long userId, UserTokenPurpose purpose, byte[] tokenHash, DateTimeOffset now, DateTimeOffset expiresAt, CancellationToken cancellationToken);

    /// <summary>Uses a single-use token once; returns its tenant and user, or null when unknown, used, expired or for another purpose.</summary>
    Task<(long TenantId, long UserId)?> ConsumeUserTokenAsync(byte[] tokenHash, UserTokenPurpose purpose, DateTimeOffset now, CancellationToken cancellationToken);
}
