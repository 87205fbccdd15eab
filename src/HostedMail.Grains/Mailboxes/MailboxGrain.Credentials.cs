using HostedMail.Core.Mailboxes;
using HostedMail.Core.Messages;
using HostedMail.Grains.Mailboxes;
using Microsoft.Extensions.DependencyInjection;
using Orleans;

namespace HostedMail.Grains.Security;

/// <summary>
/// The mailbox's grain as the hub of its credential revocations (replacing LISTEN/NOTIFY): writers
/// tell it after their commit; it reads the mailbox's credential stamp and tells the watcher of
/// every node with sessions of the mailbox, which ends those the stamp no longer admits.
/// </summary>
// Implementation notes:
// - The stamp is read from the record (one indexed query) at the first watch of an activation and
//   at every revocation, and handed to each watch: a node whose watch lands after a revocation it
//   did not hear (its first watch, or a renewal after the grain moved) still ends the sessions the
//   stamp no longer admits. A stamp moved without telling the grain (a password rehash at login,
//   hand-written SQL) is seen at the next revocation or activation.
// - Watchers live in memory only; the grain tells them when it deactivates (OnDeactivateAsync).
internal sealed partial class MailboxGrain : ICredentialHubGrain
{
    private WatcherTable<ICredentialWatcher>? _credentialWatchers;
    private long? _stamp;
    private bool _stampLoaded;

    public async Task RevokedAsync()
    {
        if (!MailboxGrainKeys.TryParse(this.GetPrimaryKeyString(), out var tenantId, out var mailboxId))
        {
            return;
        }

        long? stamp;
        try
        {
            stamp = await ReadStampAsync(tenantId, mailboxId);
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or TimeoutException)
        {
            // Something was revoked, but not known what: every session of the mailbox ends.
            _stampLoaded = false;
            stamp = long.MaxValue;
        }

        foreach (var watcher in _credentialWatchers?.Live() ?? [])
        {
            _ = watcher.MailboxRevokedAsync(tenantId, mailboxId, stamp);
        }
    }

    public async Task<long?> WatchCredentialsAsync(ICredentialWatcher watcher, string node)
    {
        (_credentialWatchers ??= NewWatcherTable<ICredentialWatcher>()).Watch(watcher, node);
        if (!_stampLoaded && MailboxGrainKeys.TryParse(this.GetPrimaryKeyString(), out var tenantId, out var mailboxId))
        {
            await ReadStampAsync(tenantId, mailboxId);
        }

        return _stamp;
    }

    public Task UnwatchCredentialsAsync(ICredentialWatcher watcher)
    {
        _credentialWatchers?.Unwatch(watcher);
        return Task.CompletedTask;
    }

    public Task<int> CredentialWatcherCountAsync() => Task.FromResult(_credentialWatchers?.LiveCount ?? 0);

    private async Task<long?> ReadStampAsync(long tenantId, long mailboxId)
    {
        _stamp = await ServiceProvider.GetRequiredService<IMailboxStore>().FindCredentialStampAsync(tenantId, mailboxId, CancellationToken.None);
        _stampLoaded = true;
        return _stamp;
    }
}
