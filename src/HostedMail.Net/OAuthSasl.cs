using System.Text;
using System.Text.Unicode;

namespace HostedMail.Net;

/// <summary>
/// What OAUTHBEARER and XOAUTH2 share: one client message (sent at once or after an empty
/// challenge), at most <see cref="OAuthSasl.MaxMessage"/> bytes of UTF-8, carrying a bearer token.
/// </summary>
public abstract class BearerTokenSaslMechanism : SaslMechanism
{
    /// <inheritdoc />
    public override bool CarriesBearerToken => true;

    /// <inheritdoc />
    public override SaslStep Start(bool hasInitialResponse, ReadOnlySpan<byte> initialResponse) =>
        hasInitialResponse ? Continue(initialResponse) : new SaslStep(SaslStepKind.Challenge);

    /// <inheritdoc />
    public override SaslStep Continue(ReadOnlySpan<byte> response)
    {
        if (response.Length > OAuthSasl.MaxMessage || !Utf8.IsValid(response))
        {
            return OAuthSasl.Malformed("message too long or not UTF-8");
        }

        var text = Encoding.UTF8.GetString(response);
        return Parse(text);
    }

    /// <summary>Reads the client's message, already checked for size and UTF-8.</summary>
    protected abstract SaslStep Parse(string text);
}

/// <summary>
/// OAUTHBEARER, RFC 7628 section 3.1: <c>gs2-header kvsep *(kvpair) kvsep</c>, where the GS2
/// header is <c>n,</c> or <c>y,</c> and an optional <c>a=authzid</c>, kvsep is 0x01, and the
/// token comes as <c>auth=Bearer token</c>. Channel binding (<c>p=</c>) is not supported.
/// </summary>
public sealed class OAuthBearerSaslMechanism : BearerTokenSaslMechanism
{
    /// <inheritdoc />
    public override string Name => "OAUTHBEARER";

    /// <inheritdoc />
    protected override SaslStep Parse(string text)
    {
        // gs2-header = gs2-cb-flag "," [ gs2-authzid ] "," (RFC 5801 section 4).
        var first = text.IndexOf(',', StringComparison.Ordinal);
        var second = first < 0 ? -1 : text.IndexOf(',', first + 1);
        if (first < 0 || second < 0)
        {
            return OAuthSasl.Malformed("expected a GS2 header");
        }

        var flag = text[..first];
        if (flag is not ("n" or "y"))
        {
            return OAuthSasl.Malformed("channel binding is not supported");
        }

        string? authzid = null;
        var authzidPart = text[(first + 1)..second];
        if (authzidPart.Length > 0)
        {
            if (!authzidPart.StartsWith("a=", StringComparison.Ordinal))
            {
                return OAuthSasl.Malformed("invalid authzid");
            }

            // saslname: "=2C" is ',' and "=3D" is '=' (RFC 5801 section 4).
            authzid = authzidPart[2..].Replace("=2C", ",", StringComparison.Ordinal).Replace("=3D", "=", StringComparison.Ordinal);
        }

        var rest = text[(second + 1)..];
        if (!rest.StartsWith('\x01') || !rest.EndsWith("\x01\x01", StringComparison.Ordinal))
        {
            return OAuthSasl.Malformed("expected kvsep-separated pairs ending in two kvseps");
        }

        string? token = null;
        foreach (var pair in rest[1..^2].Split('\x01'))
        {
            if (pair.StartsWith("auth=", StringComparison.Ordinal))
            {
                token = OAuthSasl.BearerToken(pair[5..]);
            }
        }

        return token is null
            ? OAuthSasl.Malformed("expected auth=Bearer <token>")
            : OAuthSasl.Credentials(authzid ?? string.Empty, token, authzid);
    }
}

/// <summary>
/// XOAUTH2 (Google's, what most mail clients still send): <c>user=login 0x01 auth=Bearer token
/// 0x01 0x01</c>. Like OAUTHBEARER, a failure sends a JSON error challenge first.
/// </summary>
public sealed class XOAuth2SaslMechanism : BearerTokenSaslMechanism
{
    /// <inheritdoc />
    public override string Name => "XOAUTH2";

    /// <inheritdoc />
    protected override SaslStep Parse(string text)
    {
        if (!text.EndsWith("\x01\x01", StringComparison.Ordinal))
        {
            return OAuthSasl.Malformed("expected pairs ending in two 0x01");
        }

        string? user = null;
        string? token = null;
        foreach (var pair in text[..^2].Split('\x01'))
        {
            if (pair.StartsWith("user=", StringComparison.Ordinal))
            {
                user = pair[5..];
            }
            else if (pair.StartsWith("auth=", StringComparison.Ordinal))
            {
                token = OAuthSasl.BearerToken(pair[5..]);
            }
        }

        return user is not { Length: > 0 and <= 255 } || token is null
            ? OAuthSasl.Malformed("expected user=<login> and auth=Bearer <token>")
            : OAuthSasl.Credentials(user, token, user);
    }
}

/// <summary>What the two bearer mechanisms share.</summary>
public static class OAuthSasl
{
    /// <summary>A token is a few KiB at most; anything far larger is not one.</summary>
    internal const int MaxMessage = 16 * 1024;

    /// <summary>
    /// The RFC 7628 section 3.2.2 error the server sends as a challenge before failing:
    /// <c>{"status":"invalid_token","schemes":"bearer","scope":"mail"}</c>, plus the discovery
    /// document's address when known so the client can get a new token.
    /// </summary>
    public static byte[] ErrorChallenge(string status, string scope, string? openIdConfiguration)
    {
        var json = new StringBuilder("{\"status\":\"").Append(status).Append("\",\"schemes\":\"bearer\",\"scope\":\"").Append(scope).Append('"');
        if (openIdConfiguration is not null)
        {
            json.Append(",\"openid-configuration\":\"").Append(openIdConfiguration.Replace("\"", "%22", StringComparison.Ordinal)).Append('"');
        }

        return Encoding.UTF8.GetBytes(json.Append('}').ToString());
    }

    /// <summary>"Bearer" is case-insensitive (RFC 6750 section 2.1, RFC 7628 section 3.1), one space, then the b64token.</summary>
    internal static string? BearerToken(string value)
    {
        if (value.Length < 8 || !value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var token = value[7..].Trim(' ');
        return token.Length == 0 || token.Any(c => c is < '!' or > '~') ? null : token;
    }

    internal static SaslStep Credentials(string username, string token, string? authzid) =>
        new(SaslStepKind.Credentials, Credentials: new SaslCredentials(username, token, authzid) { IsBearerToken = true });

    internal static SaslStep Malformed(string why) => new(SaslStepKind.Malformed, Error: why);
}
