namespace HostedMail.Core.Messages;

/// <summary>
/// Told by the stores after a folder change committed (delivery, APPEND, STORE, EXPUNGE, COPY/MOVE,
/// POP3 deletions, folder deletion): this node's sessions learn of it at once, other nodes'
/// through the mailbox's grain (ARCHITECTURE.md, "Push through grains"). Never blocks and never
/// fails the change: a lost notification costs at most the sessions' fallback poll.
/// </summary>
public interface IFolderChangeNotifier
{
    void Changed(long tenantId, long mailboxId, long folderId, long modSeq);
}
