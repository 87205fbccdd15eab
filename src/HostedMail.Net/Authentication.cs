using System.Net;
using HostedMail.Core.Mailboxes;
using HostedMail.Core.Security;

namespace HostedMail.Net;

/// <summary>
/// The one entry point sessions use to check credentials: authorisation identity rule, lockout,
/// growing delay, cache of recent successes, then the verifier. Shared by SMTP, IMAP and POP3.
/// </summary>
/// <remarks>
/// Implementation notes: failures are counted cluster-wide per login and per client address
/// (IPv6 /64) by <see cref="IAuthenticationLimiter"/> (the mailbox's and the address's grains), so
/// a balancer spreading an attacker over N nodes gives no more attempts than one node. The delay
/// is awaited before verifying (on the injected TimeProvider), so an attacker's guesses slow down
/// without a thread being held. A lockout answers without asking the verifier, which also keeps a
/// locked-out flood off the database and the CPU. A limiter that cannot answer (the cluster is
/// changing) fails the attempt temporarily rather than let it through uncounted. A username
/// lockout also refuses the right password (else it would not stop guessing); that lets someone
/// lock a user out for <see cref="AuthPenaltyOptions.LockoutDuration"/>, which is why the
/// username threshold is high and the duration short.
/// </remarks>
public sealed partial class MailAuthenticator(ICredentialVerifier verifier, IAuthenticationLimiter limiter, AuthPenaltyOptions penalties, VerifiedCredentialCache cache, TimeProvider timeProvider,
    MailSessionRegistry? sessions = null, IMailAccessTokenValidator? tokens = null, MailboxService? mailboxes = null)
{
    /// <summary>Authenticates SASL credentials for a connection.</summary>
    public async ValueTask<AuthResult> AuthenticateAsync(SaslCredentials credentials, ConnectionInfo connection, CancellationToken cancellationToken)
    {
        var result = await AuthenticateCoreAsync(credentials, connection, cancellationToken);
        NetMetrics.AuthAttempt(result.Status);
        return result;
    }

    private async ValueTask<AuthResult> AuthenticateCoreAsync(SaslCredentials credentials, ConnectionInfo connection, CancellationToken cancellationToken)
    {
        if (credentials.IsBearerToken)
        {
            return await AuthenticateBearerAsync(credentials, connection, cancellationToken);
        }

        // RFC 4616 section 2: an authzid different from the authcid asks to act as someone else.
        // Nobody may do that here (no admin impersonation), so it fails like bad credentials.
        if (credentials.AuthorizationIdentity is { } authzid && !authzid.Equals(credentials.Username, StringComparison.OrdinalIgnoreCase))
        {
            return AuthResult.Failed;
        }
        var address = IpKey.Normalize(connection.RemoteEndPoint.Address, penalties.Ipv6PrefixLength).ToString();
        if (await CheckLimiterAsync(address, credentials.Username, cancellationToken) is { } refused)
        {
            return refused;
        }

        // The stamp is read before verifying: a revocation that lands while the verifier works
        // changes it, so the success cached below is not trusted again.
        var stamp = await verifier.CredentialStampAsync(credentials.Username, cancellationToken);
        if (stamp is { } known && cache.TryGet(credentials.Username, credentials.Password, known, out var cached))
        {
            await verifier.CachedSuccessAsync(cached, cancellationToken);
            await RecordAsync(address, credentials.Username, succeeded: true, cancellationToken);
            sessions?.Authenticated(connection.ConnectionId, cached.Subject ?? credentials.Username, LoginOf(cached, known));
            return cached;
        }
        var epoch = cache.Epoch;
        var result = await verifier.VerifyAsync(credentials.Username, credentials.Password, connection, cancellationToken);
        switch (result.Status)
        {
            case AuthStatus.Succeeded:
                await RecordAsync(address, credentials.Username, succeeded: true, cancellationToken);
                sessions?.Authenticated(connection.ConnectionId, result.Subject ?? credentials.Username, LoginOf(result, stamp));
                if (stamp is { } current)
                {
                    cache.Add(credentials.Username, credentials.Password, result, epoch, current);
                }
                break;
            case AuthStatus.Failed:
                try
                {
                    await RecordAsync(address, credentials.Username, succeeded: false, cancellationToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // Not counted: refuse for now rather than hand out an uncounted guess.
                    return AuthResult.TemporaryFailure;
                }
                break;
        }
        return result;
    }

    /// <summary>What the session registry watches for revocation: the mailbox the verifier resolved, and the stamp read before verifying.</summary>
    private static SessionLogin? LoginOf(AuthResult result, long? stamp) =>
        result.Principal is Mailbox mailbox ? new SessionLogin(mailbox.TenantId, mailbox.MailboxId, stamp) : null;

    /// <summary>The limiter's answer before any credential is checked: a refusal, or null after any delay it asks for.</summary>
    private async ValueTask<AuthResult?> CheckLimiterAsync(string address, string login, CancellationToken cancellationToken)
    {
        PenaltyDecision decision;
        try
        {
            decision = await limiter.CheckAsync(address, login, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return AuthResult.TemporaryFailure;
        }

        if (decision.LockedFor is { } lockedFor)
        {
            return new AuthResult(AuthStatus.LockedOut, RetryAfter: lockedFor);
        }

        if (decision.Delay > TimeSpan.Zero)
        {
            await Task.Delay(decision.Delay, timeProvider, cancellationToken);
        }

        return null;
    }

    private async ValueTask RecordAsync(string address, string username, bool succeeded, CancellationToken cancellationToken)
    {
        if (!succeeded)
        {
            await limiter.RecordFailureAsync(address, username, cancellationToken);
            return;
        }
        try
        {
            // The login's grain writes only when it has failures to clear.
            await limiter.RecordSuccessAsync(address, username, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The login stands; its old failures are forgotten later (ForgetAfter) instead.
        }
    }
}
