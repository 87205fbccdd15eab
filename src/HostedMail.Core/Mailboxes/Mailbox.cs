using HostedMail.Core.Audit;
using Orleans;

namespace HostedMail.Core.Mailboxes;

/// <summary>One email account: its address, login, quota and state.</summary>
[GenerateSerializer]
[Alias("HostedMail.Mailbox")]
public sealed record Mailbox(
    long TenantId,
    long MailboxId,
    long DomainId,
    string Address,
    string? DisplayName,
    long QuotaBytes,
    long UsedBytes,
    MailboxState State,
    DateTimeOffset CreatedAt);

/// <summary>Whether a mailbox can log in and receive mail.</summary>
[GenerateSerializer]
public enum MailboxState
{
    Active,
    Disabled,
}

/// <summary>A mailbox about to be created.</summary>
public sealed record NewMailbox(long TenantId, long DomainId, string Address, string? DisplayName, string PasswordHash, long QuotaBytes);

/// <summary>A folder every new mailbox starts with, and its RFC 6154 special-use role.</summary>
public sealed record DefaultFolder(string Name, string? SpecialUse)
{
    /// <summary>INBOX plus the special-use folders clients look for (RFC 6154 section 2).</summary>
    public static IReadOnlyList<DefaultFolder> All { get; } =
    [
        new("INBOX", null),
        new("Sent", @"\Sent"),
        new("Drafts", @"\Drafts"),
        new("Junk", @"\Junk"),
        new("Trash", @"\Trash"),
        new("Archive", @"\Archive"),
    ];
}

/// <summary>Mailbox persistence; every write records its audit entry in the same transaction.</summary>
public interface IMailboxStore
{
    /// <summary>Creates the mailbox and its default folders; throws Conflict if the address is taken in the tenant.</summary>
    Task<Mailbox> CreateAsync(NewMailbox mailbox, IReadOnlyList<DefaultFolder> folders, AuditEntry audit, CancellationToken cancellationToken);

    Task<Mailbox?> FindAsync(long tenantId, string address, CancellationToken cancellationToken);

    Task<IReadOnlyList<Mailbox>> ListAsync(long? tenantId, long? domainId, CancellationToken cancellationToken);

    Task SetPasswordHashAsync(long tenantId, long mailboxId, string passwordHash, AuditEntry? audit, CancellationToken cancellationToken);

    /// <summary>The stored password hash, for login.</summary>
    Task<string?> GetPasswordHashAsync(long tenantId, long mailboxId, CancellationToken cancellationToken);

    /// <summary>Deletes the mailbox with its folders and messages.</summary>
    Task DeleteAsync(long tenantId, long mailboxId, AuditEntry audit, CancellationToken cancellationToken);

    /// <summary>The active mailbox that logs in with this address in a verified domain, if any.</summary>
    Task<Mailbox?> FindForLoginAsync(string address, CancellationToken cancellationToken);

    /// <summary>
    /// The credential stamp of the mailbox that may log in with this address (null when none may:
    /// unknown, disabled, suspended tenant, unverified domain). It changes whenever a credential
    /// of the mailbox is revoked (new password, app password deleted).
    /// </summary>
    Task<long?> FindCredentialStampAsync(string address, CancellationToken cancellationToken);

    /// <summary>The same by the mailbox's id (for its grain): null when it may not log in.</summary>
    Task<long?> FindCredentialStampAsync(long tenantId, long mailboxId, CancellationToken cancellationToken);
}

/// <summary>A successful mailbox login: the mailbox, and the app password used (null for the mailbox's own password).</summary>
public sealed record MailboxLogin(Mailbox Mailbox, long? AppPasswordId);
