using HostedMail.Core.Aliases;
using HostedMail.Core.Audit;
using HostedMail.Core.Domains;
using HostedMail.Core.Mailboxes;
using HostedMail.Core.Plans;

using Orleans;

namespace HostedMail.Core.Directory;

/// <summary>A change to a mailbox's settings; null members stay as they are.</summary>
[GenerateSerializer]
[Alias("HostedMail.MailboxUpdate")]
public sealed record MailboxUpdate(long? QuotaBytes, string? DisplayName, MailboxState? State);

/// <summary>
/// Reads by id and the changes the portal makes beyond <see cref="DomainService"/>,
/// <see cref="MailboxService"/> and <see cref="AliasService"/> (the domain's deletion and DKIM
/// keys are written by the domain's grain only); every query filters by tenant, every write is
/// audited in its transaction.
/// </summary>
public interface ITenantDirectoryStore
{
    Task<Domain?> FindDomainAsync(long tenantId, long domainId, CancellationToken cancellationToken);

    /// <summary>Deletes the domain with its mailboxes, aliases and keys. Called by the domain's grain only (<see cref="IDomainOperations.RemoveAsync"/>).</summary>
    Task<bool> DeleteDomainAsync(long tenantId, long domainId, AuditEntry audit, CancellationToken cancellationToken);

    Task<Mailbox?> FindMailboxAsync(long tenantId, long mailboxId, CancellationToken cancellationToken);

    Task<Mailbox?> UpdateMailboxAsync(long tenantId, long mailboxId, MailboxUpdate update, AuditEntry audit, CancellationToken cancellationToken);

    Task<Alias?> FindAliasAsync(long tenantId, long aliasId, CancellationToken cancellationToken);

    Task<Alias?> SetAliasTargetsAsync(long tenantId, long aliasId, IReadOnlyList<string> targets, AuditEntry audit, CancellationToken cancellationToken);

    Task<bool> DeleteAliasAsync(long tenantId, long aliasId, AuditEntry audit, CancellationToken cancellationToken);

    Task<TenantUsage> GetUsageAsync(long tenantId, CancellationToken cancellationToken);

    /// <summary>The domain's active DKIM keys, newest first (the first signs; the others stay published during rotation).</summary>
    Task<IReadOnlyList<DkimKey>> ListDkimKeysAsync(long tenantId, long domainId, CancellationToken cancellationToken);

    /// <summary>Adds a new active key (rotation); Conflict when the selector exists. Called by the domain's grain only (<see cref="IDomainOperations.RotateDkimAsync"/>).</summary>
    Task<DkimKey> AddDkimKeyAsync(long tenantId, long domainId, string selector, string privateKeyPem, AuditEntry audit, CancellationToken cancellationToken);

    /// <summary>Stops publishing and using a key. Called by the domain's grain only (<see cref="IDomainOperations.RetireDkimAsync"/>).</summary>
    Task<bool> RetireDkimKeyAsync(long tenantId, long domainId, string selector, AuditEntry audit, CancellationToken cancellationToken);
}
