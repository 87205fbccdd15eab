namespace HostedMail.Storage;

/// <summary>How the IMAP store commits (set from <c>Imap:</c> configuration by the node).</summary>
public sealed record ImapStoreOptions
{
    /// <summary>
    /// When false, a STORE's flag and keyword change is committed without waiting for its WAL to
    /// reach the disk (PostgreSQL's <c>synchronous_commit = off</c> for that transaction alone):
    /// Dovecot's default policy (<c>mail_fsync = optimized</c> fsyncs saved mail, not flag
    /// changes). A PostgreSQL crash (not a node's) can then lose the last fraction of a second of
    /// flag changes; every later durable commit (any delivery, APPEND, EXPUNGE, COPY) makes them
    /// durable too, because the WAL is flushed in order. Messages are always durable.
    /// </summary>
    public bool DurableFlagChanges { get; init; } = true;
}
