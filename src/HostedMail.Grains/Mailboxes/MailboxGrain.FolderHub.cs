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
// - Watchers are kept in memory only, each until three renewal periods pass without a renewal
//   or its node is declared dead. A new activation knows none: it answers the first renewal
//   with false, and the watcher makes its sessions resynchronise, so nothing sent to the old
//   activation in between is lost for longer than that.
// - On deactivation the watchers are told (HubClosing) and watch again at once.
internal sealed partial class MailboxGrain : IFolderChangeHubGrain
{
    private Dictionary<IFolderChangeWatcher, (string Node, DateTimeOffset Until)>? _watchers;

    public Task ChangedAsync(long folderId, long modSeq, string originNode)
    {
        if (_watchers is not { Count: > 0 } watchers || !MailboxGrainKeys.TryParse(this.GetPrimaryKeyString(), out var tenantId, out var mailboxId))
        {
            return Task.CompletedTask;
        }

        var now = Time.GetUtcNow();
        var snapshot = ServiceProvider.GetRequiredService<IClusterMembershipService>().CurrentSnapshot;
        foreach (var (watcher, watch) in watchers.ToList())
        {
            if (watch.Until <= now || LeaseTable.IsDead(snapshot, watch.Node))
            {
                watchers.Remove(watcher);
            }
            else if (watch.Node != originNode)
            {
                // One-way: the call returns once sent; a watcher that is gone costs nothing here.
                _ = watcher.FolderChangedAsync(tenantId, mailboxId, folderId, modSeq);
            }
        }

        return Task.CompletedTask;
    }

    public Task<bool> WatchAsync(IFolderChangeWatcher watcher, string node)
    {
        _watchers ??= [];
        var known = _watchers.Remove(watcher);
        _watchers[watcher] = (node, Time.GetUtcNow() + (3 * Coordination.WatchRenewal));
        return Task.FromResult(known);
    }

    public Task<int> WatcherCountAsync()
    {
        var now = Time.GetUtcNow();
        return Task.FromResult(_watchers?.Count(w => w.Value.Until > now) ?? 0);
    }

    public Task UnwatchAsync(IFolderChangeWatcher watcher)
    {
        _watchers?.Remove(watcher);
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_watchers is { Count: > 0 } watchers && MailboxGrainKeys.TryParse(this.GetPrimaryKeyString(), out var tenantId, out var mailboxId))
        {
            foreach (var watcher in watchers.Keys)
            {
                try
                {
                    _ = watcher.HubClosingAsync(tenantId, mailboxId);
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    ServiceProvider.GetRequiredService<ILogger<MailboxGrain>>().LogDebug(ex, "Could not tell a watcher that mailbox {Key} closes", this.GetPrimaryKeyString());
                }
            }
        }

        return base.OnDeactivateAsync(reason, cancellationToken);
    }

    private TimeProvider Time => ServiceProvider.GetRequiredService<TimeProvider>();

    private MailboxCoordinationOptions Coordination => ServiceProvider.GetRequiredService<MailboxCoordinationOptions>();
}
