using Microsoft.Extensions.Logging;

namespace HostedMail.Smtp.Outbound;

/// <summary>Log messages of outbound delivery, event ids 3100-3199. Addresses are never logged, only queue ids and domains.</summary>
internal static partial class OutboundLog
{
    [LoggerMessage(EventId = 3100, Level = LogLevel.Information, Message = "Outbound worker {Node} started")]
    public static partial void WorkerStarted(ILogger logger, string node);

    [LoggerMessage(EventId = 3101, Level = LogLevel.Error, Message = "Outbound worker round failed; trying again after the poll interval")]
    public static partial void RoundFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Information, Message = "Queue {TenantId}/{QueueId} to {Domain}: {Delivered} delivered, {Deferred} deferred, {Failed} failed")]
    public static partial void Attempted(ILogger logger, long tenantId, long queueId, string domain, int delivered, int deferred, int failed);

    [LoggerMessage(EventId = 3103, Level = LogLevel.Information, Message = "Session with {Host}[{Address}] failed: {Reason}")]
    public static partial void SessionFailed(ILogger logger, string host, string address, string reason);

    [LoggerMessage(EventId = 3104, Level = LogLevel.Information, Message = "TLS with {Host} failed ({Reason}); retrying in plaintext (opportunistic TLS)")]
    public static partial void TlsFallback(ILogger logger, string host, string reason);

    [LoggerMessage(EventId = 3105, Level = LogLevel.Information, Message = "MTA-STS policy of {Domain} is in testing mode; not enforced")]
    public static partial void MtaStsTesting(ILogger logger, string domain);

    [LoggerMessage(EventId = 3106, Level = LogLevel.Information, Message = "Queue {TenantId}/{QueueId}: {Kind} notification sent for {Count} recipient(s)")]
    public static partial void NotificationSent(ILogger logger, long tenantId, long queueId, string kind, int count);

    [LoggerMessage(EventId = 3107, Level = LogLevel.Warning, Message = "Queue {TenantId}/{QueueId}: no notification possible ({Reason})")]
    public static partial void NotificationDropped(ILogger logger, long tenantId, long queueId, string reason);

    [LoggerMessage(EventId = 3108, Level = LogLevel.Error, Message = "Delivery to {Domain} failed unexpectedly; its recipients are deferred")]
    public static partial void DestinationCrashed(ILogger logger, Exception exception, string domain);

    [LoggerMessage(EventId = 3109, Level = LogLevel.Warning, Message = "Queue {TenantId}/{QueueId}: {Lost} result(s) dropped, the claim was taken over by another node")]
    public static partial void ClaimLost(ILogger logger, long tenantId, long queueId, int lost);

    [LoggerMessage(EventId = 3110, Level = LogLevel.Information, Message = "Deleted {Messages} outbound messages finished before {Before:u}, with their delivery log")]
    public static partial void HistoryPruned(ILogger logger, int messages, DateTimeOffset before);

    [LoggerMessage(EventId = 3111, Level = LogLevel.Warning, Message = "Pruning the outbound history failed; next try in an hour")]
    public static partial void HistoryPruneFailed(ILogger logger, Exception exception);
}
