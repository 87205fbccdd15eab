using HostedMail.Core.Audit;
using HostedMail.Core.Delivery;
using HostedMail.Core.Domains;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans;
using Orleans.Runtime;

namespace HostedMail.Grains.Domains;

/// <summary>
/// The domain's grain: the single writer of the domain after its addition (verification, DKIM
/// keys, removal), RCPT resolution from memory and the DNS checks' reminder (<see cref="IDomainGrain"/>).
/// </summary>
// Implementation notes:
// - The directory is loaded once per activation (or after an invalidation) and shared by every
//   read; FindAsync is [ReadOnly], so RCPTs interleave, and the one load they may wait for is one
//   Task. InvalidateAsync and the writes are not read-only: each waits for running reads, runs
//   alone (the grain is not reentrant: two rotations are one after the other, and the second sees
//   the first's key), and no RCPT is answered until its turn ends. A write that changes what RCPT
//   sees drops the directory in the same turn, so the next RCPT loads the new state.
// - The writes (IDomainOperations, in DomainOperations) name the tenant whose row they change;
//   the key is only the name, which several tenants may have added while it is pending. A write
//   for a tenant other than the one whose verified directory is held leaves the directory alone.
// - The writes go through the plain stores, never through anything that tells this grain of the
//   change: a call back into this grain from its own turn would wait for the turn it runs in.
//   The reminder's checks get the writes as an object that runs them in the reminder's turn.
// - A verification by DNS waits for the ownership lookup inside the turn (as the reminder's checks
//   always have). Only a pending row is looked up, so RCPTs wait for it only in the rare case that
//   another tenant holds the name verified, for at most the resolver's timeout. A rotation's new
//   key is made by the caller (DkimKeyService.NewPrivateKeyPem): RSA generation stays out of the turn.
// - "Not hosted here" is cached too (a null directory): the domain's addition (told by its
//   tenant's grain through the directory change notifier) or its verification drops it.
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

    private IDomainOperations Operations => services.GetRequiredService<IDomainOperations>();

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

    public async Task<DomainVerification> VerifyAsync(long tenantId, Actor actor, bool operatorOverride)
    {
        var result = await Operations.VerifyAsync(tenantId, Name, actor, operatorOverride, CancellationToken.None);
        if (result.IsVerified)
        {
            Changed(tenantId);
        }

        // The probe's list may be of a type only the compiler knows (a collection expression), which
        // Orleans cannot copy or send: it travels as an array.
        return result.Probe is { } probe ? result with { Probe = probe with { Found = probe.Found.ToArray() } } : result;
    }

    public Task<DkimKey> RotateDkimAsync(long tenantId, string privateKeyPem, Actor actor) =>
        // DKIM keys are not part of what RCPT answers: the directory stays.
        Operations.RotateDkimAsync(tenantId, Name, privateKeyPem, actor, CancellationToken.None);

    public Task RetireDkimAsync(long tenantId, string selector, Actor actor) =>
        Operations.RetireDkimAsync(tenantId, Name, selector, actor, CancellationToken.None);

    public async Task RemoveAsync(long tenantId, Actor actor)
    {
        await Operations.RemoveAsync(tenantId, Name, actor, CancellationToken.None);
        // The reminder ends itself at its next tick once no tenant has the name.
        Changed(tenantId);
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

        var run = await runner.RunDueAsync(Name, new InTurnOperations(this), CancellationToken.None);
        if (!run.Exists && await this.GetReminder(CheckReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
            _checksScheduled = false;
            LogChecksEnded(logger, Name);
        }
    }

    /// <summary>
    /// The tenant's row changed: the directory is dropped unless it is another tenant's verified
    /// domain (that tenant's row was not touched, and RCPT answers from it alone).
    /// </summary>
    private void Changed(long tenantId)
    {
        if (_directory is { IsCompletedSuccessfully: true, Result: { } held } && held.TenantId != tenantId)
        {
            return;
        }

        _directory = null;
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

    /// <summary>
    /// The domain's writes as the reminder's checks run them: inside the reminder's turn, through
    /// the grain's own methods (a call through the grain's reference would wait for that turn).
    /// </summary>
    private sealed class InTurnOperations(DomainGrain grain) : IDomainOperations
    {
        public Task<DomainVerification> VerifyAsync(long tenantId, string name, Actor actor, bool operatorOverride, CancellationToken cancellationToken) =>
            Own(name) ? grain.VerifyAsync(tenantId, actor, operatorOverride) : throw Other(name);

        public Task<DkimKey> RotateDkimAsync(long tenantId, string name, string privateKeyPem, Actor actor, CancellationToken cancellationToken) =>
            Own(name) ? grain.RotateDkimAsync(tenantId, privateKeyPem, actor) : throw Other(name);

        public Task RetireDkimAsync(long tenantId, string name, string selector, Actor actor, CancellationToken cancellationToken) =>
            Own(name) ? grain.RetireDkimAsync(tenantId, selector, actor) : throw Other(name);

        public Task RemoveAsync(long tenantId, string name, Actor actor, CancellationToken cancellationToken) =>
            Own(name) ? grain.RemoveAsync(tenantId, actor) : throw Other(name);

        private bool Own(string name) => DomainKeys.Of(DomainName.Normalize(name)) == grain.Name;

        private InvalidOperationException Other(string name) => new($"the grain of {grain.Name} cannot write domain {name}");
    }

    [LoggerMessage(EventId = 8111, Level = LogLevel.Information, Message = "Domain {Domain} is gone; its DNS check reminder ends")]
    private static partial void LogChecksEnded(ILogger logger, string domain);
}
