using System.Collections.Concurrent;
using HostedMail.Core.Imap;

namespace HostedMail.Imap.Server;

/// <summary>
/// One change query for many sessions: when a folder changes, every session of this node that
/// idles on it wakes and asks "what changed since MODSEQ n?", and they nearly all know the same n.
/// Sessions asking the same question of the same folder while it is being answered share the
/// answer (2,000 sessions on one folder: one query instead of 2,000).
/// </summary>
// Implementation notes:
// - The key holds tenant, mailbox, folder and MODSEQ: only sessions of the same mailbox can share,
//   and the store scopes the query by mailbox as before.
// - The shared query runs without any one session's cancellation; a session that goes away stops
//   waiting, not the query.
// - An answer can be older than a change announced just before the session asked (it joined a
//   query already running): SelectedFolder.RecheckAnnounced marks the session dirty again then.
public sealed class SharedChangeQueries(IImapStore store)
{
    private readonly ConcurrentDictionary<(long Tenant, long Mailbox, long Folder, long Since), Task<FolderChanges?>> _running = new();

    public Task<FolderChanges?> GetChangesAsync(long tenantId, long mailboxId, long folderId, long sinceModSeq, CancellationToken cancellationToken)
    {
        var key = (tenantId, mailboxId, folderId, sinceModSeq);
        while (true)
        {
            if (_running.TryGetValue(key, out var running))
            {
                return running.WaitAsync(cancellationToken);
            }

            var completion = new TaskCompletionSource<FolderChanges?>(TaskCreationOptions.RunContinuationsAsynchronously);
            if (_running.TryAdd(key, completion.Task))
            {
                _ = RunAsync(key, completion);
                return completion.Task.WaitAsync(cancellationToken);
            }
        }
    }

    private async Task RunAsync((long Tenant, long Mailbox, long Folder, long Since) key, TaskCompletionSource<FolderChanges?> completion)
    {
        try
        {
            completion.SetResult(await store.GetChangesAsync(key.Tenant, key.Mailbox, key.Folder, key.Since, CancellationToken.None));
        }
#pragma warning disable CA1031 // The failure goes to every waiting session, which handles it as its own.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            completion.SetException(ex);
        }
        finally
        {
            _running.TryRemove(new KeyValuePair<(long, long, long, long), Task<FolderChanges?>>(key, completion.Task));
        }
    }
}
