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
}
