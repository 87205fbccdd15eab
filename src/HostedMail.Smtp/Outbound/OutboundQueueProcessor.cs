using HostedMail.Core.Outbound;
using HostedMail.Mime;
using HostedMail.Smtp.Protocol;
using Microsoft.Extensions.Logging;

namespace HostedMail.Smtp.Outbound;

/// <summary>
/// One pass over the outbound queue: claims what is due, groups it by destination so one
/// connection carries many messages, delivers with bounded concurrency, turns replies into
/// per-recipient results (RFC 5321 section 4.2.1: 2xx delivered, 4xx retried, 5xx failed),
/// sends notifications, and records everything.
/// </summary>
// Implementation notes:
// - Time comes only from the injected TimeProvider: claims, retry times, expiry and delay warnings
//   all use its now, so tests move time instead of waiting.
// - Notifications are stored before results are recorded: a crash between the two retries the
//   recipient after the lease and may notify twice, but never loses a bounce.
// - Connections per destination are bounded cluster-wide (IDestinationLimiter, a grain's leases):
//   a job waits for one of the destination's slots before it connects.
// - A destination that throws unexpectedly defers its recipients (they stay claimed until the
//   lease ends otherwise) and never takes other destinations down with it.
internal sealed class OutboundQueueProcessor(
    OutboundOptions options,
    string node,
    IOutboundQueue queue,
    DestinationDelivery delivery,
    BounceSender bounces,
    IDestinationLimiter destinations,
    TimeProvider timeProvider,
    ILogger logger)
{
    private const string SmarthostDestination = "[smarthost]";

    /// <summary>The diagnostic-type of reasons that are ours rather than a server's reply (RFC 3464 section 2.3.6 allows X- names).</summary>
    public const string LocalDiagnosticType = "X-HostedMail";

    public string Node => node;

    /// <summary>Works until nothing is due; returns how many recipient attempts were made.</summary>
    public async Task<int> ProcessDueAsync(CancellationToken cancellationToken)
    {
        var processed = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            var claimed = await queue.ClaimAsync(node, timeProvider.GetUtcNow(), options.ClaimLease, options.BatchSize, cancellationToken);
            if (claimed.Count == 0)
            {
                break;
            }

            var jobs = claimed
                .SelectMany(m => m.Recipients.Select(r => (Message: m, Recipient: r)))
                .GroupBy(x => options.Smarthost.IsConfigured ? SmarthostDestination : x.Recipient.Domain, StringComparer.OrdinalIgnoreCase)
                .SelectMany(g => g
                    .GroupBy(x => x.Message)
                    .Select(m => new PendingMessage(m.Key, m.Select(x => x.Recipient).ToList()))
                    .Chunk(options.MaxMessagesPerConnection)
                    .Select(chunk => (Destination: g.Key, Messages: chunk)))
                .ToList();

            await Parallel.ForEachAsync(jobs, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.Concurrency), CancellationToken = cancellationToken },
                async (job, token) => await RunJobAsync(job.Destination, job.Messages, token));
            processed += claimed.Sum(m => m.Recipients.Count);
        }

        return processed;
    }

    private async Task RunJobAsync(string destination, IReadOnlyList<PendingMessage> messages, CancellationToken cancellationToken)
    {
        SmtpReply? lastError;
        var slot = await destinations.AcquireAsync(destination, Math.Max(1, options.PerDestinationConcurrency), cancellationToken);
        try
        {
            lastError = await delivery.DeliverAsync(destination == SmarthostDestination ? string.Empty : destination, messages, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            OutboundLog.DestinationCrashed(logger, ex, destination);
            lastError = new SmtpReply(SmtpReplyCode.LocalError, EnhancedStatusCode.MailSystemError, "local error during delivery");
        }
        finally
        {
            await slot.DisposeAsync();
        }

        foreach (var message in messages)
        {
            await FinishAsync(destination, message, lastError, cancellationToken);
        }
    }

    /// <summary>Turns the replies of one message into results, notifies the sender, and records.</summary>
    private async Task FinishAsync(string destination, PendingMessage pending, SmtpReply? lastError, CancellationToken cancellationToken)
    {
        var m = pending.Message;
        var now = timeProvider.GetUtcNow();
        var results = new List<RecipientResult>();
        var report = new List<ReportedRecipient>();
        var fallback = pending.Blocked ?? lastError ?? new SmtpReply(SmtpReplyCode.LocalError, new EnhancedStatusCode(4, 4, 1), "no mail host answered");
        foreach (var r in pending.Recipients)
        {
            var attempt = pending.Replies.TryGetValue(r.Address, out var a) ? a : new AttemptReply(fallback, null, null, null, null, TimeSpan.Zero, false);
            var reply = attempt.Reply;
            var text = reply.ToString();
            DeliveryOutcome outcome;
            DateTimeOffset? next = null;
            if (reply.Code is >= 200 and < 300)
            {
                outcome = DeliveryOutcome.Delivered;
            }
            else if (reply.IsPermanent)
            {
                outcome = DeliveryOutcome.Failed;
            }
            else if (now >= m.ExpiresAt)
            {
                outcome = DeliveryOutcome.Expired;
            }
            else
            {
                outcome = DeliveryOutcome.Deferred;
                // The last retry lands on the expiry itself, so the final verdict is not late by a whole backoff.
                next = Min(now + options.RetryDelay(r.Attempts + 1), m.ExpiresAt);
            }

            var delayWarning = outcome == DeliveryOutcome.Deferred && !r.DelayNotified && now - m.CreatedAt >= options.DelayWarningAfter && BounceSender.Wants(r.Notify, "DELAY");
            var dsnAction = outcome switch
            {
                DeliveryOutcome.Failed or DeliveryOutcome.Expired when BounceSender.Wants(r.Notify, "FAILURE") => DsnAction.Failed,
                DeliveryOutcome.Deferred when delayWarning => DsnAction.Delayed,
                // RFC 3461 section 5.2.3: a server without DSN support cannot report success; we say "relayed".
                DeliveryOutcome.Delivered when !attempt.PeerHandlesDsn && BounceSender.Wants(r.Notify, "SUCCESS") => DsnAction.Relayed,
                _ => (DsnAction?)null,
            };
            if (dsnAction is { } action)
            {
                // RFC 3464 section 2.3.6: "smtp" only for an SMTP server's reply; our own reasons
                // (DNS failures, refused connections, policy) are text under an X- type, as Postfix does.
                var dsn = new DsnRecipient(r.Address, action, Status(reply, outcome))
                {
                    OriginalRecipient = r.OriginalRecipient,
                    RemoteMta = attempt.FromServer ? attempt.Host : null,
                    DiagnosticType = attempt.FromServer ? "smtp" : LocalDiagnosticType,
                    DiagnosticCode = attempt.FromServer ? text : string.Join(' ', reply.Lines),
                    LastAttemptDate = now,
                    WillRetryUntil = action == DsnAction.Delayed ? m.ExpiresAt : null,
                };
                report.Add(new ReportedRecipient(dsn, reply, attempt.Host, attempt.FromServer, outcome == DeliveryOutcome.Expired));
            }

            results.Add(new RecipientResult(r.Address, outcome, text, now, next, attempt.Host, attempt.Ip, attempt.TlsProtocol, attempt.TlsCipher, attempt.Duration, node)
            {
                DelayNotified = delayWarning,
            });
        }

        if (report.Count > 0 && m.EnvelopeFrom.Length > 0)
        {
            var original = pending.Bytes ?? await queue.ReadMessageAsync(m.TenantId, m.QueueId, cancellationToken);
            await bounces.SendAsync(m, original, report, cancellationToken);
        }

        var accepted = await queue.RecordAsync(m, results, cancellationToken);
        if (accepted < results.Count)
        {
            OutboundLog.ClaimLost(logger, m.TenantId, m.QueueId, results.Count - accepted);
        }

        var delivered = results.Count(r => r.Outcome == DeliveryOutcome.Delivered);
        var deferred = results.Count(r => r.Outcome == DeliveryOutcome.Deferred);
        var bounced = results.Count(r => r.Outcome is DeliveryOutcome.Failed or DeliveryOutcome.Expired);
        SmtpMetrics.OutboundDelivered(delivered);
        SmtpMetrics.OutboundDeferred(deferred);
        SmtpMetrics.OutboundBounced(bounced);
        OutboundLog.Attempted(logger, m.TenantId, m.QueueId, destination, delivered, deferred, bounced);
    }

    /// <summary>The RFC 3464 Status field: the enhanced code when the server gave one, else one derived from the basic code (RFC 3463).</summary>
    private static string Status(SmtpReply reply, DeliveryOutcome outcome)
    {
        if (!reply.Enhanced.IsEmpty)
        {
            // An expired recipient failed for good even though its last answer was transient.
            return outcome == DeliveryOutcome.Expired ? reply.Enhanced.WithClass(5).ToString() : reply.Enhanced.ToString();
        }

        return outcome switch
        {
            DeliveryOutcome.Delivered => "2.0.0",
            DeliveryOutcome.Deferred => "4.0.0",
            DeliveryOutcome.Expired => "4.4.7",
            _ => "5.0.0",
        };
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;
}
