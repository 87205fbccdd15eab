using HostedMail.Core.Audit;
using Orleans;

namespace HostedMail.Core.Tenants;

/// <summary>A customer organisation: owns domains, mailboxes, admins, a plan and a bill.</summary>
/// <param name="Name">The slug (<see cref="TenantName"/>); tenants created before the rule may have other names.</param>
/// <param name="DisplayName">The name people see.</param>
[GenerateSerializer]
[Alias("HostedMail.Tenant")]
public sealed record Tenant(long TenantId, string Name, string DisplayName, string Plan, TenantState State, DateTimeOffset CreatedAt)
{
    /// <summary>The language of the service's texts to the tenant's people (delivery notifications): a <see cref="TenantLanguage"/> tag, or null for English.</summary>
    [Id(100)]
    public string? Language { get; init; }
}

/// <summary>The languages the service writes system texts in.</summary>
public static class TenantLanguage
{
    public const string English = "en";
    public const string German = "de";

    public static IReadOnlyList<string> Supported { get; } = [English, German];

    /// <summary>The supported tag for <paramref name="value"/> ("de", "DE", "de-AT" all give "de"); throws Validation for others.</summary>
    public static string Parse(string value)
    {
        var primary = (value ?? string.Empty).Trim().Split('-', '_')[0].ToLowerInvariant();
        return Supported.Contains(primary) ? primary : throw HostedMailException.Invalid($"unsupported language '{value}': use {string.Join(" or ", Supported)}");
    }
}

/// <summary>Whether a tenant's mail flows. A suspended tenant's mail is deferred, not lost.</summary>
[GenerateSerializer]
public enum TenantState
{
    Active,
    Suspended,
}

/// <summary>Tenant persistence; every write records its audit entry in the same transaction.</summary>
public interface ITenantStore
{
    /// <summary>Creates the tenant; throws a Conflict <see cref="HostedMailException"/> if the name is taken.</summary>
    Task<Tenant> CreateAsync(string name, string displayName, string plan, AuditEntry audit, CancellationToken cancellationToken);

    Task<Tenant?> GetAsync(long tenantId, CancellationToken cancellationToken);

    Task<Tenant?> FindByNameAsync(string name, CancellationToken cancellationToken);

    Task<IReadOnlyList<Tenant>> ListAsync(CancellationToken cancellationToken);

    /// <summary>Sets the tenant's language (null: English); throws NotFound when there is no such tenant.</summary>
    Task SetLanguageAsync(long tenantId, string? language, AuditEntry audit, CancellationToken cancellationToken);

    /// <summary>
    /// Changes the plan and/or the state (null: unchanged) with its audit entry; null when the
    /// tenant does not exist. Suspending revokes every credential of the tenant's mailboxes in the
    /// same transaction (logins stop at once on every node and open sessions are told).
    /// </summary>
    Task<Tenant?> UpdateAsync(long tenantId, string? plan, TenantState? state, AuditEntry audit, CancellationToken cancellationToken);
}
