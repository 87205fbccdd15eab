using HostedMail.Core.Aliases;
using HostedMail.Core.Audit;
using HostedMail.Core.Directory;
using HostedMail.Core.Domains;
using HostedMail.Core.Mailboxes;
using HostedMail.Core.Plans;
using Orleans;
using Orleans.Concurrency;

namespace HostedMail.Core.Tenants;

/// <summary>
/// The tenant's grain (ARCHITECTURE.md), keyed by tenant id: the single door for tenant changes
/// (plan, state, language) and for the changes its plan limits (domains, mailboxes, aliases,
/// storage), and the cluster-wide counter of the messages it sends per hour. A grain activation
/// runs one call at a time, so a limit is decided once even when two nodes add "the last"
/// mailbox together. Callers go through <see cref="TenantService"/>, which uses this grain when
/// the process is part of a cluster and <see cref="TenantOperations"/> directly when it is not.
/// </summary>
[Alias("HostedMail.ITenantGrain")]
public interface ITenantGrain : IGrainWithIntegerKey
{
    [Alias("Get")]
    Task<Tenant> GetAsync();

    /// <summary>What the tenant uses now (domains, mailboxes, aliases, allocated and stored bytes).</summary>
    [Alias("GetUsage")]
    Task<TenantUsage> GetUsageAsync();

    [Alias("SetPlan")]
    Task<Tenant> SetPlanAsync(string plan, Actor actor);

    [Alias("SetState")]
    Task<Tenant> SetStateAsync(TenantState state, string action, Actor actor);

    [Alias("SetLanguage")]
    Task<Tenant> SetLanguageAsync(string? language, Actor actor);

    /// <summary>Adds a domain (pending, or verified by operator override) if the plan allows one more; PlanLimitException when not.</summary>
    [Alias("AddDomain")]
    Task<Domain> AddDomainAsync(string name, Actor actor, bool operatorVerified);

    /// <summary>Creates a mailbox if the plan allows one more and its quota; PlanLimitException when not.</summary>
    [Alias("CreateMailbox")]
    Task<Mailbox> CreateMailboxAsync(string address, string password, long? quotaBytes, string? displayName, Actor actor);

    /// <summary>Changes a mailbox's quota, name or state; a larger quota is checked against the plan's storage.</summary>
    [Alias("UpdateMailbox")]
    Task<Mailbox> UpdateMailboxAsync(long mailboxId, MailboxUpdate update, Actor actor);

    /// <summary>Creates an alias if the plan allows one more; PlanLimitException when not.</summary>
    [Alias("CreateAlias")]
    Task<Alias> CreateAliasAsync(string address, IReadOnlyList<string> targets, Actor actor);

    /// <summary>
    /// Counts <paramref name="messages"/> submitted messages against the tenant's hourly sending
    /// limit, cluster-wide; a refused submission is not counted.
    /// </summary>
    [Alias("TrySend")]
    Task<SendingDecision> TrySendAsync(int messages);

    /// <summary>
    /// The tenant's subscription as last learned from Stripe, held in memory (loaded at the first
    /// call, dropped by <see cref="SubscriptionChangedAsync"/>): the billing standing that
    /// submission checks at every MAIL FROM costs no query.
    /// </summary>
    [Alias("GetSubscription")]
    Task<Billing.TenantSubscription> GetSubscriptionAsync();

    /// <summary>
    /// The subscription row changed (a webhook, a resync, seats): the held copy is dropped and read
    /// again at the next ask. Interleaved: seat changes are made inside this grain's own turns.
    /// </summary>
    [Alias("SubscriptionChanged"), AlwaysInterleave]
    Task SubscriptionChangedAsync();

    /// <summary>
    /// Adds or refreshes a node's watch of the tenant's credential revocations (a suspension ends
    /// every session of its mailboxes); returns whether its mailboxes may log in now (not suspended).
    /// </summary>
    [Alias("WatchCredentials")]
    Task<bool> WatchCredentialsAsync(ICredentialWatcher watcher, string node);

    [Alias("UnwatchCredentials")]
    Task UnwatchCredentialsAsync(ICredentialWatcher watcher);

    /// <summary>Something changed the tenant's row outside this grain (an operator tool with no cluster): forget the cached row.</summary>
    [Alias("Forget"), AlwaysInterleave]
    Task ForgetAsync();
}

/// <summary>The answer of <see cref="ITenantGrain.TrySendAsync"/>: allowed, or why not (for a 4xx reply).</summary>
[GenerateSerializer]
[Alias("HostedMail.SendingDecision")]
public sealed record SendingDecision(bool Allowed, int SentThisHour, int? Limit, string? Problem)
{
    public static SendingDecision Unlimited(int sent) => new(true, sent, null, null);
}
