using Microsoft.Extensions.Logging;

namespace HostedMail.Imap.Server;

/// <summary>IMAP log events (event ids 6000-6099).</summary>
internal static partial class ImapLog
{
    [LoggerMessage(6000, LogLevel.Debug, "IMAP session started on {Listener}")]
    public static partial void SessionStarted(ILogger logger, string listener);

    [LoggerMessage(6001, LogLevel.Information, "IMAP login for mailbox {MailboxId} of tenant {TenantId}")]
    public static partial void LoggedIn(ILogger logger, long tenantId, long mailboxId);

    [LoggerMessage(6002, LogLevel.Warning, "IMAP STARTTLS discarded {Bytes} plaintext bytes sent ahead of the handshake")]
    public static partial void PlaintextDiscarded(ILogger logger, long bytes);

    [LoggerMessage(6003, LogLevel.Error, "IMAP command {Verb} failed (error id {ErrorId})")]
    public static partial void CommandFailed(ILogger logger, Exception exception, string verb, string errorId);

    [LoggerMessage(6004, LogLevel.Information, "IMAP session ended: {Reason}")]
    public static partial void SessionEnded(ILogger logger, string reason);

    [LoggerMessage(6005, LogLevel.Information, "Expunge history older than {Before:u} pruned in {Folders} folders")]
    public static partial void ExpungeHistoryPruned(ILogger logger, DateTimeOffset before, int folders);

    [LoggerMessage(6006, LogLevel.Warning, "Pruning the expunge history failed; next try in an hour")]
    public static partial void ExpungeHistoryPruneFailed(ILogger logger, Exception exception);
}
