using HostedMail.Core.Mailboxes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Core;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace HostedMail.Identity.OAuth.Grants;

/// <summary>
/// OpenIddict's token manager, which also ends the open mail sessions when tokens of a mailbox's
/// grant are revoked: it tells the mailbox's grain (<see cref="ICredentialRevocationNotifier"/>),
/// whose watching nodes end the mailbox's IMAP, POP3 and SMTP sessions that logged in with a token.
/// </summary>
/// <remarks>
/// Implementation notes:
/// - Tokens are revoked in three places, all through this manager: a grant revoked by its user or
///   an admin (<see cref="OAuthGrants"/>: every token of the authorization), the revocation
///   endpoint (RFC 7009: the one token the client presents), and OpenIddict's reuse detection
///   (RFC 9700 section 4.14.2: a spent refresh token presented again revokes it and then every
///   token of its authorization). Overriding the manager covers the three without copying
///   OpenIddict's handlers.
/// - The grain is told after the store saved the change (the base call returns after the update),
///   so a session that logs in again reads the revoked status.
/// - A single token tells only when it was valid: a reused refresh token is already "redeemed", and
///   the revocation of its chain that follows tells. Within one request (the manager is scoped) an
///   authorization tells once.
/// - The mailbox comes from the grant ledger (<c>oauth.grants</c>), never from the token's address
///   (addresses are reused after a mailbox is deleted). Tokens without a ledger row (a portal
///   user's API tokens, grants older than the ledger) have no mail sessions to end.
/// - Sessions that logged in with a password or an app password go on (their credential stamp did
///   not change); a token session whose own grant is still valid can log in again.
/// </remarks>
public sealed class SessionEndingTokenManager<TToken>(
    IOpenIddictTokenCache<TToken> cache,
    ILogger<OpenIddictTokenManager<TToken>> logger,
    IOptionsMonitor<OpenIddictCoreOptions> options,
    IOpenIddictTokenStore<TToken> store,
    OAuthRecordsDbContext records,
    ICredentialRevocationNotifier? revocations = null)
    : OpenIddictTokenManager<TToken>(cache, logger, options, store) where TToken : class
{
    private readonly HashSet<string> _told = new(StringComparer.Ordinal);

    public override async ValueTask<bool> TryRevokeAsync(TToken token, CancellationToken cancellationToken = default)
    {
        var wasValid = await HasStatusAsync(token, Statuses.Valid, cancellationToken);
        var revoked = await base.TryRevokeAsync(token, cancellationToken);
        if (revoked && wasValid)
        {
            await TellAsync(await GetAuthorizationIdAsync(token, cancellationToken), cancellationToken);
        }

        return revoked;
    }

    public override async ValueTask<long> RevokeByAuthorizationIdAsync(string identifier, CancellationToken cancellationToken = default)
    {
        var revoked = await base.RevokeByAuthorizationIdAsync(identifier, cancellationToken);
        // Told even when no token was left to revoke: a session may outlive its token's expiry.
        await TellAsync(identifier, cancellationToken);
        return revoked;
    }

    private async Task TellAsync(string? authorizationId, CancellationToken cancellationToken)
    {
        if (revocations is null || string.IsNullOrEmpty(authorizationId) || !_told.Add(authorizationId))
        {
            return;
        }

        var grant = await records.Grants.AsNoTracking()
            .Where(g => g.AuthorizationId == authorizationId)
            .Select(g => new { g.TenantId, g.MailboxId })
            .FirstOrDefaultAsync(cancellationToken);
        if (grant is not null)
        {
            await revocations.MailboxRevokedAsync(grant.TenantId, grant.MailboxId, cancellationToken);
        }
    }
}
