using System.Globalization;
using HostedMail.Core.Aliases;
using HostedMail.Core.Audit;
using HostedMail.Core.Directory;
using HostedMail.Core.Domains;
using HostedMail.Core.Mailboxes;
using Orleans;

namespace HostedMail.Core.Tenants;

/// <summary>
/// Creates and finds tenants; owns the rules for tenant names and plans. Every change of an
/// existing tenant goes through the tenant's grain (<see cref="ITenantGrain"/>) when this process
/// is part of a cluster (<paramref name="grains"/> given), so it is decided once, cluster-wide,
/// and the grain's memory stays true; without a cluster the same <see cref="TenantOperations"/>
/// run here.
/// </summary>
public sealed class TenantService(ITenantStore store, TenantOperations? operations = null, IGrainFactory? grains = null, Security.IOAuthGrantRevoker? oauthGrants = null)
{
    public const string DefaultPlan = "free";

    /// <summary>Creates a tenant named by the <see cref="TenantName"/> rule; Conflict when the slug is taken.</summary>
    public Task<Tenant> CreateAsync(string name, string? plan, Actor actor, CancellationToken cancellationToken = default) =>
        CreateAsync(name, null, plan, actor, cancellationToken);

    public Task<Tenant> CreateAsync(string name, string? displayName, string? plan, Actor actor, CancellationToken cancellationToken = default)
    {
        var slug = TenantName.NormalizeSlug(name);
        var display = TenantName.NormalizeDisplayName(displayName, slug);
        var cleanPlan = string.IsNullOrWhiteSpace(plan) ? DefaultPlan : plan.Trim().ToLowerInvariant();
        var audit = new AuditEntry(null, actor, "tenant.create", slug, new Dictionary<string, string> { ["plan"] = cleanPlan });
        return store.CreateAsync(slug, display, cleanPlan, audit, cancellationToken);
    }

    /// <summary>Finds a tenant by id (digits) or by name; throws NotFound when there is none.</summary>
    public async Task<Tenant> GetAsync(string reference, CancellationToken cancellationToken = default)
    {
        var trimmed = (reference ?? string.Empty).Trim();
        var tenant = long.TryParse(trimmed, NumberStyles.None, CultureInfo.InvariantCulture, out var id)
            ? await store.GetAsync(id, cancellationToken)
            : await store.FindByNameAsync(trimmed, cancellationToken);
        return tenant ?? throw HostedMailException.NotFound($"unknown tenant '{trimmed}'");
    }

    public Task<IReadOnlyList<Tenant>> ListAsync(CancellationToken cancellationToken = default) => store.ListAsync(cancellationToken);

    /// <summary>Sets the language of the tenant's system texts ("en", "de"); null or empty goes back to English.</summary>
    public async Task<Tenant> SetLanguageAsync(string reference, string? language, Actor actor, CancellationToken cancellationToken = default)
    {
        var tenant = await GetAsync(reference, cancellationToken);
        return grains is not null
            ? await Grain(tenant.TenantId).SetLanguageAsync(language, actor).WaitAsync(cancellationToken)
            : await Operations.SetLanguageAsync(tenant, language, actor, cancellationToken);
    }

    /// <summary>Moves a tenant to another plan; only plans the deployment knows (<paramref name="catalog"/>), so a typo never becomes a plan.</summary>
    public async Task<Tenant> SetPlanAsync(string reference, string plan, Plans.PlanCatalog catalog, Actor actor, CancellationToken cancellationToken = default)
    {
        var cleanPlan = (plan ?? string.Empty).Trim().ToLowerInvariant();
        if (!catalog.Plans.ContainsKey(cleanPlan))
        {
            throw HostedMailException.Invalid($"unknown plan '{cleanPlan}'; known plans: {string.Join(", ", catalog.Plans.Keys.Order(StringComparer.Ordinal))}");
        }

        var tenant = await GetAsync(reference, cancellationToken);
        return grains is not null
            ? await Grain(tenant.TenantId).SetPlanAsync(cleanPlan, actor).WaitAsync(cancellationToken)
            : await Operations.SetPlanAsync(tenant, cleanPlan, actor, cancellationToken);
    }

    /// <summary>
    /// Suspends a tenant: its mailboxes can no longer log in (their credential stamps read as none),
    /// and sessions already open end on every node (the tenant's grain tells every node watching
    /// it); mail to it is deferred (4xx), not refused, so nothing is lost.
    /// </summary>
    public Task<Tenant> SuspendAsync(string reference, Actor actor, CancellationToken cancellationToken = default) =>
        SetStateAsync(reference, TenantState.Suspended, "tenant.suspend", actor, cancellationToken);

    /// <summary>Lifts a suspension: logins and mail delivery work again.</summary>
    public Task<Tenant> ResumeAsync(string reference, Actor actor, CancellationToken cancellationToken = default) =>
        SetStateAsync(reference, TenantState.Active, "tenant.resume", actor, cancellationToken);

