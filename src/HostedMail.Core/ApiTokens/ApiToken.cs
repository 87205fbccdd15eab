using HostedMail.Core.Accounts;
using HostedMail.Core.Audit;

namespace HostedMail.Core.ApiTokens;

/// <summary>A personal API token for automation: acts as its user, limited to its scopes, until it expires or is revoked.</summary>
public sealed record ApiToken(
    long TenantId,
    long TokenId,
    long UserId,
    string Name,
    string Prefix,
    IReadOnlyList<string> Scopes,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    DateTimeOffset? LastUsedAt,
    DateTimeOffset? RevokedAt);

/// <summary>API token persistence; creation and revocation are audited in the same transaction.</summary>
public interface IApiTokenStore
{
    Task<ApiToken> CreateAsync(long tenantId, long userId, string name, byte[] tokenHash, string prefix, IReadOnlyList<string> scopes, DateTimeOffset now, DateTimeOffset expiresAt, AuditEntry audit, CancellationToken cancellationToken);

    /// <summary>The live (not revoked, not expired) token with this hash and its user.</summary>
    Task<(ApiToken Token, PortalUser User)?> FindLiveAsync(byte[] tokenHash, DateTimeOffset now, CancellationToken cancellationToken);

    Task<IReadOnlyList<ApiToken>> ListAsync(long tenantId, long? userId, CancellationToken cancellationToken);

    Task<ApiToken?> GetAsync(long tenantId, long tokenId, CancellationToken cancellationToken);

    Task<bool> RevokeAsync(long tenantId, long tokenId, DateTimeOffset now, AuditEntry audit, CancellationToken cancellationToken);

    Task TouchAsync(long tenantId, long tokenId, DateTimeOffset now, CancellationToken cancellationToken);
}

/// <summary>What an API token may be allowed to do; the user's role still bounds it.</summary>
public static class ApiScopes
{
    public const string DomainsRead = "domains:read";
    public const string DomainsWrite = "domains:write";
    public const string MailboxesRead = "mailboxes:read";
    public const string MailboxesWrite = "mailboxes:write";
    public const string AliasesRead = "aliases:read";
    public const string AliasesWrite = "aliases:write";
    public const string AuditRead = "audit:read";
    public const string TenantRead = "tenant:read";
    public const string TrackingRead = "tracking:read";

    public static IReadOnlyList<string> All { get; } = [DomainsRead, DomainsWrite, MailboxesRead, MailboxesWrite, AliasesRead, AliasesWrite, AuditRead, TenantRead, TrackingRead];
}
