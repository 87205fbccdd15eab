namespace HostedMail.Core.Domains;

/// <summary>Whether a published record matches what we expect.</summary>
public enum RecordStatus
{
    Ok,
    Missing,
    Wrong,
    /// <summary>DNS did not answer; nothing is concluded.</summary>
    Unknown,
}

/// <summary>The background check state of one domain.</summary>
public sealed record DomainHealth(
    long TenantId,
    long DomainId,
    DateTimeOffset NextCheckAt,
    int FailedChecks,
    DateTimeOffset? LastCheckedAt,
    RecordStatus? MxStatus,
    DateTimeOffset? MxProblemSince);

/// <summary>A domain due for its background check.</summary>
public sealed record DueDomainCheck(long TenantId, long DomainId, string Name, DomainState State, int FailedChecks, RecordStatus? MxStatus, DateTimeOffset? MxProblemSince);

/// <summary>Schedules the background DNS checks; claims use <c>FOR UPDATE SKIP LOCKED</c> so nodes share the work.</summary>
public interface IDomainHealthStore
{
    /// <summary>Gives every domain without a schedule one, due at <paramref name="now"/> (domains added by the CLI or before this table existed).</summary>
    Task ScheduleMissingAsync(DateTimeOffset now, CancellationToken cancellationToken);

    Task ScheduleAsync(long tenantId, long domainId, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>Claims up to <paramref name="limit"/> due checks, pushing them <paramref name="lease"/> ahead so another node does not take them too.</summary>
    Task<IReadOnlyList<DueDomainCheck>> ClaimDueAsync(DateTimeOffset now, TimeSpan lease, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Like <see cref="ClaimDueAsync"/> for the domains named <paramref name="name"/> (one per tenant
    /// that added it), giving a schedule, due now, to those without one: what the domain's grain runs.
    /// </summary>
    Task<IReadOnlyList<DueDomainCheck>> ClaimDueAsync(string name, DateTimeOffset now, TimeSpan lease, CancellationToken cancellationToken);

    Task RecordAsync(long tenantId, long domainId, DateTimeOffset checkedAt, DateTimeOffset nextCheckAt, int failedChecks, RecordStatus? mxStatus, DateTimeOffset? mxProblemSince, Audit.AuditEntry? audit, CancellationToken cancellationToken);

    Task<DomainHealth?> GetAsync(long tenantId, long domainId, CancellationToken cancellationToken);
}
