using HostedMail.Core.Messages;

namespace HostedMail.Core.Imap;

/// <summary>
/// What an IMAP session needs beyond <see cref="IFolderStore"/>: folder management, flag changes with
/// MODSEQ (RFC 7162), COPY/MOVE with UIDPLUS results (RFC 4315), APPEND into a given folder, change
/// queries for sessions and QRESYNC, SEARCH/SORT over an index, and quota (RFC 9208).
/// Every method is scoped by tenant and mailbox: a folder id of another mailbox behaves as absent.
/// </summary>
public interface IImapStore
{
    /// <summary>The folder with this id in this mailbox, or null.</summary>
    Task<Folder?> GetFolderAsync(long tenantId, long mailboxId, long folderId, CancellationToken cancellationToken);

    /// <summary>Creates a folder (no parents); throws Conflict when the name exists.</summary>
    Task<Folder> CreateFolderAsync(long tenantId, long mailboxId, string name, string? specialUse, CancellationToken cancellationToken);

    /// <summary>Deletes a folder and its messages (usage and blob references follow; a subscription stays, as an orphan); false when it did not exist.</summary>
    Task<bool> DeleteFolderAsync(long tenantId, long mailboxId, string name, CancellationToken cancellationToken);

    /// <summary>Renames a folder and every folder under it ('/' hierarchy); throws Conflict when a target exists, NotFound when the source does not.</summary>
    Task RenameFolderAsync(long tenantId, long mailboxId, string from, string to, CancellationToken cancellationToken);

    /// <summary>
    /// Sets the subscribed mark of a folder, or (unsubscribing) removes a subscription that outlived
    /// its folder; false when there was neither.
    /// </summary>
    Task<bool> SetSubscribedAsync(long tenantId, long mailboxId, string name, bool subscribed, CancellationToken cancellationToken);

    /// <summary>Subscribed names whose folder no longer exists (a subscribed folder was deleted; RFC 3501 section 6.3.6).</summary>
    Task<IReadOnlyList<string>> ListOrphanSubscriptionsAsync(long tenantId, long mailboxId, CancellationToken cancellationToken);

    /// <summary>
    /// The UIDs a session selected at the folder state (<paramref name="uidNext"/>, <paramref name="highestModSeq"/>)
    /// sees: messages below that UIDNEXT, plus those expunged after that MODSEQ (the session reports them later);
    /// and, read with them, the first of those messages now without \Seen.
    /// </summary>
    Task<FolderUids> ListUidsAsync(long tenantId, long mailboxId, long folderId, long uidNext, long highestModSeq, CancellationToken cancellationToken);

    /// <summary>
    /// How the UIDs of the folder state (<paramref name="uidNext"/>, <paramref name="highestModSeq"/>) differ from those of an
    /// earlier state at <paramref name="sinceModSeq"/>: every UID below that UIDNEXT of a message added, changed or expunged
    /// after <paramref name="sinceModSeq"/>, in UID order. Applied to the earlier state's <see cref="ListUidsAsync"/> answer,
    /// it gives the later state's. Null when the folder's expunge history no longer reaches back to
    /// <paramref name="sinceModSeq"/> (<see cref="PruneExpungeHistoryAsync"/>): read the later state whole then.
    /// </summary>
    Task<IReadOnlyList<UidChange>?> ListUidChangesAsync(long tenantId, long mailboxId, long folderId, long sinceModSeq, long uidNext, long highestModSeq, CancellationToken cancellationToken);

    /// <summary>Everything that changed after <paramref name="sinceModSeq"/>, read in one snapshot; null when the folder is gone.</summary>
    Task<FolderChanges?> GetChangesAsync(long tenantId, long mailboxId, long folderId, long sinceModSeq, CancellationToken cancellationToken);

    /// <summary>UIDs expunged after a MODSEQ (QRESYNC VANISHED (EARLIER), RFC 7162 section 3.2.5.2).</summary>
    Task<VanishedUids> ListVanishedAsync(long tenantId, long mailboxId, long folderId, long sinceModSeq, CancellationToken cancellationToken);

