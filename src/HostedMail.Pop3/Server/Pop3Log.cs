using Microsoft.Extensions.Logging;

namespace HostedMail.Pop3.Server;

/// <summary>POP3 log messages; event ids 5000-5099.</summary>
internal static partial class Pop3Log
{
    [LoggerMessage(5000, LogLevel.Information, "POP3 login as mailbox {MailboxId} of tenant {TenantId}")]
    public static partial void LoggedIn(ILogger logger, long tenantId, long mailboxId);

    [LoggerMessage(5001, LogLevel.Information, "POP3 maildrop of mailbox {MailboxId} is locked by another session")]
    public static partial void MaildropInUse(ILogger logger, long mailboxId);

    [LoggerMessage(5002, LogLevel.Information, "POP3 session removed {Count} messages at QUIT")]
    public static partial void Expunged(ILogger logger, int count);

    [LoggerMessage(5003, LogLevel.Warning, "Discarded {Bytes} plaintext bytes pipelined after STLS")]
    public static partial void DiscardedAfterStls(ILogger logger, long bytes);

    [LoggerMessage(5004, LogLevel.Information, "STLS handshake failed: {Reason}")]
    public static partial void StlsFailed(ILogger logger, string reason);

    [LoggerMessage(5005, LogLevel.Error, "POP3 session failed (error id {ErrorId})")]
    public static partial void SessionFailed(ILogger logger, string errorId, Exception exception);

    [LoggerMessage(5008, LogLevel.Error, "POP3 {Verb} failed (error id {ErrorId})")]
    public static partial void CommandFailed(ILogger logger, string verb, string errorId, Exception exception);

    [LoggerMessage(5006, LogLevel.Warning, "POP3 QUIT could not remove the deleted messages")]
    public static partial void ExpungeFailed(ILogger logger, Exception exception);

    [LoggerMessage(5007, LogLevel.Information, "POP3 session closed: {Reason}")]
    public static partial void Closed(ILogger logger, string reason);
}
