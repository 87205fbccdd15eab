namespace HostedMail.Core.Imap;

/// <summary>
/// Tells sessions that a folder changed, on any node: one watcher per node observes the grain of
/// every mailbox this node's sessions have selected, fanned out to the subscribers. Callbacks run
/// on the feed's thread: they must only signal, never block or do I/O.
/// </summary>
public interface IFolderChangeFeed
{
    /// <summary>
    /// Calls <paramref name="onChange"/> with the new MODSEQ whenever the folder changes, and with
    /// <see cref="long.MaxValue"/> when changes may have been missed (the watch was re-established
    /// after the grain moved or a node died). Dispose to stop.
    /// </summary>
    IDisposable Subscribe(long tenantId, long mailboxId, long folderId, Action<long> onChange);
}
