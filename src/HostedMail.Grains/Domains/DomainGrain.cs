using HostedMail.Core.Delivery;
using HostedMail.Core.Domains;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans;
using Orleans.Runtime;

namespace HostedMail.Grains.Domains;

/// <summary>The domain's grain: RCPT resolution from memory and the DNS checks' reminder (<see cref="IDomainGrain"/>).</summary>
// Implementation notes:
// - The directory is loaded once per activation (or after an invalidation) and shared by every
//   read; FindAsync is [ReadOnly], so RCPTs interleave, and the one load they may wait for is one
//   Task. InvalidateAsync is not read-only: it waits for running reads, then drops the directory.
// - "Not hosted here" is cached too (a null directory): the domain's add or verification
//   invalidates it like any other change.
// - Orleans may briefly run two activations while membership changes; an invalidation reaches
//   one of them. Mail accepted from a stale directory in that moment is still checked at
//   delivery by the store's constraints, and the grain directory settles within seconds.
// - Used bytes (the RCPT quota check) change with every delivery, APPEND and EXPUNGE, not through
//   the directory's writers: they are refreshed for the whole domain in one query at most every
//   DomainDirectoryOptions.UsageRefresh, so a full mailbox is noticed within that time (the
//   check is a 452 "try again later" anyway), never with a query per RCPT.
// - The reminder survives deactivation and node death (ADO.NET reminders, migration 0070); a tick
//   runs the checks due by the domain's schedule (domain_health), so a late or doubled tick never
//   checks early. It ends itself when no tenant has the domain any more.
internal sealed partial class DomainGrain(
    IDomainDirectoryStore store,
    DomainCheckOptions checks,
    DomainDirectoryOptions options,
    TimeProvider time,
    IServiceProvider services,
    ILogger<DomainGrain> logger) : Grain, IDomainGrain, IRemindable
{
    internal const string CheckReminder = "dns-check";

    private Task<DomainDirectory?>? _directory;
    private Task? _usage;
    private DateTimeOffset _usageAt;
    private int _loads;
    private bool _checksScheduled;

    private string Name => this.GetPrimaryKeyString();

    public async Task<RecipientLookupResult?> FindAsync(string address)
    {
        var directory = await (_directory ??= LoadAsync());
        var found = directory?.Find(address);
        if (found?.Mailbox is not null && time.GetUtcNow() - _usageAt >= options.UsageRefresh)
        {
            // Cleared here, not inside the refresh: a refresh that completed synchronously would
            // clear the field before `??=` stored it, and every later RCPT would await a finished task.
            var refresh = _usage ??= RefreshUsageAsync(directory!);
            try
            {
                await refresh;
            }
            finally
            {
                if (ReferenceEquals(_usage, refresh))
                {
                    _usage = null;
                }
            }

            found = directory!.Find(address);
        }

        return found;
    }

    public async Task InvalidateAsync()
    {
        _directory = null;
        // A domain just added gets its checks here (the change that added it is what calls this).
        await EnsureChecksAsync();
    }

    public Task<int> LoadCountAsync() => Task.FromResult(_loads);

    public async Task EnsureChecksAsync()
    {
        if (!checks.Enabled || _checksScheduled)
        {
            return;
        }

        if (await this.GetReminder(CheckReminder) is null)
        {
            await this.RegisterOrUpdateReminder(CheckReminder, checks.Period, checks.Period);
        }

        _checksScheduled = true;
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != CheckReminder || services.GetService<IDomainCheckRunner>() is not { } runner)
        {
            return;
        }

        var run = await runner.RunDueAsync(Name, CancellationToken.None);
        if (!run.Exists && await this.GetReminder(CheckReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
            _checksScheduled = false;
            LogChecksEnded(logger, Name);
        }
    }

    private async Task<DomainDirectory?> LoadAsync()
    {
        _loads++;
        try
        {
            var loadedAt = time.GetUtcNow();
            var directory = await store.LoadAsync(Name, CancellationToken.None);
            _usageAt = loadedAt;
            return directory;
        }
        catch
        {
            // Never cache a failure: the next RCPT tries again (and this one gets its 4xx).
            _directory = null;
            throw;
        }
    }

    /// <summary>One query for the whole domain's used bytes, shared by the RCPTs that wait for it.</summary>
    private async Task RefreshUsageAsync(DomainDirectory directory)
    {
        var at = time.GetUtcNow();
        directory.SetUsage(await store.LoadUsageAsync(directory.TenantId, directory.DomainId, CancellationToken.None));
        _usageAt = at;
    }

    [LoggerMessage(EventId = 8111, Level = LogLevel.Information, Message = "Domain {Domain} is gone; its DNS check reminder ends")]
    private static partial void LogChecksEnded(ILogger logger, string domain);
}
