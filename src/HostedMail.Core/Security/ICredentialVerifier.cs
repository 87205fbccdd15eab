using System.Net;

namespace HostedMail.Core.Security;

// The contract between the mail protocols' authentication (HostedMail.Net) and the project that
// checks credentials (HostedMail.Identity): here so that neither references the other.

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
/// <param name="TlsProtocol">Negotiated TLS version, e.g. "TLSv1.3" (HostedMail.Net's <c>TlsNames</c>), or null.</param>
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
/// Checks a username and password of a mail login (SMTP AUTH, IMAP, POP3) for HostedMail.Net's
/// <c>MailAuthenticator</c>; implemented over the database, with a slow password hash, by
/// HostedMail.Identity's <c>MailboxCredentialVerifier</c>. Return <see cref="AuthResult.Failed"/> for unknown
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
