using HostedMail.Core.Accounts;
using HostedMail.Core.Aliases;
using HostedMail.Core.ApiTokens;
using HostedMail.Core.AppPasswords;
using HostedMail.Core.Audit;
using HostedMail.Core.Domains;
using HostedMail.Core.Mailboxes;
using HostedMail.Core.Plans;

namespace HostedMail.Portal.Endpoints;

// The JSON shapes of the API. Ids are numbers; times are RFC 3339 (UTC); names are camelCase.

/// <summary>
/// A portal user of this tenant (a membership). Until it is confirmed (<c>status</c> <c>invited</c>)
/// nothing of the person's account shows: whether it had a password or two-factor before would tell
/// the tenant that the address has an account elsewhere.
/// </summary>
internal sealed record UserDto(long Id, string Email, string? DisplayName, [property: JsonValues("owner", "admin", "billing", "read_only")] string Role, [property: JsonValues("invited", "active")] string Status, bool EmailConfirmed, bool TwoFactorEnabled, DateTimeOffset CreatedAt)
{
    public static UserDto From(PortalUser u)
    {
        var confirmed = u.EmailConfirmedAt is not null;
        return new(u.UserId, u.Email, u.DisplayName, u.Role.Name(), confirmed ? "active" : "invited", confirmed, confirmed && u.TotpEnabled, u.CreatedAt);
    }
}

/// <summary>A tenant the signed-in account may work in; sign in with its <c>tenantId</c> to switch.</summary>
internal sealed record TenantChoiceDto(long Id, string Name, string DisplayName, [property: JsonValues("owner", "admin", "billing", "read_only")] string Role);

internal sealed record SessionInfoDto(UserDto User, long TenantId, string TenantName, [property: JsonValues("session", "api-token")] string AuthenticatedBy, string? CsrfToken, IReadOnlyList<string>? Scopes, IReadOnlyList<TenantChoiceDto> Tenants);

internal sealed record SessionDto(long Id, DateTimeOffset CreatedAt, DateTimeOffset LastSeenAt, DateTimeOffset ExpiresAt, string? RemoteAddress, string? UserAgent, bool Current)
{
    public static SessionDto From(PortalSession s, long currentId) =>
        new(s.SessionId, s.CreatedAt, s.LastSeenAt, s.ExpiresAt, s.RemoteAddress?.ToString(), s.UserAgent, s.SessionId == currentId);
}

internal sealed record ApiTokenDto(long Id, string Name, string Prefix, IReadOnlyList<string> Scopes, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, DateTimeOffset? LastUsedAt, DateTimeOffset? RevokedAt)
{
    public static ApiTokenDto From(ApiToken t) => new(t.TokenId, t.Name, t.Prefix, t.Scopes, t.CreatedAt, t.ExpiresAt, t.LastUsedAt, t.RevokedAt);
}

internal sealed record CreatedApiTokenDto(ApiTokenDto Token, string Secret);

internal sealed record DnsRecordDto(string Type, string Name, string Value);

internal sealed record DomainDto(long Id, string Name, string DisplayName, [property: JsonValues("verified", "pending")] string State, DateTimeOffset? VerifiedAt,
    [property: JsonValues("dns", "operator")] string? VerifiedBy, DnsRecordDto VerificationRecord, DateTimeOffset CreatedAt, DomainHealthDto? Health)
{
    public static DomainDto From(Domain d, DomainHealth? health) => new(
        d.DomainId, d.Name, DomainName.ToUnicode(d.Name), d.State == DomainState.Verified ? "verified" : "pending", d.VerifiedAt,
        d.VerifiedBy switch { DomainVerifiedBy.Dns => "dns", DomainVerifiedBy.Operator => "operator", _ => null },
        new DnsRecordDto("TXT", d.VerificationRecordName, d.VerificationRecordValue), d.CreatedAt,
        health is null ? null : new DomainHealthDto(health.LastCheckedAt, health.NextCheckAt, Status(health.MxStatus), health.MxProblemSince, health.FailedChecks));

    public static string? Status(RecordStatus? s) => s switch
    {
        RecordStatus.Ok => "ok",
        RecordStatus.Missing => "missing",
        RecordStatus.Wrong => "wrong",
        RecordStatus.Unknown => "unknown",
        _ => null,
    };
}

/// <param name="MxProblemSince">Set while the domain's MX does not point here: mail is going elsewhere.</param>
internal sealed record DomainHealthDto(DateTimeOffset? LastCheckedAt, DateTimeOffset NextCheckAt, [property: JsonValues("ok", "missing", "wrong", "unknown")] string? MxStatus, DateTimeOffset? MxProblemSince, int FailedChecks);

internal sealed record VerificationResultDto(DomainDto Domain, bool Verified, [property: JsonValues("ok", "missing", "wrong", "unknown")] string? Status, IReadOnlyList<string> Found, string Expected, string? Error);

internal sealed record RecordCheckDto(string Kind, string Type, string Name, string Expected, [property: JsonValues("ok", "missing", "wrong", "unknown")] string Status, IReadOnlyList<string> Found, bool Required, string Purpose, string? Note);

internal sealed record DomainRecordsDto(long DomainId, string Domain, IReadOnlyList<RecordCheckDto> Records, string ZoneFile);

internal sealed record DkimKeyDto(string Selector, string DnsName, string DnsValue, DateTimeOffset CreatedAt, bool Signing);

internal sealed record MailboxDto(long Id, long DomainId, string Address, string? DisplayName, long QuotaBytes, long UsedBytes, [property: JsonValues("active", "disabled")] string State, DateTimeOffset CreatedAt)
{
    public static MailboxDto From(Mailbox m) => new(m.MailboxId, m.DomainId, m.Address, m.DisplayName, m.QuotaBytes, m.UsedBytes, m.State == MailboxState.Active ? "active" : "disabled", m.CreatedAt);
}

internal sealed record AppPasswordDto(long Id, string Name, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt)
{
    public static AppPasswordDto From(AppPassword a) => new(a.AppPasswordId, a.Name, a.CreatedAt, a.LastUsedAt);
}

internal sealed record CreatedAppPasswordDto(AppPasswordDto AppPassword, string Password);

internal sealed record AliasDto(long Id, long DomainId, string Address, bool CatchAll, IReadOnlyList<string> Targets, DateTimeOffset CreatedAt)
{
    public static AliasDto From(Alias a) => new(a.AliasId, a.DomainId, a.Address, a.IsCatchAll, a.Targets, a.CreatedAt);
}

internal sealed record AuditDto(long Id, DateTimeOffset OccurredAt, string Actor, string? RemoteAddress, string Action, string Target, IReadOnlyDictionary<string, string>? Details)
{
    public static AuditDto From(AuditRecord r) => new(r.AuditId, r.OccurredAt, r.Actor, r.RemoteAddress?.ToString(), r.Action, r.Target, r.Details);
}

/// <summary>The shape of every list: one page of items and how many there are in all (see <see cref="Paging"/>).</summary>
internal sealed record ListDto<T>(IReadOnlyList<T> Items, int Total);

/// <summary>A list of audit entries: <see cref="ListDto{T}"/> plus a cursor, since new entries keep arriving at the top.</summary>
internal sealed record AuditPageDto(IReadOnlyList<AuditDto> Items, int Total, long? NextBefore);

internal sealed record TenantDto(long Id, string Name, string DisplayName, string Plan, [property: JsonValues("active", "suspended")] string State, DateTimeOffset CreatedAt, PlanLimits Limits, TenantUsage Usage);
