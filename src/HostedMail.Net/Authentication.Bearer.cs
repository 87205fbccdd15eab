using HostedMail.Core.Security;

namespace HostedMail.Net;

// OAuth 2.0 bearer tokens (SASL OAUTHBEARER, RFC 7628, and XOAUTH2).
public sealed partial class MailAuthenticator
{
    // Implementation notes:
    // - Only over TLS (RFC 7628 section 5): a token is as good as a password for its lifetime.
    // - The token is checked on every login, never from the cache of verified passwords: its
    //   status lives in PostgreSQL (IMailAccessTokenValidator), so a revocation on any node is
    //   seen by the next login on every node.
    // - Failures are counted like failed passwords (per address and per login); a login without
    //   an authzid (OAUTHBEARER allows it) is counted against the token's subject once known, and
    //   against the address only while it is not.
    // - The mailbox must still be able to log in (active, in an active tenant, on a verified
    //   domain) and be the very mailbox the token was issued for (same tenant and id): a deleted
    //   and re-created address does not inherit old tokens.

    private const string AnonymousBearer = "oauthbearer:no-authzid";

    /// <summary>Whether this node can check bearer tokens (an OAuth server is configured): only then are OAUTHBEARER and XOAUTH2 offered.</summary>
    public bool SupportsBearerTokens => tokens is not null && mailboxes is not null;

    /// <summary>The SASL mechanisms to advertise on a connection.</summary>
    public IEnumerable<string> MechanismNames(ConnectionInfo connection) =>
        SaslMechanismRegistry.Default.NamesFor(connection.IsTls, SupportsBearerTokens);

    /// <summary>Creates a mechanism the connection may use (bearer ones only over TLS), or false (SMTP 504, IMAP NO, POP3 -ERR).</summary>
    public bool TryCreateMechanism(string name, ConnectionInfo connection, out SaslMechanism mechanism) =>
        SaslMechanismRegistry.Default.TryCreate(name, connection.IsTls, SupportsBearerTokens, out mechanism);

    private async ValueTask<AuthResult> AuthenticateBearerAsync(SaslCredentials credentials, ConnectionInfo connection, CancellationToken cancellationToken)
    {
        if (!connection.IsTls || tokens is null || mailboxes is null)
        {
            return BearerFailure("invalid_token");
        }

        var address = IpKey.Normalize(connection.RemoteEndPoint.Address, penalties.Ipv6PrefixLength).ToString();
        var login = credentials.Username.Length > 0 ? credentials.Username : AnonymousBearer;
        if (await CheckLimiterAsync(address, login, cancellationToken) is { } refused)
        {
            return refused;
        }

        var check = await tokens.ValidateAsync(credentials.Password, cancellationToken);
        if (check.Status == MailAccessTokenStatus.Unavailable)
        {
            return AuthResult.TemporaryFailure;
        }

        if (check.Status != MailAccessTokenStatus.Valid)
        {
            return await BearerFailedAsync(address, login, check.Status == MailAccessTokenStatus.InsufficientScope ? "insufficient_scope" : "invalid_token", cancellationToken);
        }

        if (credentials.Username.Length == 0)
        {
            login = check.Address!;
            if (await CheckLimiterAsync(address, login, cancellationToken) is { } locked)
            {
                return locked;
            }
        }
        else if (!credentials.Username.Equals(check.Address, StringComparison.OrdinalIgnoreCase))
        {
            // A token for mailbox A presented as B: the token is not valid for this login.
            return await BearerFailedAsync(address, login, "invalid_token", cancellationToken);
        }

        Core.Mailboxes.Mailbox? mailbox;
        try
        {
            mailbox = await mailboxes.FindLoginAsync(check.Address!, cancellationToken);
        }
        catch (System.Data.Common.DbException)
        {
            return AuthResult.TemporaryFailure;
        }

        if (mailbox is null || mailbox.TenantId != check.TenantId || mailbox.MailboxId != check.MailboxId)
        {
            return await BearerFailedAsync(address, login, "invalid_token", cancellationToken);
        }

        await RecordAsync(address, login, succeeded: true, cancellationToken);
        // No credential stamp: a token is not a password; a push about the mailbox or a mailbox that may no longer log in ends the session.
        sessions?.Authenticated(connection.ConnectionId, mailbox.Address, new Core.Mailboxes.SessionLogin(mailbox.TenantId, mailbox.MailboxId, null));
        return new AuthResult(AuthStatus.Succeeded, mailbox.Address, mailbox);
    }

    private async ValueTask<AuthResult> BearerFailedAsync(string address, string login, string status, CancellationToken cancellationToken)
    {
        try
        {
            await RecordAsync(address, login, succeeded: false, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return AuthResult.TemporaryFailure;
        }

        return BearerFailure(status);
    }

    private AuthResult BearerFailure(string status) =>
        new(AuthStatus.Failed, SaslErrorChallenge: OAuthSasl.ErrorChallenge(status, "mail", tokens?.OpenIdConfiguration));
}