    /// <summary>
    /// Forgets which UIDs were expunged before <paramref name="before"/> in up to <paramref name="maxFolders"/>
    /// folders, raising each one's expunge horizon to the highest MODSEQ forgotten; the number of folders
    /// pruned (0 when none had such UIDs). Safe to run on several nodes at once.
    /// </summary>
    Task<int> PruneExpungeHistoryAsync(DateTimeOffset before, int maxFolders, CancellationToken cancellationToken);

    /// <summary>
    /// Metadata of these UIDs, in UID order, with the extras asked for (cached ENVELOPE/BODYSTRUCTURE,
    /// the top-level header block); missing UIDs are skipped. One query for the whole list.
    /// </summary>
    Task<IReadOnlyList<ImapMessage>> FetchAsync(long tenantId, long mailboxId, long folderId, IReadOnlyList<long> uids, FetchExtras extras, CancellationToken cancellationToken);

    /// <summary>
    /// Replaces cached ENVELOPE/BODYSTRUCTURE values that are older than the given ones (computed by a
    /// session that found them stale); newer values already stored are kept.
    /// </summary>
    Task SaveCachedViewsAsync(long tenantId, IReadOnlyList<CachedViews> views, CancellationToken cancellationToken);

    /// <summary>Changes flags and keywords of these UIDs in one transaction with one new MODSEQ (RFC 7162 section 3.1.3).</summary>
    Task<FlagStoreResult> StoreFlagsAsync(long tenantId, long mailboxId, long folderId, FlagStoreRequest request, CancellationToken cancellationToken);

    /// <summary>Copies (or moves) messages into another folder of the same mailbox; UIDs in source order (RFC 4315 COPYUID).</summary>
    Task<CopyResult> CopyAsync(long tenantId, long mailboxId, long sourceFolderId, IReadOnlyList<long> uids, long targetFolderId, bool move, CancellationToken cancellationToken);

    /// <summary>
    /// Stores a message into a folder with flags and date; the OK may follow only once this returns
    /// (it has committed). With <paramref name="expectedName"/>, the folder must still have that
    /// name (the caller remembered the id): otherwise NotFound, and nothing is stored. With
    /// <paramref name="claimRecent"/> (an IMAP4rev1 session appending to the folder it has selected
    /// read-write, which is the first told of the message), the same write claims the folder's
    /// recent boundary up to the new message as <see cref="ClaimRecentAsync"/> would, and the result
    /// says from where (<see cref="AppendResult.RecentFrom"/>).
    /// </summary>
    Task<AppendResult> AppendAsync(long tenantId, long mailboxId, long folderId, string? expectedName, MessageData message, MessageFlags flags, IReadOnlyList<string> keywords, DateTimeOffset internalDate, bool claimRecent, CancellationToken cancellationToken);

    /// <summary>Expunges messages flagged \Deleted, all of them or only those among <paramref name="uids"/> (UID EXPUNGE).</summary>
    Task<IReadOnlyList<ExpungedMessage>> ExpungeDeletedAsync(long tenantId, long mailboxId, long folderId, IReadOnlyList<long>? uids, CancellationToken cancellationToken);

    /// <summary>
    /// UIDs matching a query, sorted as asked (UID order when <paramref name="sort"/> is empty). The
    /// store's sort is approximate (SQL keys); IMAP SORT sorts exactly in the session instead.
    /// </summary>
    Task<IReadOnlyList<long>> SearchAsync(long tenantId, long mailboxId, long folderId, SearchKey query, IReadOnlyList<SortCriterion> sort, CancellationToken cancellationToken);

    /// <summary>
    /// The folder's recent boundary (RFC 3501 section 2.3.2, folders.recent_uid): with
    /// <paramref name="claim"/>, advances it to <paramref name="upToUid"/> atomically, cluster-wide,
    /// and returns the old value, so messages in [FromUid, ToUid) are recent for the caller and for
    /// nobody else; without, only reads it (EXAMINE). Count is how many messages are in that range.
    /// Null when the folder is gone.
    /// </summary>
    Task<RecentRange?> ClaimRecentAsync(long tenantId, long mailboxId, long folderId, long upToUid, bool claim, CancellationToken cancellationToken);

