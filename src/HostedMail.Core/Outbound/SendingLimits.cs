using HostedMail.Core.Tenants;
using Orleans;

namespace HostedMail.Core.Outbound;

/// <summary>Messages a tenant and each of its mailboxes may send to remote recipients per hour and per day; 0 means no limit.</summary>
public sealed class SendingLimitOptions
{
    public int MailboxPerHour { get; set; }

    public int MailboxPerDay { get; set; }

    public int TenantPerHour { get; set; }

    public int TenantPerDay { get; set; }

    public bool Any => MailboxPerHour > 0 || MailboxPerDay > 0 || TenantPerHour > 0 || TenantPerDay > 0;
}

/// <summary>
/// Checks a submission against the sending limits. The tenant's hourly limit (the smaller of its
/// plan's <c>MaxMessagesPerHour</c> and <see cref="SendingLimitOptions.TenantPerHour"/>) is counted
/// in the tenant's grain, cluster-wide and without a query, when the process is part of a cluster.
/// The per-mailbox and per-day limits (and the tenant's hourly one without a cluster) count what
/// was queued recently; counting is not a lock: two concurrent submissions may both pass at the
/// edge, which overshoots by at most the number of concurrent sessions.
/// </summary>
public sealed class SendingLimiter(SendingLimitOptions options, IOutboundQueue queue, TimeProvider timeProvider, IGrainFactory? grains = null)
{
    /// <summary>Null when the submission may go ahead (and it is counted), else why not (for a 4xx reply).</summary>
    public async Task<string?> CheckAsync(long tenantId, long? mailboxId, CancellationToken cancellationToken)
    {
        var tenantHourInGrain = grains is not null;
        var now = timeProvider.GetUtcNow();
        if (options.MailboxPerHour > 0 || (!tenantHourInGrain && options.TenantPerHour > 0))
        {
            var (tenant, mailbox) = await queue.CountSubmittedAsync(tenantId, mailboxId, now.AddHours(-1), cancellationToken);
            if (options.MailboxPerHour > 0 && mailboxId is not null && mailbox >= options.MailboxPerHour)
            {
                return $"this mailbox may send {options.MailboxPerHour} messages per hour";
            }

            if (!tenantHourInGrain && options.TenantPerHour > 0 && tenant >= options.TenantPerHour)
            {
                return $"this organisation may send {options.TenantPerHour} messages per hour";
            }
        }

        if (options.MailboxPerDay > 0 || options.TenantPerDay > 0)
        {
            var (tenant, mailbox) = await queue.CountSubmittedAsync(tenantId, mailboxId, now.AddDays(-1), cancellationToken);
            if (options.MailboxPerDay > 0 && mailboxId is not null && mailbox >= options.MailboxPerDay)
            {
                return $"this mailbox may send {options.MailboxPerDay} messages per day";
            }

            if (options.TenantPerDay > 0 && tenant >= options.TenantPerDay)
            {
                return $"this organisation may send {options.TenantPerDay} messages per day";
            }
        }

        if (tenantHourInGrain)
        {
            // Last, so a message refused by another limit is not counted against the hour.
            var decision = await grains!.GetGrain<ITenantGrain>(tenantId).TrySendAsync(1).WaitAsync(cancellationToken);
            return decision.Allowed ? null : decision.Problem;
        }

        return null;
    }
}
