using System.Net;
using HostedMail.Core.Mailboxes;
using HostedMail.Core.Security;

namespace HostedMail.Net;

/// <summary>Outcome of an authentication attempt.</summary>
public enum AuthStatus
{
    /// <summary>Credentials are valid.</summary>
    Succeeded,
    /// <summary>Unknown user or wrong password (answer without saying which): SMTP 535 5.7.8, IMAP NO [AUTHENTICATIONFAILED], POP3 -ERR [AUTH].</summary>
    Failed,
    /// <summary>Too many failures from this address or for this user; try after <see cref="AuthResult.RetryAfter"/>: SMTP 454 4.7.0, IMAP NO [UNAVAILABLE], POP3 -ERR [SYS/TEMP].</summary>
    LockedOut,
    /// <summary>The verifier could not decide (database down): SMTP 454 4.7.0, IMAP NO [UNAVAILABLE].</summary>
    TemporaryFailure,
}

/// <summary>Result of authentication.</summary>
/// <param name="Status">What happened.</param>
/// <param name="Subject">On success, the canonical identity the verifier resolved (mailbox id or address).</param>
/// <param name="Principal">On success, whatever object the verifier wants the session to get back (the mailbox); opaque here.</param>
/// <param name="RetryAfter">For <see cref="AuthStatus.LockedOut"/>, how long until the lockout ends.</param>
/// <param name="Credential">On success, which of the subject's credentials matched (opaque here; an app password's login); handed back to <see cref="ICredentialVerifier.CachedSuccessAsync"/> when the cached success answers a later login.</param>
/// <param name="SaslErrorChallenge">For a failed bearer token, the RFC 7628 section 3.2.2 JSON error the session sends as a challenge before its final failure reply.</param>
public sealed record AuthResult(AuthStatus Status, string? Subject = null, object? Principal = null, TimeSpan? RetryAfter = null, object? Credential = null, byte[]? SaslErrorChallenge = null)
{
    /// <summary>A plain failure.</summary>
    public static AuthResult Failed { get; } = new(AuthStatus.Failed);

    /// <summary>A temporary failure.</summary>
    public static AuthResult TemporaryFailure { get; } = new(AuthStatus.TemporaryFailure);
}

/// <summary>Facts about one client connection, as the session and the verifier see them.</summary>
/// <param name="ConnectionId">Kestrel's connection id, for log scopes.</param>
/// <param name="ListenerName">The listener ("smtp", "submission", "imaps", ...).</param>
/// <param name="RemoteEndPoint">The client: from the PROXY header when the listener uses one, else the socket peer.</param>
/// <param name="LocalEndPoint">The address the client connected to.</param>
/// <param name="IsTls">Whether the connection is encrypted now (implicit TLS or after STARTTLS).</param>
/// <param name="TlsServerName">The SNI name the client sent, if any.</param>
/// <param name="TlsProtocol">Negotiated TLS version, e.g. "TLSv1.3" (<see cref="TlsNames"/>), or null.</param>
/// <param name="TlsCipherSuite">Negotiated cipher suite name, or null (for the Received header, RFC 8314 section 4.3).</param>
public sealed record ConnectionInfo(
    string ConnectionId,
    string ListenerName,
    IPEndPoint RemoteEndPoint,
    IPEndPoint? LocalEndPoint,
    bool IsTls = false,
    string? TlsServerName = null,
    string? TlsProtocol = null,
    string? TlsCipherSuite = null);

/// <summary>
/// Checks a username and password against the store (implemented over the database, with a
/// slow password hash, outside this project). Return <see cref="AuthResult.Failed"/> for unknown
/// users too, after comparable work, so timing does not reveal which users exist.
/// </summary>
public interface ICredentialVerifier
{
    /// <summary>Verifies; must not throw for wrong credentials, only for cancellation.</summary>
    ValueTask<AuthResult> VerifyAsync(string username, string password, ConnectionInfo connection, CancellationToken cancellationToken);

    /// <summary>
    /// A value that changes whenever a credential of <paramref name="username"/> is revoked, read
    /// from the record every node shares; null when the user may not log in at all. A cached
    /// success is trusted only while it is unchanged, so a revocation works at once on every
    /// node. The default (a constant) keeps cached successes for their time to live. Must not
    /// throw when the store does not answer: null then (the verification reports the outage).
    /// </summary>
    ValueTask<long?> CredentialStampAsync(string username, CancellationToken cancellationToken) => ValueTask.FromResult<long?>(0);

    /// <summary>
    /// A cached success answered a login without verifying again: the verifier may note the use
    /// (an app password's last use), cheaply, since it runs on every such login. Must not throw
    /// when the store does not answer.
    /// </summary>
    ValueTask CachedSuccessAsync(AuthResult cached, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}

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
