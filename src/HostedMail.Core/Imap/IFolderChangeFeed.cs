namespace HostedMail.Core.Imap;

/// <summary>
/// Tells sessions that a folder changed, on any node (PostgreSQL LISTEN/NOTIFY behind it: one
/// listening connection per node, fanned out to every subscriber). Callbacks run on the feed's
/// thread: they must only signal, never block or do I/O.
/// </summary>
public interface IFolderChangeFeed
{
    /// <summary>
    /// Calls <paramref name="onChange"/> with the new MODSEQ whenever the folder changes, and with
    /// <see cref="long.MaxValue"/> when changes may have been missed (the feed reconnected). Dispose to stop.
    /// </summary>
    IDisposable Subscribe(long tenantId, long folderId, Action<long> onChange);
}
