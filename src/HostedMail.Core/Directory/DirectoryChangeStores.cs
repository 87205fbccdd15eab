using HostedMail.Core.Aliases;
using HostedMail.Core.Audit;
using HostedMail.Core.Delivery;
using HostedMail.Core.Domains;
using HostedMail.Core.Mailboxes;
using HostedMail.Core.Plans;
using HostedMail.Core.Tenants;

namespace HostedMail.Core.Directory;

/// <summary>
/// Store decorators that tell <see cref="IDirectoryChangeNotifier"/> after every committed write
/// that can change what RCPT resolution answers (tenant state, a domain's addition, mailboxes,
/// aliases), and <see cref="ICredentialRevocationNotifier"/> after every write that revokes a
/// mailbox's login. The domains are listed before the write, so a domain the write touches is told
/// too. Writes are rare (portal, CLI); RCPT is the hot path the grains' memory serves.
/// </summary>
// Implementation notes:
// - The notification is awaited: when the portal or CLI says "created", every node already
//   answers from a directory that has the change (ARCHITECTURE.md "Caches that cannot be wrong").
// - Writes that RCPT never sees (passwords, language, plan) are passed through untouched, and so
//   are the domain's own writes (verify, DKIM keys, delete): only the domain's grain makes them
//   (DomainOperations in HostedMail.Grains), and it corrects its memory in the same turn. Telling
//   it from here would call back into the grain from inside its own turn.
// - Writes that revoke a mailbox's credentials (a new password, the mailbox disabled or deleted)
//   also tell ICredentialRevocationNotifier after the commit, which ends the mailbox's open
//   sessions on every node (its grain tells the nodes watching it). A rehash at login (no audit
//   entry) keeps the password and revokes nothing. Tenant suspension is told by the tenant's grain
//   itself; a domain's deletion (its mailboxes) by the domain's grain; app password deletion by
//   HostedMail.Identity's AppPasswordService.
public sealed class DirectoryChangeStores(IDomainStore domains, IDirectoryChangeNotifier notifier, ICredentialRevocationNotifier? revocations = null)
{
    private Task RevokedAsync(long tenantId, long mailboxId, CancellationToken cancellationToken) =>
        revocations?.MailboxRevokedAsync(tenantId, mailboxId, cancellationToken) ?? Task.CompletedTask;

    internal async Task<T> ChangeAsync<T>(long tenantId, string? extraDomain, Func<Task<T>> write, CancellationToken cancellationToken)
    {
        var before = (await domains.ListAsync(tenantId, cancellationToken)).Select(d => d.Name).ToHashSet(StringComparer.Ordinal);
        var result = await write();
        if (extraDomain is not null)
        {
            before.Add(DomainKeys.Of(extraDomain));
        }

        await notifier.DirectoryChangedAsync(tenantId, before, cancellationToken);
        return result;
    }

    internal Task ChangeAsync(long tenantId, string? extraDomain, Func<Task> write, CancellationToken cancellationToken) =>
        ChangeAsync(tenantId, extraDomain, async () =>
        {
            await write();
            return true;
        }, cancellationToken);

    public ITenantStore Wrap(ITenantStore inner) => new TenantStore(inner, this);

    public IDomainStore Wrap(IDomainStore inner) => new DomainStore(inner, this);

    public IMailboxStore Wrap(IMailboxStore inner) => new MailboxStore(inner, this);

    public IAliasStore Wrap(IAliasStore inner) => new AliasStore(inner, this);

    public ITenantDirectoryStore Wrap(ITenantDirectoryStore inner) => new TenantDirectoryStore(inner, this);

    private sealed class TenantStore(ITenantStore inner, DirectoryChangeStores changes) : ITenantStore
    {
        public Task<Tenant> CreateAsync(string name, string displayName, string plan, AuditEntry audit, CancellationToken cancellationToken) =>
            inner.CreateAsync(name, displayName, plan, audit, cancellationToken);

        public Task<Tenant?> GetAsync(long tenantId, CancellationToken cancellationToken) => inner.GetAsync(tenantId, cancellationToken);

        public Task<Tenant?> FindByNameAsync(string name, CancellationToken cancellationToken) => inner.FindByNameAsync(name, cancellationToken);

        public Task<IReadOnlyList<Tenant>> ListAsync(CancellationToken cancellationToken) => inner.ListAsync(cancellationToken);