    /// <summary>Messages no session has seen as recent yet (STATUS RECENT).</summary>
    Task<int> CountRecentAsync(long tenantId, long mailboxId, long folderId, CancellationToken cancellationToken);

    /// <summary>Number of messages flagged \Deleted (STATUS DELETED, RFC 9051 section 6.3.11).</summary>
    Task<int> CountDeletedAsync(long tenantId, long mailboxId, long folderId, CancellationToken cancellationToken);

    /// <summary>Storage used and allowed, in bytes (RFC 9208 STORAGE is in KiB).</summary>
    Task<QuotaUsage> GetQuotaAsync(long tenantId, long mailboxId, CancellationToken cancellationToken);
}

/// <summary>What <see cref="IImapStore.FetchAsync"/> reads besides the metadata.</summary>
[Flags]
public enum FetchExtras
{
    None = 0,

    /// <summary>The ENVELOPE and BODYSTRUCTURE cached at delivery.</summary>
    CachedViews = 1,

    /// <summary>The top-level header block (blank line included), read as a prefix of the blob.</summary>
    Header = 2,

    /// <summary>The whole blob of messages up to 256 KiB (larger ones: <see cref="IFolderStore.ReadBlobAsync"/>).</summary>
    Blob = 4,
}

/// <summary>
/// One message's state as IMAP reports it. <see cref="Content"/> is the header block or the whole
/// blob when asked for (<see cref="FetchExtras"/>) and available; null otherwise (a message stored
/// before header sizes were recorded, or a large one): read the blob. <see cref="Subject"/> is the
/// decoded first Subject field (what SEARCH SUBJECT matches), when the store read it.
/// </summary>
public sealed record ImapMessage(
    long Uid,
    long ModSeq,
    MessageFlags Flags,
    IReadOnlyList<string> Keywords,
    long Size,
    DateTimeOffset InternalDate,
    byte[] BlobSha256,
    byte[]? Envelope,
    byte[]? BodyStructure,
    byte[]? Content = null,
    string? Subject = null);

/// <summary>
/// A blob's ENVELOPE and IMAP4rev1 BODYSTRUCTURE as <see cref="Mime.ImapBodyStructure"/> of
/// <paramref name="Version"/> produced them (blobs.envelope, body_structure, views_version).
/// </summary>
public sealed record CachedViews(byte[] BlobSha256, byte[] Envelope, byte[] BodyStructure, int Version)
{
    /// <summary>The version this code writes; cached values of another are stale.</summary>
    public const int CurrentVersion = Mime.ImapBodyStructure.Version;
}

/// <summary>A message's flags at a MODSEQ.</summary>
public sealed record FlagState(long Uid, long ModSeq, MessageFlags Flags, IReadOnlyList<string> Keywords);

/// <summary>
/// A folder's UIDs for a session's sequence map (ascending) and the lowest UID among them of a message
/// without \Seen when they were read, 0 when there is none: OK [UNSEEN n] of an IMAP4rev1 SELECT
/// (RFC 3501 section 6.3.1) without a second scan of the folder.
/// </summary>
/// <param name="Uids">The UIDs in ascending order.</param>
/// <param name="Unseen">Per UID, whether its message is there without \Seen now (what <see cref="IImapStore.ListUidChangesAsync"/> updates).</param>
public sealed record FolderUids(uint[] Uids, bool[] Unseen)
{
    /// <summary>The first UID whose message is there without \Seen; 0 if none.</summary>
    public uint FirstUnseen { get; } = Array.IndexOf(Unseen, true) is var first and >= 0 ? Uids[first] : 0;
}

/// <summary>What became of a UID after a MODSEQ (<see cref="IImapStore.ListUidChangesAsync"/>).</summary>
public readonly record struct UidChange(uint Uid, UidChangeKind Kind);

