using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using HostedMail.Core.Audit;
using HostedMail.Core.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenIddict.Abstractions;
using OpenIddict.EntityFrameworkCore.Models;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace HostedMail.Identity.OAuth.Grants;

/// <summary>One grant as its tenant's admins and its mailbox's user see it: who allowed which client what, and when it was last used.</summary>
public sealed record OAuthGrant(
    string Id,
    long MailboxId,
    string Address,
    string ClientId,
    string ClientName,
    IReadOnlyList<string> Scopes,
    DateTimeOffset CreatedAt,
    DateTimeOffset? LastUsedAt);

/// <summary>
/// The grant ledger: every authorization a person gives on the consent or device page is created
/// here with its tenant and mailbox (<c>oauth.grants</c>), so a tenant's grants can be listed and
/// revoked without trusting an address alone (addresses are reused after a mailbox is deleted).
/// Revoking a grant revokes its authorization and every token issued under it.
/// </summary>
public sealed partial class OAuthGrants(
    OAuthRecordsDbContext records,
    OAuthDbContext oauth,
    IOpenIddictApplicationManager applications,
    IOpenIddictAuthorizationManager authorizations,
    IOpenIddictTokenManager tokens,
    IAuditLog audit,
    TimeProvider time,
    ILogger<OAuthGrants> logger)
{
    /// <summary>At most this many grants are listed (newest first).</summary>
    public const int ListLimit = 500;

    /// <summary>
    /// Creates the authorization the tokens will hang off (instead of OpenIddict's implicit ad-hoc
    /// one) and records its tenant and mailbox; sets its id on <paramref name="principal"/>.
    /// </summary>
    internal async Task AttachAsync(ClaimsPrincipal principal, string clientId, CancellationToken cancellationToken)
    {
        if (ApiOAuth.IsPortalUser(principal))
        {
            // The ledger lists mailboxes' grants (mail access); a portal user's API authorization is
            // made by OpenIddict itself and ends with the account's sessions and tokens.
            return;
        }

        var subject = principal.GetClaim(Claims.Subject)!;
        if (!long.TryParse(principal.GetClaim(OAuthServerOptions.TenantClaim), NumberStyles.None, CultureInfo.InvariantCulture, out var tenantId)
            || !long.TryParse(principal.GetClaim(OAuthServerOptions.MailboxClaim), NumberStyles.None, CultureInfo.InvariantCulture, out var mailboxId))
        {
            throw new InvalidOperationException("the signed-in principal lacks its tenant or mailbox");
        }

        var application = await applications.FindByClientIdAsync(clientId, cancellationToken) ?? throw new InvalidOperationException("unknown client " + clientId);
        var applicationId = await applications.GetIdAsync(application, cancellationToken);
        var authorization = await authorizations.CreateAsync(principal, subject, applicationId!, AuthorizationTypes.AdHoc, principal.GetScopes(), cancellationToken);
        var authorizationId = await authorizations.GetIdAsync(authorization, cancellationToken);
        records.Grants.Add(new GrantRow
        {
            AuthorizationId = authorizationId!,
            TenantId = tenantId,
            MailboxId = mailboxId,
            Address = subject,
            ClientId = clientId,
            CreatedAt = time.GetUtcNow(),
        });
        await records.SaveChangesAsync(cancellationToken);
        principal.SetAuthorizationId(authorizationId);
    }

    /// <summary>The tenant's valid grants, newest first; only <paramref name="mailboxId"/>'s when given.</summary>
    public async Task<IReadOnlyList<OAuthGrant>> ListAsync(long tenantId, long? mailboxId, CancellationToken cancellationToken)
    {
        var ledger = await records.Grants.AsNoTracking()
            .Where(g => g.TenantId == tenantId && (mailboxId == null || g.MailboxId == mailboxId))
            .OrderByDescending(g => g.CreatedAt).Take(ListLimit * 2)
            .ToListAsync(cancellationToken);
        if (ledger.Count == 0)
        {
            return [];
        }

        var ids = ledger.Select(g => g.AuthorizationId).ToList();
        var live = await oauth.Set<OpenIddictEntityFrameworkCoreAuthorization>().AsNoTracking()
            .Where(a => ids.Contains(a.Id!) && a.Status == Statuses.Valid)
            .Select(a => new
            {
                a.Id,
                a.Scopes,
                Name = a.Application!.DisplayName,
                LastUsed = a.Tokens.Max(t => t.CreationDate),
            })
            .ToDictionaryAsync(a => a.Id!, cancellationToken);
        return ledger.Where(g => live.ContainsKey(g.AuthorizationId)).Take(ListLimit).Select(g =>
        {
            var a = live[g.AuthorizationId];
            return new OAuthGrant(g.AuthorizationId, g.MailboxId, g.Address, g.ClientId, a.Name ?? g.ClientId,
                a.Scopes is null ? [] : JsonSerializer.Deserialize<string[]>(a.Scopes) ?? [],
                g.CreatedAt, a.LastUsed is { } used ? new DateTimeOffset(DateTime.SpecifyKind(used, DateTimeKind.Utc)) : null);
        }).ToList();
    }

    /// <summary>
    /// Revokes one grant of the tenant (of <paramref name="mailboxId"/> only, when given) with all
    /// its tokens; false when the tenant has no such grant, so another tenant's id looks unknown.
    /// </summary>
    public async Task<bool> RevokeAsync(long tenantId, string grantId, long? mailboxId, Actor actor, CancellationToken cancellationToken)
    {
        var grant = await records.Grants.AsNoTracking()
            .FirstOrDefaultAsync(g => g.AuthorizationId == grantId && g.TenantId == tenantId && (mailboxId == null || g.MailboxId == mailboxId), cancellationToken);
        if (grant is null || await authorizations.FindByIdAsync(grantId, cancellationToken) is not { } authorization
            || !await authorizations.HasStatusAsync(authorization, Statuses.Valid, cancellationToken))
        {
            return false;
        }

        await RevokeAuthorizationAsync(authorization, grantId, cancellationToken);
        GrantRevoked(logger, grantId, grant.TenantId, grant.ClientId, actor.Name);
        await audit.AppendAsync(new AuditEntry(grant.TenantId, actor, "oauth-grant.revoke", grantId, new Dictionary<string, string>
        {
            ["client_id"] = grant.ClientId,
            ["mailbox"] = grant.Address,
        }), cancellationToken);
        return true;
    }

    /// <summary>Revokes every grant of the tenant's mailboxes for one client (an admin denied it).</summary>
    public async Task<int> RevokeClientAsync(long tenantId, string clientId, CancellationToken cancellationToken)
    {
        var grants = await records.Grants.AsNoTracking().Where(g => g.TenantId == tenantId && g.ClientId == clientId)
            .Select(g => g.AuthorizationId).ToListAsync(cancellationToken);
        var count = 0;
        foreach (var grantId in grants)
        {
            if (await authorizations.FindByIdAsync(grantId, cancellationToken) is { } authorization && await authorizations.HasStatusAsync(authorization, Statuses.Valid, cancellationToken))
            {
                await RevokeAuthorizationAsync(authorization, grantId, cancellationToken);
                count++;
            }
        }

        return count;
    }

    /// <summary>Every grant and token of the address, including grants made before the ledger existed.</summary>
    internal async Task<int> RevokeSubjectAsync(string address, CancellationToken cancellationToken)
    {
        var ended = await authorizations.RevokeBySubjectAsync(address, cancellationToken);
        await tokens.RevokeBySubjectAsync(address, cancellationToken);
        return (int)ended;
    }

    private async Task RevokeAuthorizationAsync(object authorization, string id, CancellationToken cancellationToken)
    {
        await authorizations.TryRevokeAsync(authorization, cancellationToken);
        // The mail protocols read each token's status at login, so this takes effect on every node at once.
        // Sessions already logged in with a token (an IDLE phone that was lost) end too: the token
        // manager (SessionEndingTokenManager) tells the mailbox's grain, like for a token revoked by
        // its client or a refresh-token chain revoked for reuse.
        await tokens.RevokeByAuthorizationIdAsync(id, cancellationToken);
    }

    [LoggerMessage(EventId = 9020, Level = LogLevel.Information, Message = "OAuth grant {GrantId} of tenant {TenantId} for client {ClientId} revoked by {Actor}")]
    private static partial void GrantRevoked(ILogger logger, string grantId, long tenantId, string clientId, string actor);
}

/// <summary>
/// <see cref="IOAuthGrantRevoker"/> for Core (a singleton, so it opens a scope per call): a
/// password change, a disabled or deleted mailbox ends its OAuth grants.
/// </summary>
internal sealed partial class OAuthGrantRevoker(IServiceScopeFactory scopes, ILogger<OAuthGrantRevoker> logger) : IOAuthGrantRevoker
{
    public async Task<int> RevokeMailboxAsync(long tenantId, long mailboxId, string address, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var ended = await scope.ServiceProvider.GetRequiredService<OAuthGrants>().RevokeSubjectAsync(address, cancellationToken);
        MailboxGrantsRevoked(logger, ended, tenantId, mailboxId);
        return ended;
    }

    [LoggerMessage(EventId = 9021, Level = LogLevel.Information, Message = "Revoked {Count} OAuth grants of mailbox {MailboxId} in tenant {TenantId} (credentials changed or mailbox disabled)")]
    private static partial void MailboxGrantsRevoked(ILogger logger, int count, long tenantId, long mailboxId);
}