        public Task SetLanguageAsync(long tenantId, string? language, AuditEntry audit, CancellationToken cancellationToken) =>
            inner.SetLanguageAsync(tenantId, language, audit, cancellationToken);

        public Task<Tenant?> UpdateAsync(long tenantId, string? plan, TenantState? state, AuditEntry audit, CancellationToken cancellationToken) =>
            state is null
                ? inner.UpdateAsync(tenantId, plan, state, audit, cancellationToken)
                : changes.ChangeAsync(tenantId, null, () => inner.UpdateAsync(tenantId, plan, state, audit, cancellationToken), cancellationToken);
    }

    private sealed class DomainStore(IDomainStore inner, DirectoryChangeStores changes) : IDomainStore
    {
        public Task<Domain> AddAsync(long tenantId, string name, string token, DomainVerifiedBy? verifiedBy, IReadOnlyList<AuditEntry> audit, CancellationToken cancellationToken) =>
            changes.ChangeAsync(tenantId, name, () => inner.AddAsync(tenantId, name, token, verifiedBy, audit, cancellationToken), cancellationToken);

        public Task<Domain?> FindAsync(long tenantId, string name, CancellationToken cancellationToken) => inner.FindAsync(tenantId, name, cancellationToken);

        public Task<Domain?> FindVerifiedAsync(string name, CancellationToken cancellationToken) => inner.FindVerifiedAsync(name, cancellationToken);

        public Task<IReadOnlyList<Domain>> FindAllByNameAsync(string name, CancellationToken cancellationToken) => inner.FindAllByNameAsync(name, cancellationToken);

        public Task<IReadOnlyList<Domain>> ListAsync(long? tenantId, CancellationToken cancellationToken) => inner.ListAsync(tenantId, cancellationToken);

        public Task<Domain> MarkVerifiedAsync(long tenantId, long domainId, DomainVerifiedBy verifiedBy, AuditEntry audit, CancellationToken cancellationToken) =>
            inner.MarkVerifiedAsync(tenantId, domainId, verifiedBy, audit, cancellationToken);

        public Task RecordCheckAsync(long tenantId, long domainId, CancellationToken cancellationToken) => inner.RecordCheckAsync(tenantId, domainId, cancellationToken);
    }

    private sealed class MailboxStore(IMailboxStore inner, DirectoryChangeStores changes) : IMailboxStore
    {
        public Task<Mailbox> CreateAsync(NewMailbox mailbox, IReadOnlyList<DefaultFolder> folders, AuditEntry audit, CancellationToken cancellationToken) =>
            changes.ChangeAsync(mailbox.TenantId, null, () => inner.CreateAsync(mailbox, folders, audit, cancellationToken), cancellationToken);

        public Task<Mailbox?> FindAsync(long tenantId, string address, CancellationToken cancellationToken) => inner.FindAsync(tenantId, address, cancellationToken);

        public Task<IReadOnlyList<Mailbox>> ListAsync(long? tenantId, long? domainId, CancellationToken cancellationToken) => inner.ListAsync(tenantId, domainId, cancellationToken);

        public async Task SetPasswordHashAsync(long tenantId, long mailboxId, string passwordHash, AuditEntry? audit, CancellationToken cancellationToken)
        {
            await inner.SetPasswordHashAsync(tenantId, mailboxId, passwordHash, audit, cancellationToken);
            if (audit is not null)
            {
                await changes.RevokedAsync(tenantId, mailboxId, cancellationToken);
            }
        }

        public Task<string?> GetPasswordHashAsync(long tenantId, long mailboxId, CancellationToken cancellationToken) => inner.GetPasswordHashAsync(tenantId, mailboxId, cancellationToken);

        public Task DeleteAsync(long tenantId, long mailboxId, AuditEntry audit, CancellationToken cancellationToken) =>
            changes.ChangeAsync(tenantId, null, async () =>
            {
                await inner.DeleteAsync(tenantId, mailboxId, audit, cancellationToken);
                await changes.RevokedAsync(tenantId, mailboxId, cancellationToken);
            }, cancellationToken);

        public Task<Mailbox?> FindForLoginAsync(string address, CancellationToken cancellationToken) => inner.FindForLoginAsync(address, cancellationToken);

