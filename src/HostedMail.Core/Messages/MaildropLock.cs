namespace HostedMail.Core.Messages;

/// <summary>
/// The exclusive-access lock on a mailbox's maildrop that RFC 1939 section 4 asks a POP3 server to
/// take when a session enters the TRANSACTION state. It must hold across nodes, so the mailbox's
/// grain keeps it (one per cluster), and it must vanish when the holder dies, so it is a lease the
/// holder renews and the grain also drops when the holder's node is declared dead.
/// </summary>
public interface IMaildropLock
{
    /// <summary>
    /// Takes the lock for this mailbox without waiting; null when another session holds it
    /// (answer <c>-ERR [IN-USE]</c>, RFC 2449 section 8.1.1). Dispose the handle to release it.
    /// </summary>
    Task<IAsyncDisposable?> TryAcquireAsync(long tenantId, long mailboxId, CancellationToken cancellationToken);
}
