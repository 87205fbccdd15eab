namespace HostedMail.Core.Messages;

/// <summary>A message container inside a mailbox, with the counters kept current by every change (STATUS and SELECT read them in O(1)).</summary>
public sealed record Folder(
    long TenantId,
    long FolderId,
    long MailboxId,
    string Name,
    string? SpecialUse,
    bool Subscribed,
    long UidValidity,
    long UidNext,
    long HighestModSeq,
    int MessageCount,
    int UnseenCount,
    long TotalSize);

/// <summary>One message's metadata as IMAP and POP3 list it.</summary>
public sealed record MessageInfo(
    long Uid,
    long ModSeq,
    MessageFlags Flags,
    IReadOnlyList<string> Keywords,
    long Size,
    DateTimeOffset InternalDate,
    byte[] BlobSha256);

/// <summary>A message removed from a folder, with the MODSEQ of its removal (for QRESYNC VANISHED).</summary>
public sealed record ExpungedMessage(long Uid, long ModSeq);

/// <summary>Reads and changes the messages of a mailbox's folders. Every method is scoped by tenant and mailbox.</summary>
public interface IFolderStore
{
    Task<IReadOnlyList<Folder>> ListFoldersAsync(long tenantId, long mailboxId, CancellationToken cancellationToken);

    Task<Folder?> GetFolderAsync(long tenantId, long mailboxId, string name, CancellationToken cancellationToken);

    /// <summary>Messages of a folder in UID order, optionally only those with UID at least <paramref name="fromUid"/>.</summary>
    Task<IReadOnlyList<MessageInfo>> ListMessagesAsync(long tenantId, long mailboxId, long folderId, long fromUid, CancellationToken cancellationToken);

    /// <summary>The raw bytes of a message of this tenant; null if the tenant holds no such blob.</summary>
    Task<byte[]?> ReadBlobAsync(long tenantId, byte[] sha256, CancellationToken cancellationToken);

    /// <summary>
    /// Removes the messages with these UIDs in one transaction: folder counts, mailbox usage, blob
    /// references and the expunge log change with them; after the commit the folder's sessions are told.
    /// UIDs no longer present are ignored.
    /// </summary>
    Task<IReadOnlyList<ExpungedMessage>> ExpungeAsync(long tenantId, long mailboxId, long folderId, IReadOnlyCollection<long> uids, CancellationToken cancellationToken);
}