        public Task<long?> FindCredentialStampAsync(string address, CancellationToken cancellationToken) => inner.FindCredentialStampAsync(address, cancellationToken);

        public Task<long?> FindCredentialStampAsync(long tenantId, long mailboxId, CancellationToken cancellationToken) => inner.FindCredentialStampAsync(tenantId, mailboxId, cancellationToken);
    }

    private sealed class AliasStore(IAliasStore inner, DirectoryChangeStores changes) : IAliasStore
    {
        public Task<Alias> CreateAsync(long tenantId, long domainId, string address, IReadOnlyList<string> targets, AuditEntry audit, CancellationToken cancellationToken) =>
            changes.ChangeAsync(tenantId, null, () => inner.CreateAsync(tenantId, domainId, address, targets, audit, cancellationToken), cancellationToken);

        public Task<Alias?> FindAsync(long tenantId, string address, CancellationToken cancellationToken) => inner.FindAsync(tenantId, address, cancellationToken);

        public Task<IReadOnlyList<Alias>> ListAsync(long? tenantId, CancellationToken cancellationToken) => inner.ListAsync(tenantId, cancellationToken);
    }

    private sealed class TenantDirectoryStore(ITenantDirectoryStore inner, DirectoryChangeStores changes) : ITenantDirectoryStore
    {
        public Task<Domain?> FindDomainAsync(long tenantId, long domainId, CancellationToken cancellationToken) => inner.FindDomainAsync(tenantId, domainId, cancellationToken);

        public Task<bool> DeleteDomainAsync(long tenantId, long domainId, AuditEntry audit, CancellationToken cancellationToken) =>
            inner.DeleteDomainAsync(tenantId, domainId, audit, cancellationToken);

        public Task<Mailbox?> FindMailboxAsync(long tenantId, long mailboxId, CancellationToken cancellationToken) => inner.FindMailboxAsync(tenantId, mailboxId, cancellationToken);

        public Task<Mailbox?> UpdateMailboxAsync(long tenantId, long mailboxId, MailboxUpdate update, AuditEntry audit, CancellationToken cancellationToken) =>
            changes.ChangeAsync(tenantId, null, async () =>
            {
                var updated = await inner.UpdateMailboxAsync(tenantId, mailboxId, update, audit, cancellationToken);
                if (updated is not null && update.State == MailboxState.Disabled)
                {
                    await changes.RevokedAsync(tenantId, mailboxId, cancellationToken);
                }

                return updated;
            }, cancellationToken);

        public Task<Alias?> FindAliasAsync(long tenantId, long aliasId, CancellationToken cancellationToken) => inner.FindAliasAsync(tenantId, aliasId, cancellationToken);

        public Task<Alias?> SetAliasTargetsAsync(long tenantId, long aliasId, IReadOnlyList<string> targets, AuditEntry audit, CancellationToken cancellationToken) =>
            changes.ChangeAsync(tenantId, null, () => inner.SetAliasTargetsAsync(tenantId, aliasId, targets, audit, cancellationToken), cancellationToken);

        public Task<bool> DeleteAliasAsync(long tenantId, long aliasId, AuditEntry audit, CancellationToken cancellationToken) =>
            changes.ChangeAsync(tenantId, null, () => inner.DeleteAliasAsync(tenantId, aliasId, audit, cancellationToken), cancellationToken);

        public Task<TenantUsage> GetUsageAsync(long tenantId, CancellationToken cancellationToken) => inner.GetUsageAsync(tenantId, cancellationToken);

        public Task<IReadOnlyList<DkimKey>> ListDkimKeysAsync(long tenantId, long domainId, CancellationToken cancellationToken) => inner.ListDkimKeysAsync(tenantId, domainId, cancellationToken);

        public Task<DkimKey> AddDkimKeyAsync(long tenantId, long domainId, string selector, string privateKeyPem, AuditEntry audit, CancellationToken cancellationToken) =>
            inner.AddDkimKeyAsync(tenantId, domainId, selector, privateKeyPem, audit, cancellationToken);

        public Task<bool> RetireDkimKeyAsync(long tenantId, long domainId, string selector, AuditEntry audit, CancellationToken cancellationToken) =>
            inner.RetireDkimKeyAsync(tenantId, domainId, selector, audit, cancellationToken);
    }
}
