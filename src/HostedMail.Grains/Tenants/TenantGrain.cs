using HostedMail.Core.Aliases;
using HostedMail.Core.Audit;
using HostedMail.Core.Directory;
using HostedMail.Core.Domains;
using HostedMail.Core.Mailboxes;
using HostedMail.Core.Outbound;
using HostedMail.Core.Plans;
using HostedMail.Core.Tenants;
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
internal sealed class TenantGrain(
    TenantOperations operations,
    SendingLimitOptions sending,
    [PersistentState("sending", GrainStorageNames.Default)] IPersistentState<SendingWindow> window,
    TimeProvider time) : Grain, ITenantGrain
{
    internal static readonly TimeSpan PersistEvery = TimeSpan.FromSeconds(10);

    private Tenant? _tenant;
    private DateTimeOffset _lastWrite;
    private bool _dirty;

    private long TenantId => this.GetPrimaryKeyLong();

    public async Task<Tenant> GetAsync() => _tenant ??= await operations.GetAsync(TenantId);

    public Task<TenantUsage> GetUsageAsync() => operations.GetUsageAsync(TenantId);

    public async Task<Tenant> SetPlanAsync(string plan, Actor actor) => _tenant = await operations.SetPlanAsync(await FreshAsync(), plan, actor);

    public async Task<Tenant> SetStateAsync(TenantState state, string action, Actor actor) => _tenant = await operations.SetStateAsync(await FreshAsync(), state, action, actor);

    public async Task<Tenant> SetLanguageAsync(string? language, Actor actor) => _tenant = await operations.SetLanguageAsync(await FreshAsync(), language, actor);

    public async Task<Domain> AddDomainAsync(string name, Actor actor) => await operations.AddDomainAsync(await GetAsync(), name, actor);

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

    public Task ForgetAsync()
    {
        _tenant = null;
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
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