/// <summary>The kinds of <see cref="UidChange"/>.</summary>
/// <remarks>The numbers are the ones the store's statement returns.</remarks>
public enum UidChangeKind : byte
{
    /// <summary>Added or changed, there now with \Seen.</summary>
    Seen = 0,

    /// <summary>Added or changed, there now without \Seen.</summary>
    Unseen = 1,

    /// <summary>Expunged by the later state's MODSEQ: not among its UIDs.</summary>
    ExpungedByThen = 2,

    /// <summary>Expunged after the later state's MODSEQ: still among its UIDs (the session reports the expunge later).</summary>
    ExpungedSince = 3,
}

/// <summary>The folder row now, messages changed or added after a MODSEQ (UID order), and UIDs expunged after it.</summary>
/// <param name="VanishedComplete">
/// False when the folder's expunge history no longer reaches back to the MODSEQ asked about
/// (<see cref="IImapStore.PruneExpungeHistoryAsync"/>): <paramref name="Vanished"/> then lacks UIDs expunged
/// long ago, and every UID below <paramref name="UidNext"/> the folder does not hold has to be taken as vanished.
/// </param>
public sealed record FolderChanges(long UidNext, long HighestModSeq, int MessageCount, IReadOnlyList<FlagState> Changed, IReadOnlyList<long> Vanished, bool VanishedComplete = true);

/// <summary>UIDs expunged after a MODSEQ, ascending; <paramref name="Complete"/> as <see cref="FolderChanges.VanishedComplete"/>.</summary>
public sealed record VanishedUids(IReadOnlyList<long> Uids, bool Complete);

/// <summary>How STORE combines the given flags with the current ones (RFC 9051 section 6.4.6).</summary>
public enum FlagStoreMode
{
    Replace,
    Add,
    Remove,
}

/// <summary>A STORE: which UIDs, how, what, and the CONDSTORE UNCHANGEDSINCE guard (null when absent).</summary>
public sealed record FlagStoreRequest(IReadOnlyList<long> Uids, FlagStoreMode Mode, MessageFlags Flags, IReadOnlyList<string> Keywords, long? UnchangedSince);

/// <summary>Every message STORE found, with whether it changed, and the UIDs refused by UNCHANGEDSINCE ([MODIFIED], RFC 7162 section 3.1.3).</summary>
public sealed record FlagStoreResult(IReadOnlyList<StoredFlags> Messages, IReadOnlyList<long> Modified);

/// <summary>A message after STORE.</summary>
public sealed record StoredFlags(long Uid, long ModSeq, MessageFlags Flags, IReadOnlyList<string> Keywords, bool Changed);

/// <summary>COPYUID data (RFC 4315 section 3): the target's UIDVALIDITY and source/target UIDs pairwise.</summary>
public sealed record CopyResult(long UidValidity, IReadOnlyList<long> SourceUids, IReadOnlyList<long> TargetUids, IReadOnlyList<ExpungedMessage> Expunged);

/// <summary>
/// APPENDUID data (RFC 4315 section 3); with a claim, the old recent boundary: UIDs
/// [RecentFrom, Uid] are \Recent for the appending session.
/// </summary>
public sealed record AppendResult(long UidValidity, long Uid, long ModSeq, long? RecentFrom = null);

/// <summary>UIDs [FromUid, ToUid) that are \Recent for one session, and how many messages they are.</summary>
public sealed record RecentRange(long FromUid, long ToUid, int Count);

/// <summary>Mailbox storage usage and limit in bytes.</summary>
public sealed record QuotaUsage(long UsedBytes, long LimitBytes);

/// <summary>The store refused a change because the mailbox quota would be exceeded (IMAP [OVERQUOTA], RFC 9208 section 4.3).</summary>
public sealed class QuotaExceededException : Exception
{
    public QuotaExceededException()
        : base("mailbox quota exceeded")
    {
    }

    public QuotaExceededException(string message)
        : base(message)
    {
    }

    public QuotaExceededException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
