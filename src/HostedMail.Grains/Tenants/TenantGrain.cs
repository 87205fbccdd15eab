using HostedMail.Core.Aliases;
using HostedMail.Core.Audit;
using HostedMail.Core.Billing;
using HostedMail.Core.Directory;
using HostedMail.Core.Domains;
using HostedMail.Core.Mailboxes;
using HostedMail.Core.Outbound;
using HostedMail.Core.Plans;
using HostedMail.Core.Tenants;
using HostedMail.Grains.Mailboxes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans;
using Orleans.Runtime;

namespace HostedMail.Grains.Tenants;

/// <summary>The tenant's grain: every tenant change and limit decision, one at a time, cluster-wide (<see cref="ITenantGrain"/>).</summary>
// Implementation notes:
// - Not reentrant: a plan limit is checked against the usage counted inside the same turn as the
//   write, so two nodes adding "the last" mailbox are serialized here and the second is refused.
//   Usage is counted from the tables at each check (writes are rare) rather than kept in memory,
//   so an operator tool that wrote while no node ran cannot make it wrong.
// - The tenant row is cached; every change through here replaces it, and ForgetAsync (interleaved)
//   drops it when a directory change is announced from elsewhere.
// - The sending window is persisted at most every PersistEvery and on deactivation: a crash may
//   forget up to that many seconds of counts, never a refusal that was already given. Orleans may
//   briefly run two activations while membership changes; each then counts separately for that
//   moment, so a tenant can overshoot by what it sends during it (an abuse limit tolerates that).
// - The subscription (billing standing) is held in memory: loaded at the first ask, dropped when
//   SubscriptionChangedAsync says the row changed (webhooks, resyncs and seat changes, after their
//   commit; interleaved, because seat changes happen inside this grain's mailbox turns), so
//   submission's check at every MAIL FROM costs no query but the first after each change. The
//   dunning phase is computed by the caller from the clock (BillingStanding.Evaluate), so it
//   moves on without a change.
// - Nodes with sessions of the tenant's mailboxes watch it (WatcherTable, memory only): a
//   suspension made here tells them after the commit, and every watch answer says whether the
//   tenant is active, so a node whose watch lands after a suspension still ends its sessions.
internal sealed class TenantGrain(
    TenantOperations operations,
    SendingLimitOptions sending,
    [PersistentState("sending", GrainStorageNames.Default)] IPersistentState<SendingWindow> window,
    ISubscriptionStore subscriptions,
    TimeProvider time) : Grain, ITenantGrain
{
    internal static readonly TimeSpan PersistEvery = TimeSpan.FromSeconds(10);

    private Tenant? _tenant;
    private TenantSubscription? _subscription;
    private int _subscriptionVersion;
    private WatcherTable<ICredentialWatcher>? _credentialWatchers;
    private DateTimeOffset _lastWrite;
    private bool _dirty;

    private long TenantId => this.GetPrimaryKeyLong();

    public async Task<Tenant> GetAsync() => _tenant ??= await operations.GetAsync(TenantId);

    public Task<TenantUsage> GetUsageAsync() => operations.GetUsageAsync(TenantId);

    public async Task<Tenant> SetPlanAsync(string plan, Actor actor) => _tenant = await operations.SetPlanAsync(await FreshAsync(), plan, actor);

    public async Task<Tenant> SetStateAsync(TenantState state, string action, Actor actor)
    {
        var before = await FreshAsync();
        var after = await operations.SetStateAsync(before, state, action, actor);
        _tenant = after;
        if (before.State != TenantState.Suspended && after.State == TenantState.Suspended)
        {
            // Committed: every node with sessions of the tenant's mailboxes ends them.
            foreach (var watcher in _credentialWatchers?.Live() ?? [])
            {
                _ = watcher.TenantSuspendedAsync(TenantId);
            }
        }

        return after;
    }

    public async Task<Tenant> SetLanguageAsync(string? language, Actor actor) => _tenant = await operations.SetLanguageAsync(await FreshAsync(), language, actor);

    public async Task<Domain> AddDomainAsync(string name, Actor actor, bool operatorVerified) => await operations.AddDomainAsync(await GetAsync(), name, actor, operatorVerified);

    public async Task<Mailbox> CreateMailboxAsync(string address, string password, long? quotaBytes, string? displayName, Actor actor) =>
        await operations.CreateMailboxAsync(await GetAsync(), address, password, quotaBytes, displayName, actor);

    public async Task<Mailbox> UpdateMailboxAsync(long mailboxId, MailboxUpdate update, Actor actor) =>
        await operations.UpdateMailboxAsync(await GetAsync(), mailboxId, update, actor);

    public async Task<Alias> CreateAliasAsync(string address, IReadOnlyList<string> targets, Actor actor) =>
        await operations.CreateAliasAsync(await GetAsync(), address, targets, actor);

    public async Task<SendingDecision> TrySendAsync(int messages)
    {
        var now = time.GetUtcNow();
        var limit = operations.HourlySendingLimit(await GetAsync(), sending.TenantPerHour);
        var sent = window.State.Total(now);
        if (limit is { } max && sent + messages > max)
        {
            return new SendingDecision(false, sent, max, $"this organisation may send {max} messages per hour");
        }

        window.State.Add(now, messages);
        _dirty = true;
        if (now - _lastWrite >= PersistEvery)
        {
            await PersistAsync(now);
        }

        return new SendingDecision(true, sent + messages, limit, null);
    }

    public async Task<TenantSubscription> GetSubscriptionAsync()
    {
        if (_subscription is { } held)
        {
            return held;
        }

        // A change announced while this read runs (interleaved) makes its result stale: not kept.
        var version = _subscriptionVersion;
        var read = await subscriptions.GetAsync(TenantId, CancellationToken.None);
        if (version == _subscriptionVersion)
        {
            _subscription = read;
        }

        return read;
    }

    public Task SubscriptionChangedAsync()
    {
        _subscriptionVersion++;
        _subscription = null;
        return Task.CompletedTask;
    }

    public async Task<bool> WatchCredentialsAsync(ICredentialWatcher watcher, string node)
    {
        (_credentialWatchers ??= new WatcherTable<ICredentialWatcher>(
            ServiceProvider.GetRequiredService<IClusterMembershipService>(), time, ServiceProvider.GetRequiredService<MailboxCoordinationOptions>().WatchRenewal)).Watch(watcher, node);
        return (await GetAsync()).State == TenantState.Active;
    }

    public Task UnwatchCredentialsAsync(ICredentialWatcher watcher)
    {
        _credentialWatchers?.Unwatch(watcher);
        return Task.CompletedTask;
    }

    public Task ForgetAsync()
    {
        _tenant = null;
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        foreach (var watcher in _credentialWatchers?.All ?? [])
        {
            try
            {
                _ = watcher.TenantClosingAsync(TenantId);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                ServiceProvider.GetRequiredService<ILogger<TenantGrain>>().LogDebug(ex, "Could not tell a watcher that tenant {Tenant} closes", TenantId);
            }
        }

        if (_dirty)
        {
            await PersistAsync(time.GetUtcNow());
        }

        await base.OnDeactivateAsync(reason, cancellationToken);
    }

    /// <summary>Changes start from the row as stored, not from a cached copy another writer may have outdated.</summary>
    private async Task<Tenant> FreshAsync() => _tenant = await operations.GetAsync(TenantId);

    private async Task PersistAsync(DateTimeOffset now)
    {
        try
        {
            await window.WriteStateAsync();
        }
        catch (Orleans.Storage.InconsistentStateException)
        {
            // A second activation wrote meanwhile: keep the larger count of each minute.
            var ours = window.State;
            await window.ReadStateAsync();
            for (var i = 0; i < ours.Counts.Length && i < window.State.Counts.Length; i++)
            {
                window.State.Counts[i] = Math.Max(window.State.Counts[i], ours.Counts[i]);
            }

            await window.WriteStateAsync();
        }

        _lastWrite = now;
        _dirty = false;
    }
}
