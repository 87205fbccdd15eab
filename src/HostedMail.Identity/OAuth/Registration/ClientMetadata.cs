using System.Text.Json;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace HostedMail.Identity.OAuth.Registration;

/// <summary>The client metadata a dynamic registration keeps (RFC 7591 section 2), already checked.</summary>
internal sealed record ClientMetadata(
    IReadOnlyList<string> RedirectUris,
    IReadOnlyList<string> GrantTypes,
    IReadOnlyList<string> Scopes,
    string? ClientName,
    string? SoftwareId,
    string? SoftwareVersion)
{
    /// <summary>The RFC 7591 section 3.2.1 response members for this metadata.</summary>
    public Dictionary<string, object?> ToJson() => new()
    {
        ["redirect_uris"] = RedirectUris,
        ["token_endpoint_auth_method"] = ClientAuthenticationMethods.None,
        ["grant_types"] = GrantTypes,
        ["response_types"] = new[] { ResponseTypes.Code },
        ["application_type"] = ApplicationTypes.Native,
        ["scope"] = string.Join(' ', Scopes),
        ["client_name"] = ClientName,
        ["software_id"] = SoftwareId,
        ["software_version"] = SoftwareVersion,
    };
}

/// <summary>A refused registration: an RFC 7591 section 3.2.2 error code and a description for the developer.</summary>
internal sealed record RegistrationError(string Error, string Description)
{
    public const string InvalidRedirectUri = "invalid_redirect_uri";
    public const string InvalidClientMetadata = "invalid_client_metadata";
}

/// <summary>
/// Checks registration requests for public native clients only (RFC 8252): no secret
/// (<c>token_endpoint_auth_method=none</c>), the code grant with PKCE (and refresh tokens), and
/// redirect URIs a native app can own: loopback http on any port (section 7.3), a private-use
/// scheme named after a reversed domain (section 7.1) or https (section 7.2).
/// </summary>
internal static class ClientMetadataRules
{
    // Implementation notes:
    // - Pure: no I/O, so every refusal is unit-testable and the endpoint only maps the result.
    // - Omitted members get the native defaults (RFC 7591 section 2 lets the server substitute
    //   values); a member that asks for something we do not offer is refused, never ignored.

    public const int MaxRedirectUris = 10;
    public const int MaxUriLength = 2000;
    public const int MaxNameLength = 100;

    /// <summary>Members that only confidential clients send: refused rather than silently dropped.</summary>
    private static readonly string[] ConfidentialMembers = ["client_secret", "jwks", "jwks_uri", "tls_client_auth_subject_dn", "token_endpoint_auth_signing_alg"];

