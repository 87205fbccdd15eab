using HostedMail.Core;
using HostedMail.Core.Audit;
using HostedMail.Core.Domains;
using Microsoft.Extensions.Logging;

namespace HostedMail.Portal.Dns;

/// <summary>
/// The background DNS checks: pending domains are verified with exponential backoff; verified
/// domains have their MX re-checked, and one that stops pointing here is flagged (audit entry,
/// <c>mxStatus</c> in the API) but never unverified or dropped: a DNS mistake must not lose mail.
/// In a node the domain's grain runs <see cref="RunDueAsync(string, IDomainOperations, CancellationToken)"/>
/// from its reminder (once per cluster), verifying through the grain's own writes;
/// <see cref="RunDueAsync(CancellationToken)"/> runs every due check, verifying through
/// <see cref="DomainService"/> (the domain's grain in a cluster).
/// </summary>
internal sealed partial class DomainMonitor(
    IDomainHealthStore health,
    DomainService domains,
    DomainRecordChecker checker,
    DkimKeyService dkim,
    PortalOptions options,
    TimeProvider timeProvider,
    ILogger<DomainMonitor> logger) : IDomainCheckRunner
{
    private static readonly Actor System = new("system:domain-monitor");

    /// <summary>Runs every check that is due now, for every domain; returns how many ran. Several nodes may call this at once.</summary>
    public async Task<int> RunDueAsync(CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        await health.ScheduleMissingAsync(now, cancellationToken);
        var due = await health.ClaimDueAsync(now, TimeSpan.FromMinutes(5), 50, cancellationToken);
        await RunAsync(due, domains, cancellationToken);
        return due.Count;
    }

    /// <summary>Runs the due checks of the domains named <paramref name="name"/> (the domain grain's reminder, which gives its own writes).</summary>
    public async Task<DomainCheckRun> RunDueAsync(string name, IDomainOperations domain, CancellationToken cancellationToken)
    {
        if ((await domains.FindAllAsync(name, cancellationToken)).Count == 0)
        {
            return new DomainCheckRun(false, 0);
        }

        var due = await health.ClaimDueAsync(name, timeProvider.GetUtcNow(), TimeSpan.FromMinutes(5), cancellationToken);
        await RunAsync(due, domain, cancellationToken);
        return new DomainCheckRun(true, due.Count);
    }

    private async Task RunAsync(IReadOnlyList<DueDomainCheck> due, IDomainOperations writes, CancellationToken cancellationToken)
    {
        foreach (var check in due)
        {
            try
            {
                await CheckAsync(check, writes, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The lease set by the claim retries it in five minutes.
                LogCheckFailed(logger, ex, check.TenantId, check.DomainId);
            }
        }
    }

    /// <summary>After a domain is verified (by the API or here): its key exists and its MX is checked soon.</summary>
    public async Task OnVerifiedAsync(long tenantId, long domainId, CancellationToken cancellationToken)
    {
        await dkim.GetOrCreateAsync(tenantId, domainId, cancellationToken);
        await health.ScheduleAsync(tenantId, domainId, timeProvider.GetUtcNow() + options.VerifyInitialInterval, cancellationToken);
    }

    private async Task CheckAsync(DueDomainCheck check, IDomainOperations writes, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        if (check.State == DomainState.Pending)
        {
            DomainVerification result;
            try
            {
                result = await writes.VerifyAsync(check.TenantId, check.Name, System, operatorOverride: false, cancellationToken);
            }
            catch (HostedMailException ex) when (ex.Error == HostedMailError.Conflict)
            {
                // Another tenant verified the name first: keep trying rarely, in case they remove it.
                await health.RecordAsync(check.TenantId, check.DomainId, now, now + options.VerifyMaxInterval, check.FailedChecks + 1, null, null, null, cancellationToken);
                return;
            }

            if (!result.IsVerified)
            {
                var failures = check.FailedChecks + 1;
                await health.RecordAsync(check.TenantId, check.DomainId, now, now + Backoff(failures), failures, null, null, null, cancellationToken);
                return;
            }

            await dkim.GetOrCreateAsync(check.TenantId, check.DomainId, cancellationToken);
        }

        var (status, found) = await checker.CheckMxAsync(check.Name, options.Endpoints.Hostname, cancellationToken);
        if (status == RecordStatus.Unknown)
        {
            await health.RecordAsync(check.TenantId, check.DomainId, now, now + options.VerifyInitialInterval, check.FailedChecks + 1, check.MxStatus, check.MxProblemSince, null, cancellationToken);
            return;
        }

        AuditEntry? audit = null;
        var since = check.MxProblemSince;
        if (status == RecordStatus.Ok && since is not null)
        {
            since = null;
            audit = new AuditEntry(check.TenantId, System, "domain.mx-restored", check.Name);
        }
        else if (status != RecordStatus.Ok && since is null && check.MxStatus is not null)
        {
            // Flag only a domain whose MX was seen pointing here and then changed (not one never set up).
            since = now;
            audit = new AuditEntry(check.TenantId, System, "domain.mx-lost", check.Name, new Dictionary<string, string> { ["found"] = string.Join(", ", found) });
            LogMxLost(logger, check.TenantId, check.DomainId);
        }
        else if (status != RecordStatus.Ok && since is null && check.MxStatus is null)
        {
            since = now;
        }

        await health.RecordAsync(check.TenantId, check.DomainId, now, now + options.RecheckInterval, 0, status, since, audit, cancellationToken);
    }

    /// <summary>Initial interval doubled per failure, capped (a week of hourly checks costs nothing; a minute-long loop would).</summary>
    internal TimeSpan Backoff(int failures)
    {
        var ticks = options.VerifyInitialInterval.Ticks * Math.Pow(2, Math.Min(failures - 1, 30));
        return ticks >= options.VerifyMaxInterval.Ticks ? options.VerifyMaxInterval : TimeSpan.FromTicks((long)ticks);
    }

    [LoggerMessage(EventId = 8101, Level = LogLevel.Warning, Message = "Domain check failed for tenant {TenantId} domain {DomainId}")]
    private static partial void LogCheckFailed(ILogger logger, Exception exception, long tenantId, long domainId);

    [LoggerMessage(EventId = 8102, Level = LogLevel.Warning, Message = "MX of tenant {TenantId} domain {DomainId} no longer points here; flagged")]
    private static partial void LogMxLost(ILogger logger, long tenantId, long domainId);
}
