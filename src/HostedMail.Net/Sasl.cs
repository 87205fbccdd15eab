using System.Buffers.Text;
using System.Text;
using System.Text.Unicode;

namespace HostedMail.Net;

/// <summary>Credentials a SASL exchange produced. <see cref="ToString"/> never shows the password.</summary>
/// <param name="Username">The authentication identity (authcid).</param>
/// <param name="Password">The password as sent.</param>
/// <param name="AuthorizationIdentity">The authzid of PLAIN when it was given and differs from nothing; null when empty (RFC 4616 section 2).</param>
public sealed record SaslCredentials(string Username, string Password, string? AuthorizationIdentity)
{
    /// <summary>
    /// OAUTHBEARER/XOAUTH2: <see cref="Password"/> is an OAuth 2.0 access token and
    /// <see cref="Username"/> the login it claims (empty when OAUTHBEARER named no authzid).
    /// </summary>
    public bool IsBearerToken { get; init; }

    /// <inheritdoc />
    public override string ToString() => $"SaslCredentials {{ Username = {Username}, AuthorizationIdentity = {AuthorizationIdentity} }}";
}

/// <summary>What a mechanism step produced.</summary>
public enum SaslStepKind
{
    /// <summary>Send <see cref="SaslStep.Challenge"/> and wait for the client's response.</summary>
    Challenge,
    /// <summary>The exchange is done: verify <see cref="SaslStep.Credentials"/>.</summary>
    Credentials,
    /// <summary>The client's message was malformed: fail the exchange (SMTP 501 5.5.2, IMAP BAD, POP3 -ERR).</summary>
    Malformed,
    /// <summary>The client sent "*" (RFC 4954 section 4, RFC 9051 section 6.2.2, RFC 5034 section 4): answer 501 / BAD / -ERR.</summary>
    Cancelled,
}

/// <summary>One step of a server-side SASL exchange.</summary>
public readonly record struct SaslStep(SaslStepKind Kind, ReadOnlyMemory<byte> Challenge = default, SaslCredentials? Credentials = null, string? Error = null)
{
    /// <summary>The challenge base64-encoded for the wire (after "334 " or "+ ").</summary>
    public string ChallengeBase64 => Convert.ToBase64String(Challenge.Span);
}

/// <summary>
/// A server-side SASL mechanism (RFC 4422). One instance per exchange; the session gets it from
/// <see cref="SaslMechanismRegistry"/> and drives it through <see cref="SaslServerExchange"/>.
/// OAUTHBEARER (RFC 7628) and XOAUTH2 are future subclasses whose Credentials carry a token.
/// </summary>
public abstract class SaslMechanism
{
    /// <summary>The IANA name, upper case.</summary>
    public abstract string Name { get; }

    /// <summary>Plaintext-password mechanisms must only be offered over TLS (RFC 4616 section 6, RFC 8314).</summary>
    public virtual bool RequiresTls => true;

    /// <summary>Carries an OAuth 2.0 bearer token: offered only over TLS, whatever the plaintext settings (RFC 7628 section 5).</summary>
    public virtual bool CarriesBearerToken => false;

    /// <summary>First step; <paramref name="hasInitialResponse"/> tells an absent initial response from an empty one.</summary>
    public abstract SaslStep Start(bool hasInitialResponse, ReadOnlySpan<byte> initialResponse);

    /// <summary>Next step with the decoded client response.</summary>
    public abstract SaslStep Continue(ReadOnlySpan<byte> response);
}

/// <summary>PLAIN, RFC 4616: [authzid] NUL authcid NUL passwd, all UTF-8.</summary>
public sealed class PlainSaslMechanism : SaslMechanism
{
    /// <inheritdoc />
    public override string Name => "PLAIN";

