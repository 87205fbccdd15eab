using System.Collections.Concurrent;
using HostedMail.Core.Imap;

namespace HostedMail.Imap.Server;

/// <summary>
/// One query for many sessions: when a folder changes, every session of this node that idles on
/// it wakes and asks "what changed since MODSEQ n?", and, the first time, "which UIDs did the folder
/// hold when I selected it?"; sessions that selected the same state ask the same questions.
/// Sessions asking the same question of the same folder while it is being answered share the
/// answer (2,000 sessions on one folder: one query instead of 2,000).
/// </summary>
// Implementation notes:
// - Keys hold tenant, mailbox and folder: only sessions of the same mailbox can share, and the
//   store scopes the queries by mailbox as before.
// - A shared query runs without any one session's cancellation; a session that goes away stops
//   waiting, not the query.
// - A change answer can be older than a change announced just before the session asked (it joined
//   a query already running): SelectedFolder.RecheckAnnounced marks the session dirty again then.
// - A UID list answers for a fixed snapshot (UIDs below UIDNEXT, not expunged at MODSEQ), the same
//   whenever it runs; each session copies the shared array into its own map. So it is also kept
//   (FolderUidCache): the same snapshot again is answered from memory, a later one from the rows
//   changed since the one kept.
public sealed class SharedFolderQueries
{
    private readonly Shared<(long Tenant, long Mailbox, long Folder, long Since), FolderChanges?> _changes;
    private readonly Shared<(long Tenant, long Mailbox, long Folder, long UidNext, long ModSeq), FolderUids> _uids;
    private readonly IImapStore _store;
    private readonly FolderUidCache _kept;

    public SharedFolderQueries(IImapStore store, FolderUidCache? kept = null)
    {
        _store = store;
        _kept = kept ?? new FolderUidCache();
        _changes = new(key => store.GetChangesAsync(key.Tenant, key.Mailbox, key.Folder, key.Since, CancellationToken.None));
        _uids = new(LoadUidsAsync);
    }

    public Task<FolderChanges?> GetChangesAsync(long tenantId, long mailboxId, long folderId, long sinceModSeq, CancellationToken cancellationToken) =>
        _changes.GetAsync((tenantId, mailboxId, folderId, sinceModSeq), cancellationToken);

    public Task<FolderUids> ListUidsAsync(long tenantId, long mailboxId, long folderId, long uidNext, long modSeq, CancellationToken cancellationToken) =>
        _kept.TryGet((tenantId, mailboxId, folderId), uidNext, modSeq, out var kept) && kept.ModSeq == modSeq && kept.UidNext == uidNext
            ? Task.FromResult(kept.Uids)
            : _uids.GetAsync((tenantId, mailboxId, folderId, uidNext, modSeq), cancellationToken);

    private async Task<FolderUids> LoadUidsAsync((long Tenant, long Mailbox, long Folder, long UidNext, long ModSeq) key)
    {
        var folder = (key.Tenant, key.Mailbox, key.Folder);
        // The changes since the kept list, unless the folder's expunge history no longer reaches back to it.
        var changes = _kept.TryGet(folder, key.UidNext, key.ModSeq, out var kept)
            ? await _store.ListUidChangesAsync(key.Tenant, key.Mailbox, key.Folder, kept.ModSeq, key.UidNext, key.ModSeq, CancellationToken.None)
            : null;
        var uids = changes is not null
            ? FolderUidCache.Apply(kept!.Uids, changes)
            : await _store.ListUidsAsync(key.Tenant, key.Mailbox, key.Folder, key.UidNext, key.ModSeq, CancellationToken.None);
        _kept.Offer(folder, key.UidNext, key.ModSeq, uids);
        return uids;
    }

    private sealed class Shared<TKey, TResult>(Func<TKey, Task<TResult>> query)
        where TKey : notnull
    {
        private readonly ConcurrentDictionary<TKey, Task<TResult>> _running = new();

        public Task<TResult> GetAsync(TKey key, CancellationToken cancellationToken)
        {
            while (true)
            {
                if (_running.TryGetValue(key, out var running))
                {
                    return running.WaitAsync(cancellationToken);
                }

                var completion = new TaskCompletionSource<TResult>(TaskCreationOptions.RunContinuationsAsynchronously);
                if (_running.TryAdd(key, completion.Task))
                {
                    _ = RunAsync(key, completion);
                    return completion.Task.WaitAsync(cancellationToken);
                }
            }
        }

        private async Task RunAsync(TKey key, TaskCompletionSource<TResult> completion)
        {
            try
            {
                completion.SetResult(await query(key));
            }
#pragma warning disable CA1031 // The failure goes to every waiting session, which handles it as its own.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                completion.SetException(ex);
            }
            finally
            {
                _running.TryRemove(new KeyValuePair<TKey, Task<TResult>>(key, completion.Task));
            }
        }
    }
}
