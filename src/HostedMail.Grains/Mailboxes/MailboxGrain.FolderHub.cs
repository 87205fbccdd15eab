using HostedMail.Core.Messages;
using HostedMail.Grains.Mailboxes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans;
using Orleans.Runtime;

namespace HostedMail.Grains.Security;

/// <summary>
/// The mailbox's grain as its folder change hub (ARCHITECTURE.md, "Push through grains"): writers
/// tell it after their commit, and it passes the change to the watcher of every other node that
/// serves sessions of the mailbox.
/// </summary>
// Implementation notes:
// - Watchers are kept in memory only (WatcherTable). A new activation knows none: it answers the
//   first renewal with false, and the watcher makes its sessions resynchronise, so nothing sent to
//   the old activation in between is lost for longer than that.
// - On deactivation the watchers of both hubs (folders, credentials) are told and watch again at once.
internal sealed partial class MailboxGrain : IFolderChangeHubGrain
{
    private WatcherTable<IFolderChangeWatcher>? _folderWatchers;

    private WatcherTable<IFolderChangeWatcher> FolderWatchers => _folderWatchers ??= NewWatcherTable<IFolderChangeWatcher>();

    public Task ChangedAsync(long folderId, long modSeq, string originNode)
    {
        if (_folderWatchers is not { } table || !MailboxGrainKeys.TryParse(this.GetPrimaryKeyString(), out var tenantId, out var mailboxId))
        {
            return Task.CompletedTask;
        }

        foreach (var watcher in table.Live(exceptNode: originNode))
        {
            // One-way: the call returns once sent; a watcher that is gone costs nothing here.
            _ = watcher.FolderChangedAsync(tenantId, mailboxId, folderId, modSeq);
        }

        return Task.CompletedTask;
    }

    public Task<bool> WatchAsync(IFolderChangeWatcher watcher, string node) => Task.FromResult(FolderWatchers.Watch(watcher, node));

    public Task<int> WatcherCountAsync() => Task.FromResult(_folderWatchers?.LiveCount ?? 0);

    public Task UnwatchAsync(IFolderChangeWatcher watcher)
    {
        _folderWatchers?.Unwatch(watcher);
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (MailboxGrainKeys.TryParse(this.GetPrimaryKeyString(), out var tenantId, out var mailboxId))
        {
            foreach (var watcher in _folderWatchers?.All ?? [])
            {
                Tell(() => watcher.HubClosingAsync(tenantId, mailboxId));
            }

            foreach (var watcher in _credentialWatchers?.All ?? [])
            {
                Tell(() => watcher.MailboxClosingAsync(tenantId, mailboxId));
            }
        }

        return base.OnDeactivateAsync(reason, cancellationToken);
    }

    private void Tell(Func<Task> oneWay)
    {
        try
        {
            _ = oneWay();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            ServiceProvider.GetRequiredService<ILogger<MailboxGrain>>().LogDebug(ex, "Could not tell a watcher that mailbox {Key} closes", this.GetPrimaryKeyString());
        }
    }

    private WatcherTable<T> NewWatcherTable<T>()
        where T : class =>
        new(ServiceProvider.GetRequiredService<IClusterMembershipService>(), Time, Coordination.WatchRenewal);

    private TimeProvider Time => ServiceProvider.GetRequiredService<TimeProvider>();

    private MailboxCoordinationOptions Coordination => ServiceProvider.GetRequiredService<MailboxCoordinationOptions>();
}
