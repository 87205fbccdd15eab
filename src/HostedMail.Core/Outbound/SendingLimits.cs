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
/// Checks a submission against the sending limits by counting what the tenant and mailbox queued
/// recently. Counting is not a lock: two concurrent submissions may both pass at the edge, which
/// overshoots by at most the number of concurrent sessions; a limit against abuse tolerates that.
/// </summary>
public sealed class SendingLimiter(SendingLimitOptions options, IOutboundQueue queue, TimeProvider timeProvider)
{
    /// <summary>Null when the submission may go ahead, else why not (for a 4xx reply).</summary>
    public async Task<string?> CheckAsync(long tenantId, long? mailboxId, CancellationToken cancellationToken)
    {
        if (!options.Any)
        {
            return null;
        }

        var now = timeProvider.GetUtcNow();
        if (options.MailboxPerHour > 0 || options.TenantPerHour > 0)
        {
            var (tenant, mailbox) = await queue.CountSubmittedAsync(tenantId, mailboxId, now.AddHours(-1), cancellationToken);
            if (options.MailboxPerHour > 0 && mailboxId is not null && mailbox >= options.MailboxPerHour)
            {
                return $"this mailbox may send {options.MailboxPerHour} messages per hour";
            }

            if (options.TenantPerHour > 0 && tenant >= options.TenantPerHour)
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

        return null;
    }
}