    /// <summary>What the tenant uses now.</summary>
    public Task<Plans.TenantUsage> GetUsageAsync(long tenantId, CancellationToken cancellationToken = default) =>
        grains is not null ? Grain(tenantId).GetUsageAsync().WaitAsync(cancellationToken) : Operations.GetUsageAsync(tenantId, cancellationToken);

    /// <summary>Adds a pending domain if the tenant's plan allows one more (decided by the tenant's grain in a cluster).</summary>
    public Task<Domain> AddDomainAsync(long tenantId, string name, Actor actor, CancellationToken cancellationToken = default) =>
        AddDomainAsync(tenantId, name, actor, operatorVerified: false, cancellationToken);

    /// <summary>The same; <paramref name="operatorVerified"/> (operator commands) marks it verified without the DNS proof, audited.</summary>
    public async Task<Domain> AddDomainAsync(long tenantId, string name, Actor actor, bool operatorVerified, CancellationToken cancellationToken = default) =>
        grains is not null
            ? await Grain(tenantId).AddDomainAsync(name, actor, operatorVerified).WaitAsync(cancellationToken)
            : await Operations.AddDomainAsync(await GetByIdAsync(tenantId, cancellationToken), name, actor, operatorVerified, cancellationToken);

    /// <summary>Creates a mailbox if the tenant's plan allows one more and its quota (decided by the tenant's grain in a cluster).</summary>
    public async Task<Mailbox> CreateMailboxAsync(long tenantId, string address, string password, long? quotaBytes, string? displayName, Actor actor, CancellationToken cancellationToken = default) =>
        grains is not null
            ? await Grain(tenantId).CreateMailboxAsync(address, password, quotaBytes, displayName, actor).WaitAsync(cancellationToken)
            : await Operations.CreateMailboxAsync(await GetByIdAsync(tenantId, cancellationToken), address, password, quotaBytes, displayName, actor, cancellationToken);

    /// <summary>Changes a mailbox's quota, name or state; a larger quota must fit the plan's storage.</summary>
    public async Task<Mailbox> UpdateMailboxAsync(long tenantId, long mailboxId, MailboxUpdate update, Actor actor, CancellationToken cancellationToken = default)
    {
        var mailbox = grains is not null
            ? await Grain(tenantId).UpdateMailboxAsync(mailboxId, update, actor).WaitAsync(cancellationToken)
            : await Operations.UpdateMailboxAsync(await GetByIdAsync(tenantId, cancellationToken), mailboxId, update, actor, cancellationToken);
        if (update.State == MailboxState.Disabled && oauthGrants is not null)
        {
            // RFC 9700 section 4.14: a disabled mailbox's OAuth grants end (enabling it again does not revive them).
            await oauthGrants.RevokeMailboxAsync(tenantId, mailbox.MailboxId, mailbox.Address, cancellationToken);
        }

        return mailbox;
    }

    /// <summary>Creates an alias if the tenant's plan allows one more (decided by the tenant's grain in a cluster).</summary>
    public async Task<Alias> CreateAliasAsync(long tenantId, string address, IReadOnlyList<string> targets, Actor actor, CancellationToken cancellationToken = default) =>
        grains is not null
            ? await Grain(tenantId).CreateAliasAsync(address, targets.ToArray(), actor).WaitAsync(cancellationToken)
            : await Operations.CreateAliasAsync(await GetByIdAsync(tenantId, cancellationToken), address, targets, actor, cancellationToken);

    /// <summary>
    /// The tenant's subscription row changed (committed): its grain, which holds the subscription
    /// for the billing standing, reads it again. Nothing to do outside a cluster.
    /// </summary>
    public Task SubscriptionChangedAsync(long tenantId, CancellationToken cancellationToken = default) =>
        grains is not null ? Grain(tenantId).SubscriptionChangedAsync().WaitAsync(cancellationToken) : Task.CompletedTask;

    private async Task<Tenant> SetStateAsync(string reference, TenantState state, string action, Actor actor, CancellationToken cancellationToken)
    {
        var tenant = await GetAsync(reference, cancellationToken);
        if (tenant.State == state)
        {
            return tenant;
        }

        return grains is not null
            ? await Grain(tenant.TenantId).SetStateAsync(state, action, actor).WaitAsync(cancellationToken)
            : await Operations.SetStateAsync(tenant, state, action, actor, cancellationToken);
    }

    private async Task<Tenant> GetByIdAsync(long tenantId, CancellationToken cancellationToken) =>
        await store.GetAsync(tenantId, cancellationToken) ?? throw HostedMailException.NotFound($"unknown tenant '{tenantId.ToString(CultureInfo.InvariantCulture)}'");

    private ITenantGrain Grain(long tenantId) => grains!.GetGrain<ITenantGrain>(tenantId);

    private TenantOperations Operations => operations ?? throw new InvalidOperationException("TenantOperations is not registered");
}