    /// <inheritdoc />
    public override SaslStep Start(bool hasInitialResponse, ReadOnlySpan<byte> initialResponse) =>
        // Without an initial response the server sends an empty challenge (RFC 4616 section 2).
        hasInitialResponse ? Continue(initialResponse) : new SaslStep(SaslStepKind.Challenge);

    /// <inheritdoc />
    public override SaslStep Continue(ReadOnlySpan<byte> response)
    {
        var message = response;
        var first = message.IndexOf((byte)0);
        if (first < 0)
        {
            return Malformed("expected authzid NUL authcid NUL passwd");
        }
        var rest = message[(first + 1)..];
        var second = rest.IndexOf((byte)0);
        if (second < 0)
        {
            return Malformed("expected authzid NUL authcid NUL passwd");
        }
        var authzid = message[..first];
        var authcid = rest[..second];
        var passwd = rest[(second + 1)..];
        // authcid and passwd are 1*SAFE (1 to 255 octets, no NUL); authzid 0*255 (section 2).
        if (authcid.IsEmpty || passwd.IsEmpty || authcid.Length > 255 || passwd.Length > 255 || authzid.Length > 255
            || passwd.Contains((byte)0) || !Utf8.IsValid(message))
        {
            return Malformed("invalid authcid, authzid or password");
        }
        return new SaslStep(SaslStepKind.Credentials, Credentials: new SaslCredentials(
            Encoding.UTF8.GetString(authcid),
            Encoding.UTF8.GetString(passwd),
            authzid.IsEmpty ? null : Encoding.UTF8.GetString(authzid)));
    }

    private static SaslStep Malformed(string why) => new(SaslStepKind.Malformed, Error: why);
}

/// <summary>
/// LOGIN (draft-murchison-sasl-login-00): "Username:" then "Password:" challenges. Obsolete but
/// what Outlook and many phones still use. An initial response carries the username.
/// </summary>
public sealed class LoginSaslMechanism : SaslMechanism
{
    private static readonly ReadOnlyMemory<byte> UsernameChallenge = "Username:"u8.ToArray();
    private static readonly ReadOnlyMemory<byte> PasswordChallenge = "Password:"u8.ToArray();
    private string? _username;

    /// <inheritdoc />
    public override string Name => "LOGIN";

    /// <inheritdoc />
    public override SaslStep Start(bool hasInitialResponse, ReadOnlySpan<byte> initialResponse) =>
        hasInitialResponse ? Continue(initialResponse) : new SaslStep(SaslStepKind.Challenge, UsernameChallenge);

    /// <inheritdoc />
    public override SaslStep Continue(ReadOnlySpan<byte> response)
    {
        if (response.IsEmpty || response.Length > 255 || response.Contains((byte)0) || !Utf8.IsValid(response))
        {
            return new SaslStep(SaslStepKind.Malformed, Error: _username is null ? "invalid username" : "invalid password");
        }
        if (_username is null)
        {
            _username = Encoding.UTF8.GetString(response);
            return new SaslStep(SaslStepKind.Challenge, PasswordChallenge);
        }
        return new SaslStep(SaslStepKind.Credentials, Credentials: new SaslCredentials(_username, Encoding.UTF8.GetString(response), null));
    }
}

/// <summary>The mechanisms a server offers, by name. <see cref="Default"/> has PLAIN and LOGIN.</summary>
public sealed class SaslMechanismRegistry
{
    private readonly Dictionary<string, Func<SaslMechanism>> _factories = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<string> _names = [];

    private readonly HashSet<string> _bearer = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>PLAIN and LOGIN, then OAUTHBEARER and XOAUTH2 (offered only where <see cref="NamesFor"/> says).</summary>
    public static SaslMechanismRegistry Default { get; } = new SaslMechanismRegistry()
        .Add("PLAIN", static () => new PlainSaslMechanism())
        .Add("LOGIN", static () => new LoginSaslMechanism())
        .Add("OAUTHBEARER", static () => new OAuthBearerSaslMechanism(), bearer: true)
        .Add("XOAUTH2", static () => new XOAuth2SaslMechanism(), bearer: true);

