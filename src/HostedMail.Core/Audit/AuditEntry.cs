using System.Net;
using Orleans;

namespace HostedMail.Core.Audit;

/// <summary>Who is making a change and from where; recorded with every change in the audit log.</summary>
/// <param name="Name">For example <c>operator:cli</c> or <c>admin:alice@example.com</c>.</param>
[GenerateSerializer]
[Alias("HostedMail.Actor")]
public sealed record Actor(string Name, IPAddress? RemoteAddress = null)
{
    public static Actor OperatorCli { get; } = new("operator:cli");
}

/// <summary>One audit log line: an action by an actor on a target, with optional details.</summary>
public sealed record AuditEntry(
    long? TenantId,
    Actor Actor,
    string Action,
    string Target,
    IReadOnlyDictionary<string, string>? Details = null);

/// <summary>A stored audit log line.</summary>
public sealed record AuditRecord(
    long AuditId,
    long? TenantId,
    DateTimeOffset OccurredAt,
    string Actor,
    IPAddress? RemoteAddress,
    string Action,
    string Target,
    IReadOnlyDictionary<string, string>? Details);

/// <summary>
/// What a reader of the audit log asks for; every field narrows the list and null means any.
/// </summary>
/// <param name="Action">An exact action (<c>domain.verify</c>) or its kind, the part before the first dot (<c>domain</c>).</param>
/// <param name="Actor">Part of the actor, case-insensitive (<c>alice@</c>).</param>
/// <param name="Target">Part of the target, case-insensitive.</param>
/// <param name="Since">Entries at or after this instant.</param>
/// <param name="Until">Entries before this instant.</param>
public sealed record AuditFilter(string? Action = null, string? Actor = null, string? Target = null, DateTimeOffset? Since = null, DateTimeOffset? Until = null);

/// <summary>Reads the audit log; entries are written by the stores together with each change.</summary>
public interface IAuditLog
{
    /// <summary>
    /// Writes one entry on its own, after a change made outside the stores has been committed (the
    /// OAuth server's records, kept by OpenIddict's EF Core context): a failure here leaves the
    /// change made and unaudited, never the reverse.
    /// </summary>
    Task AppendAsync(AuditEntry entry, CancellationToken cancellationToken);

    /// <summary>Newest first: entries that match <paramref name="filter"/> and are older than <paramref name="beforeAuditId"/> (when given), skipping <paramref name="offset"/>.</summary>
    Task<IReadOnlyList<AuditRecord>> ListAsync(long? tenantId, AuditFilter filter, int offset, int limit, long? beforeAuditId, CancellationToken cancellationToken);

    /// <summary>How many entries <see cref="ListAsync"/> pages through.</summary>
    Task<int> CountAsync(long? tenantId, AuditFilter filter, long? beforeAuditId, CancellationToken cancellationToken);

    /// <summary>The distinct actions recorded for the tenant, in order, for a reader to choose from.</summary>
    Task<IReadOnlyList<string>> ListActionsAsync(long? tenantId, CancellationToken cancellationToken);
}
