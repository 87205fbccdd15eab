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

/// <summary>Reads the audit log; entries are written by the stores together with each change.</summary>
public interface IAuditLog
{
    /// <summary>
    /// Writes one entry on its own, after a change made outside the stores has been committed (the
    /// OAuth server's records, kept by OpenIddict's EF Core context): a failure here leaves the
    /// change made and unaudited, never the reverse.
    /// </summary>
    Task AppendAsync(AuditEntry entry, CancellationToken cancellationToken);

    /// <summary>Newest first: entries older than <paramref name="beforeAuditId"/> (when given), skipping <paramref name="offset"/>.</summary>
    Task<IReadOnlyList<AuditRecord>> ListAsync(long? tenantId, int offset, int limit, long? beforeAuditId, CancellationToken cancellationToken);

    /// <summary>How many entries <see cref="ListAsync"/> pages through.</summary>
    Task<int> CountAsync(long? tenantId, long? beforeAuditId, CancellationToken cancellationToken);
}