    /// <summary>Names in the order to advertise them (EHLO AUTH, IMAP CAPABILITY, POP3 CAPA SASL).</summary>
    public IReadOnlyList<string> Names => _names;

    /// <summary>Adds a mechanism; the factory is called once per exchange. A bearer mechanism carries OAuth tokens.</summary>
    public SaslMechanismRegistry Add(string name, Func<SaslMechanism> factory, bool bearer = false)
    {
        _factories.Add(name, factory);
        _names.Add(name.ToUpperInvariant());
        if (bearer)
        {
            _bearer.Add(name);
        }

        return this;
    }

    /// <summary>
    /// The names to advertise on a connection: bearer mechanisms only when tokens can be checked
    /// and only over TLS (a bearer token is as good as a password to whoever sees it).
    /// </summary>
    public IEnumerable<string> NamesFor(bool isTls, bool bearerTokens) =>
        _names.Where(n => !_bearer.Contains(n) || isTls && bearerTokens);

    /// <summary>Like <see cref="TryCreate"/>, refusing what <see cref="NamesFor"/> would not advertise.</summary>
    public bool TryCreate(string name, bool isTls, bool bearerTokens, out SaslMechanism mechanism)
    {
        if (_bearer.Contains(name) && !(isTls && bearerTokens))
        {
            mechanism = null!;
            return false;
        }

        return TryCreate(name, out mechanism);
    }

    /// <summary>Creates a fresh mechanism instance, or false for an unknown name (SMTP 504 5.5.4).</summary>
    public bool TryCreate(string name, out SaslMechanism mechanism)
    {
        if (_factories.TryGetValue(name, out var factory))
        {
            mechanism = factory();
            return true;
        }
        mechanism = null!;
        return false;
    }
}

/// <summary>
/// Drives one mechanism with the base64 text lines of SMTP AUTH / IMAP AUTHENTICATE / POP3 AUTH:
/// decodes, handles "=" (empty initial response, RFC 4954 section 4) and "*" (cancel). The
/// protocol's framing (334, "+ ") stays in the session.
/// </summary>
public sealed class SaslServerExchange(SaslMechanism mechanism)
{
    /// <summary>The mechanism being run.</summary>
    public SaslMechanism Mechanism { get; } = mechanism;

    /// <summary>Starts with the initial response as sent on the command line, or null when there was none.</summary>
    public SaslStep Begin(string? initialResponse)
    {
        if (initialResponse is null)
        {
            return Mechanism.Start(false, default);
        }
        if (initialResponse == "=")
        {
            return Mechanism.Start(true, default);
        }
        return TryDecode(Encoding.ASCII.GetBytes(initialResponse), out var decoded, out var error)
            ? Mechanism.Start(true, decoded)
            : error;
    }

    /// <summary>Continues with one response line (without CRLF) as read from the wire.</summary>
    public SaslStep Respond(ReadOnlySpan<byte> line)
    {
        if (line.SequenceEqual("*"u8))
        {
            return new SaslStep(SaslStepKind.Cancelled);
        }
        return TryDecode(line, out var decoded, out var error) ? Mechanism.Continue(decoded) : error;
    }

    private static bool TryDecode(ReadOnlySpan<byte> base64, out byte[] decoded, out SaslStep error)
    {
        decoded = [];
        error = default;
        var buffer = new byte[Base64.GetMaxDecodedFromUtf8Length(base64.Length)];
        // Strict RFC 4648 base64: no whitespace, correct padding.
        if (base64.Contains((byte)' ') || Base64.DecodeFromUtf8(base64, buffer, out _, out var written) != System.Buffers.OperationStatus.Done)
        {
            error = new SaslStep(SaslStepKind.Malformed, Error: "invalid base64");
            return false;
        }
        decoded = buffer[..written];
        return true;
    }
}
