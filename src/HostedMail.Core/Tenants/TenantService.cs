using System.Globalization;
using HostedMail.Core.Audit;

namespace HostedMail.Core.Tenants;

/// <summary>Creates and finds tenants; owns the rules for tenant names and plans.</summary>
public sealed class TenantService(ITenantStore store)
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
        var tag = string.IsNullOrWhiteSpace(language) ? null : TenantLanguage.Parse(language);
        var audit = new AuditEntry(tenant.TenantId, actor, "tenant.language", tenant.Name, new Dictionary<string, string> { ["language"] = tag ?? TenantLanguage.English });
        await store.SetLanguageAsync(tenant.TenantId, tag, audit, cancellationToken);
        return tenant with { Language = tag };
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
        var audit = new AuditEntry(tenant.TenantId, actor, "tenant.set-plan", tenant.Name, new Dictionary<string, string> { ["from"] = tenant.Plan, ["to"] = cleanPlan });
        return await store.UpdateAsync(tenant.TenantId, cleanPlan, null, audit, cancellationToken) ?? throw HostedMailException.NotFound($"unknown tenant '{reference}'");
    }

    /// <summary>
    /// Suspends a tenant: its mailboxes can no longer log in, and sessions already open end on
    /// every node (the store's change moves the credentials and publishes the revocation in the
    /// same transaction); mail to it is deferred (4xx), not refused, so nothing is lost.
    /// </summary>
    public Task<Tenant> SuspendAsync(string reference, Actor actor, CancellationToken cancellationToken = default) =>
        SetStateAsync(reference, TenantState.Suspended, "tenant.suspend", actor, cancellationToken);

    /// <summary>Lifts a suspension: logins and mail delivery work again.</summary>
    public Task<Tenant> ResumeAsync(string reference, Actor actor, CancellationToken cancellationToken = default) =>
        SetStateAsync(reference, TenantState.Active, "tenant.resume", actor, cancellationToken);

    private async Task<Tenant> SetStateAsync(string reference, TenantState state, string action, Actor actor, CancellationToken cancellationToken)
    {
        var tenant = await GetAsync(reference, cancellationToken);
        if (tenant.State == state)
        {
            return tenant;
        }

        return await store.UpdateAsync(tenant.TenantId, null, state, new AuditEntry(tenant.TenantId, actor, action, tenant.Name), cancellationToken)
            ?? throw HostedMailException.NotFound($"unknown tenant '{reference}'");
    }
}
