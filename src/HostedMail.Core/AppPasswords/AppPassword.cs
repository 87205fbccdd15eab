using HostedMail.Core.Audit;

namespace HostedMail.Core.AppPasswords;

/// <summary>A named password for one mail client of one mailbox, accepted by SMTP, IMAP and POP3 like the main password.</summary>
public sealed record AppPassword(long TenantId, long AppPasswordId, long MailboxId, string Name, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt);

/// <summary>App password persistence; creation and deletion are audited in the same transaction.</summary>
public interface IAppPasswordStore
{
    Task<AppPassword> CreateAsync(long tenantId, long mailboxId, string name, byte[] passwordHash, DateTimeOffset now, AuditEntry audit, CancellationToken cancellationToken);

    Task<IReadOnlyList<AppPassword>> ListAsync(long tenantId, long mailboxId, CancellationToken cancellationToken);

    Task<bool> DeleteAsync(long tenantId, long mailboxId, long appPasswordId, AuditEntry audit, CancellationToken cancellationToken);

    /// <summary>The id of the mailbox's app password whose hash this is; null when it has none such. Reads only.</summary>
    Task<long?> FindAsync(long tenantId, long mailboxId, byte[] passwordHash, CancellationToken cancellationToken);

    /// <summary>Moves <c>last_used_at</c> forward for a batch of logins (never backwards); unknown ids are ignored.</summary>
    Task RecordUsesAsync(IReadOnlyList<AppPasswordUse> uses, CancellationToken cancellationToken);
}

/// <summary>A login with an app password at a time, waiting to be written as its last use.</summary>
public sealed record AppPasswordUse(long TenantId, long AppPasswordId, DateTimeOffset At);
