using System.Globalization;
using Orleans;
using Orleans.Concurrency;

namespace HostedMail.Core.Messages;

/// <summary>
/// The mailbox's grain as the POP3 maildrop lock (RFC 1939 section 4), keyed by
/// <see cref="MailboxGrainKeys.Of"/>. A lease: the holder renews it well inside
/// <c>lease</c>; it ends at release, at expiry, or when the holder's node is declared dead.
/// </summary>
[Alias("HostedMail.IMaildropLockGrain")]
public interface IMaildropLockGrain : IGrainWithStringKey
{
    /// <summary>Takes the lock for <paramref name="holder"/> unless someone else holds a live lease.</summary>
    [Alias("TryLock")]
    Task<bool> TryLockAsync(Guid holder, string holderNode, TimeSpan lease);

    /// <summary>Extends the holder's lease; false when the lock is no longer the holder's.</summary>
    [Alias("Renew")]
    Task<bool> RenewAsync(Guid holder, string holderNode, TimeSpan lease);

    /// <summary>Ends the holder's lease (nothing when another holds the lock).</summary>
    [Alias("Release")]
    Task ReleaseAsync(Guid holder);
}

/// <summary>
/// The mailbox's grain as its folder change hub (ARCHITECTURE.md, "Push through grains"), keyed
/// by <see cref="MailboxGrainKeys.Of"/>: writers tell it after their commit; every node that serves
/// sessions of the mailbox watches it.
/// </summary>
[Alias("HostedMail.IFolderChangeHubGrain")]
public interface IFolderChangeHubGrain : IGrainWithStringKey
{
    /// <summary>A folder changed (committed); passed on to every watcher but the origin node's.</summary>
    [OneWay]
    [Alias("Changed")]
    Task ChangedAsync(long folderId, long modSeq, string originNode);

    /// <summary>
    /// Adds or refreshes a node's watch. Returns false when the watcher was not known to this
    /// activation (new activation, or its watch expired): changes may have been missed.
    /// </summary>
    [Alias("Watch")]
    Task<bool> WatchAsync(IFolderChangeWatcher watcher, string node);

    [Alias("Unwatch")]
    Task UnwatchAsync(IFolderChangeWatcher watcher);

    /// <summary>Live watches now (tests and operators).</summary>
    [Alias("WatcherCount")]
    Task<int> WatcherCountAsync();
}

/// <summary>A node's watcher of mailbox grains (an Orleans observer, one per node).</summary>
[Alias("HostedMail.IFolderChangeWatcher")]
public interface IFolderChangeWatcher : IGrainObserver
{
    [OneWay]
    [Alias("FolderChanged")]
    Task FolderChangedAsync(long tenantId, long mailboxId, long folderId, long modSeq);

    /// <summary>The hub is deactivating: its watchers are forgotten; watch again and resynchronise.</summary>
    [OneWay]
    [Alias("HubClosing")]
    Task HubClosingAsync(long tenantId, long mailboxId);
}

/// <summary>Keys of the mailbox's grain for its sessions (maildrop lock, change hub).</summary>
public static class MailboxGrainKeys
{
    public static string Of(long tenantId, long mailboxId) => string.Create(CultureInfo.InvariantCulture, $"{tenantId}/{mailboxId}");

    public static bool TryParse(string key, out long tenantId, out long mailboxId)
    {
        mailboxId = 0;
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        return long.TryParse(key.AsSpan(0, Math.Max(slash, 0)), NumberStyles.None, CultureInfo.InvariantCulture, out tenantId)
            && long.TryParse(key.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out mailboxId);
    }
}
