using System.Globalization;
using HostedMail.Core.Aliases;
using HostedMail.Core.Audit;
using HostedMail.Core.Directory;
using HostedMail.Core.Domains;
using HostedMail.Core.Mailboxes;
using HostedMail.Core.Plans;

namespace HostedMail.Core.Tenants;

/// <summary>
/// The tenant changes themselves: plan, state and language, and the additions its plan limits,
/// each checked against the usage counted at the moment of the change. <see cref="ITenantGrain"/>
/// runs these one at a time per tenant, cluster-wide; a process outside a cluster (an operator
/// tool against a stopped service, tests of one component) runs them directly.
/// </summary>
public sealed class TenantOperations(
    ITenantStore store,
    ITenantDirectoryStore directory,
    DomainService domains,
    MailboxService mailboxes,
    AliasService aliases,
    PlanCatalog plans)
{
    public PlanCatalog Plans => plans;

    public async Task<Tenant> GetAsync(long tenantId, CancellationToken cancellationToken = default) =>
        await store.GetAsync(tenantId, cancellationToken) ?? throw HostedMailException.NotFound($"unknown tenant '{tenantId.ToString(CultureInfo.InvariantCulture)}'");

    public Task<TenantUsage> GetUsageAsync(long tenantId, CancellationToken cancellationToken = default) => directory.GetUsageAsync(tenantId, cancellationToken);

    /// <summary>Moves the tenant to another plan; only plans the deployment knows, so a typo never becomes a plan.</summary>
    public async Task<Tenant> SetPlanAsync(Tenant tenant, string plan, Actor actor, CancellationToken cancellationToken = default)
    {
        var cleanPlan = (plan ?? string.Empty).Trim().ToLowerInvariant();
        if (!plans.Plans.ContainsKey(cleanPlan))
        {
            throw HostedMailException.Invalid($"unknown plan '{cleanPlan}'; known plans: {string.Join(", ", plans.Plans.Keys.Order(StringComparer.Ordinal))}");
        }

        var audit = new AuditEntry(tenant.TenantId, actor, "tenant.set-plan", tenant.Name, new Dictionary<string, string> { ["from"] = tenant.Plan, ["to"] = cleanPlan });
        return await store.UpdateAsync(tenant.TenantId, cleanPlan, null, audit, cancellationToken) ?? throw Unknown(tenant.TenantId);
    }

    /// <summary>Suspends or resumes (see <see cref="TenantService.SuspendAsync"/>); no change and no audit entry when already there.</summary>
    public async Task<Tenant> SetStateAsync(Tenant tenant, TenantState state, string action, Actor actor, CancellationToken cancellationToken = default)
    {
        if (tenant.State == state)
        {
            return tenant;
        }

        return await store.UpdateAsync(tenant.TenantId, null, state, new AuditEntry(tenant.TenantId, actor, action, tenant.Name), cancellationToken) ?? throw Unknown(tenant.TenantId);
    }

    public async Task<Tenant> SetLanguageAsync(Tenant tenant, string? language, Actor actor, CancellationToken cancellationToken = default)
    {
        var tag = string.IsNullOrWhiteSpace(language) ? null : TenantLanguage.Parse(language);
        var audit = new AuditEntry(tenant.TenantId, actor, "tenant.language", tenant.Name, new Dictionary<string, string> { ["language"] = tag ?? TenantLanguage.English });
        await store.SetLanguageAsync(tenant.TenantId, tag, audit, cancellationToken);
        return tenant with { Language = tag };
    }

    /// <summary>Adds a domain if the plan allows one more; <paramref name="operatorVerified"/> (operator commands) skips the DNS proof and is audited.</summary>
    public async Task<Domain> AddDomainAsync(Tenant tenant, string name, Actor actor, bool operatorVerified = false, CancellationToken cancellationToken = default)
    {
        // A duplicate is a conflict whatever the plan: checked before the limit.
        await domains.CheckAddableAsync(tenant.TenantId, name, cancellationToken);
        PlanEnforcer.CheckAddDomain(plans.For(tenant.Plan), await directory.GetUsageAsync(tenant.TenantId, cancellationToken));
        return await domains.AddAsync(tenant.TenantId, name, actor, operatorVerified, cancellationToken);
    }

    public async Task<Mailbox> CreateMailboxAsync(Tenant tenant, string address, string password, long? quotaBytes, string? displayName, Actor actor, CancellationToken cancellationToken = default)
    {
        PlanEnforcer.CheckAddMailbox(plans.For(tenant.Plan), await directory.GetUsageAsync(tenant.TenantId, cancellationToken), quotaBytes ?? MailboxService.DefaultQuotaBytes);
        return await mailboxes.CreateAsync(tenant.TenantId, address, password, quotaBytes, displayName, actor, cancellationToken);
    }

    public async Task<Mailbox> UpdateMailboxAsync(Tenant tenant, long mailboxId, MailboxUpdate update, Actor actor, CancellationToken cancellationToken = default)
    {
        var mailbox = await directory.FindMailboxAsync(tenant.TenantId, mailboxId, cancellationToken) ?? throw HostedMailException.NotFound("no such mailbox");
        if (update.QuotaBytes is { } quota && quota > mailbox.QuotaBytes)
        {
            var usage = await directory.GetUsageAsync(tenant.TenantId, cancellationToken);
            PlanEnforcer.CheckStorage(plans.For(tenant.Plan), usage.QuotaBytesAllocated - mailbox.QuotaBytes + quota);
        }

        var details = new Dictionary<string, string>();
        if (update.QuotaBytes is { } q)
        {
            details["quota_bytes"] = q.ToString(CultureInfo.InvariantCulture);
        }

        if (update.State is { } state)
        {
            details["enabled"] = state == MailboxState.Active ? "true" : "false";
        }

        return await directory.UpdateMailboxAsync(tenant.TenantId, mailbox.MailboxId, update, new AuditEntry(tenant.TenantId, actor, "mailbox.update", mailbox.Address, details), cancellationToken)
            ?? throw HostedMailException.NotFound("no such mailbox");
    }

    public async Task<Alias> CreateAliasAsync(Tenant tenant, string address, IReadOnlyList<string> targets, Actor actor, CancellationToken cancellationToken = default)
    {
        PlanEnforcer.CheckAddAlias(plans.For(tenant.Plan), await directory.GetUsageAsync(tenant.TenantId, cancellationToken));
        return await aliases.CreateAsync(tenant.TenantId, address, targets, actor, cancellationToken);
    }

    /// <summary>The messages per hour the tenant may send: the smaller of its plan's and the deployment's tenant limit (0: none).</summary>
    public int? HourlySendingLimit(Tenant tenant, int configuredPerHour)
    {
        var plan = plans.For(tenant.Plan).MaxMessagesPerHour;
        var configured = configuredPerHour > 0 ? configuredPerHour : (int?)null;
        return (plan, configured) switch
        {
            (null, null) => null,
            ({ } p, null) => p,
            (null, { } c) => c,
            ({ } p, { } c) => Math.Min(p, c),
        };
    }

    private static HostedMailException Unknown(long tenantId) => HostedMailException.NotFound($"unknown tenant '{tenantId.ToString(CultureInfo.InvariantCulture)}'");
}