    public static (ClientMetadata? Metadata, RegistrationError? Error) Check(JsonElement body, IReadOnlyCollection<string> offeredScopes)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            return Fail(RegistrationError.InvalidClientMetadata, "The body must be a JSON object of client metadata (RFC 7591 section 2).");
        }

        var method = OptionalString(body, "token_endpoint_auth_method", out var bad);
        if (bad is not null)
        {
            return Fail(RegistrationError.InvalidClientMetadata, bad);
        }

        // RFC 7591 section 2 defaults to client_secret_basic; only public clients are registered here.
        if (method is not null && method != ClientAuthenticationMethods.None)
        {
            return Fail(RegistrationError.InvalidClientMetadata,
                $"Only public native clients can register: token_endpoint_auth_method must be \"none\", not \"{method}\".");
        }

        foreach (var member in ConfidentialMembers)
        {
            if (body.TryGetProperty(member, out _))
            {
                return Fail(RegistrationError.InvalidClientMetadata, $"Only public native clients can register: \"{member}\" is not accepted.");
            }
        }

        var applicationType = OptionalString(body, "application_type", out bad);
        if (bad is not null || applicationType is not (null or ApplicationTypes.Native))
        {
            return Fail(RegistrationError.InvalidClientMetadata, bad ?? "Only native applications can register: application_type must be \"native\".");
        }

        var grantTypes = OptionalStrings(body, "grant_types", out bad) ?? [GrantTypes.AuthorizationCode, GrantTypes.RefreshToken];
        if (bad is not null)
        {
            return Fail(RegistrationError.InvalidClientMetadata, bad);
        }

        // RFC 9700 section 2.1.2 and 2.4: no implicit and no password grant.
        if (grantTypes.FirstOrDefault(g => g is not (GrantTypes.AuthorizationCode or GrantTypes.RefreshToken)) is { } grant)
        {
            return Fail(RegistrationError.InvalidClientMetadata, $"The grant type \"{grant}\" is not offered; use authorization_code (with PKCE) and refresh_token.");
        }

        if (!grantTypes.Contains(GrantTypes.AuthorizationCode))
        {
            return Fail(RegistrationError.InvalidClientMetadata, "grant_types must include authorization_code.");
        }

        var responseTypes = OptionalStrings(body, "response_types", out bad) ?? [ResponseTypes.Code];
        if (bad is not null || responseTypes.Count == 0 || responseTypes.Any(r => r != ResponseTypes.Code))
        {
            return Fail(RegistrationError.InvalidClientMetadata, bad ?? "response_types must be [\"code\"]: the implicit and hybrid flows are not offered.");
        }

        var scopeText = OptionalString(body, "scope", out bad);
        if (bad is not null)
        {
            return Fail(RegistrationError.InvalidClientMetadata, bad);
        }

        var scopes = scopeText is null ? new List<string>(offeredScopes) : scopeText.Split(' ', StringSplitOptions.RemoveEmptyEntries).Distinct(StringComparer.Ordinal).ToList();
        if (scopes.FirstOrDefault(s => !offeredScopes.Contains(s)) is { } unknown)
        {
            return Fail(RegistrationError.InvalidClientMetadata, $"The scope \"{unknown}\" is not offered; use {string.Join(' ', offeredScopes)}.");
        }

        if (!scopes.Contains(OAuthServerOptions.MailScope))
        {
            return Fail(RegistrationError.InvalidClientMetadata, "scope must include mail.");
        }

        var name = OptionalString(body, "client_name", out bad);
        if (bad is not null || name is not null && (name.Length is 0 or > MaxNameLength || name.Any(char.IsControl)))
        {
            return Fail(RegistrationError.InvalidClientMetadata, bad ?? $"client_name must be 1 to {MaxNameLength} printable characters.");
        }

        var softwareId = OptionalString(body, "software_id", out bad);
        var softwareVersion = bad is null ? OptionalString(body, "software_version", out bad) : null;
        if (bad is not null || softwareId?.Length > 200 || softwareVersion?.Length > 100)
        {
            return Fail(RegistrationError.InvalidClientMetadata, bad ?? "software_id and software_version must be short strings.");
        }

        var redirects = OptionalStrings(body, "redirect_uris", out bad);
        if (bad is not null)
        {
            return Fail(RegistrationError.InvalidRedirectUri, bad);
        }

        // RFC 7591 section 2: redirect-based grants need redirect URIs.
        if (redirects is null || redirects.Count == 0)
        {
            return Fail(RegistrationError.InvalidRedirectUri, "redirect_uris is required for the authorization code grant.");
        }

        if (redirects.Count > MaxRedirectUris)
        {
            return Fail(RegistrationError.InvalidRedirectUri, $"At most {MaxRedirectUris} redirect URIs.");
        }

        foreach (var redirect in redirects)
        {
            if (CheckRedirectUri(redirect) is { } problem)
            {
                return Fail(RegistrationError.InvalidRedirectUri, problem);
            }
        }

        return (new ClientMetadata(redirects.Distinct(StringComparer.Ordinal).ToList(), grantTypes.Distinct(StringComparer.Ordinal).ToList(), scopes, name, softwareId, softwareVersion), null);
    }

    /// <summary>Why a native client may not use <paramref name="text"/> as redirect URI, or null when it may.</summary>
    public static string? CheckRedirectUri(string text)
    {
        if (text.Length is 0 or > MaxUriLength || !Uri.TryCreate(text, UriKind.Absolute, out var uri))
        {
            return $"\"{Shorten(text)}\" is not an absolute URI.";
        }

        // RFC 6749 section 3.1.2: the redirection endpoint URI must not include a fragment.
        if (text.Contains('#', StringComparison.Ordinal))
        {
            return $"\"{Shorten(text)}\" has a fragment; redirect URIs must not (RFC 6749 section 3.1.2).";
        }

        if (uri.UserInfo.Length > 0)
        {
            return $"\"{Shorten(text)}\" carries user information.";
        }

        if (uri.Scheme == Uri.UriSchemeHttp)
        {
            // RFC 8252 section 7.3 and 8.3: plain http only to the loopback interface.
            return IsLoopbackHost(uri)
                ? null
                : $"\"{Shorten(text)}\" is plain http to a host other than the loopback interface; use http://127.0.0.1 or http://[::1] (RFC 8252 section 7.3), https or a private-use scheme.";
        }

        if (uri.Scheme == Uri.UriSchemeHttps)
        {
            return null;
        }

        // RFC 8252 section 7.1: a private-use scheme is a reversed domain name the app controls
        // (com.example.app:/cb), so one app cannot claim a bare word another app also uses.
        if (!uri.Scheme.Contains('.', StringComparison.Ordinal) || uri.Scheme.Split('.').Any(label => label.Length == 0))
        {
            return $"The scheme \"{uri.Scheme}\" is not a private-use scheme based on a reversed domain name (e.g. com.example.app:/oauth2redirect, RFC 8252 section 7.1).";
        }

        return null;
    }

    /// <summary>A loopback redirect is stored without its port: it then matches on any port (RFC 8252 section 7.3).</summary>
    public static string Normalize(string redirect)
    {
        var uri = new Uri(redirect);
        return uri.Scheme == Uri.UriSchemeHttp && !uri.IsDefaultPort
            ? new UriBuilder(uri) { Port = -1 }.Uri.AbsoluteUri
            : redirect;
    }

    private static bool IsLoopbackHost(Uri uri) =>
        uri.Host is "127.0.0.1" or "[::1]" or "localhost" || uri.HostNameType == UriHostNameType.IPv4 && uri.IsLoopback;

    private static string Shorten(string text) => text.Length > 100 ? text[..100] + "..." : text;

    private static string? OptionalString(JsonElement body, string name, out string? problem)
    {
        problem = null;
        if (!body.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            problem = $"{name} must be a string.";
            return null;
        }

        return value.GetString();
    }

    private static List<string>? OptionalStrings(JsonElement body, string name, out string? problem)
    {
        problem = null;
        if (!body.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Array || value.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String))
        {
            problem = $"{name} must be an array of strings.";
            return null;
        }

        return value.EnumerateArray().Select(e => e.GetString()!).ToList();
    }

    private static (ClientMetadata?, RegistrationError?) Fail(string error, string description) => (null, new RegistrationError(error, description));
}
