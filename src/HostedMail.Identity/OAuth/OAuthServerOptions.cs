using Microsoft.Extensions.Configuration;

namespace HostedMail.Identity.OAuth;

/// <summary>The <c>OAuth</c> section. The server runs only when <see cref="Issuer"/> is set (docs/oauth.md).</summary>
public sealed class OAuthServerOptions
{
    /// <summary>The mail access scope: IMAP, POP3 and SMTP submission of the signed-in mailbox.</summary>
    public const string MailScope = "mail";

    /// <summary>The audience (RFC 8707 resource) of tokens for the mail protocols.</summary>
    public const string MailAudience = "hostedmail-mail";

    /// <summary>Claims the access token carries beside "sub" (the mailbox address).</summary>
    public const string TenantClaim = "hm_tenant";

    public const string MailboxClaim = "hm_mailbox";

    /// <summary>The public URL of the node's HTTP listener as clients see it, e.g. <c>https://mail.example.com/</c>; empty turns the server off.</summary>
    public Uri? Issuer { get; init; }

    /// <summary>Refuse plain HTTP (RFC 9700 section 2.6); off only for tests and development on loopback.</summary>
    public bool RequireHttps { get; init; } = true;

    /// <summary>The one published public client for mail clients (RFC 8252 native app).</summary>
    public string MailClientId { get; init; } = "hostedmail-mail";

    /// <summary>Its redirect URIs: loopback ones match on any port (RFC 8252 section 7.3), the others exactly.</summary>
    public IReadOnlyList<string> MailClientRedirectUris { get; init; } =
        ["http://127.0.0.1/", "http://[::1]/", "http://localhost/", "https://localhost", "hostedmail:/oauth2redirect"];

    public TimeSpan AccessTokenLifetime { get; init; } = TimeSpan.FromHours(1);

    public TimeSpan RefreshTokenLifetime { get; init; } = TimeSpan.FromDays(30);

    /// <summary>Days a signing key is current before the next one takes over.</summary>
    public int KeyRotationDays { get; init; } = 30;

    public static OAuthServerOptions FromConfiguration(IConfiguration configuration)
    {
        var section = configuration.GetSection("OAuth");
        var issuer = section["Issuer"];
        var redirects = section.GetSection("MailClient:RedirectUris").Get<List<string>>();
        var defaults = new OAuthServerOptions();
        return new OAuthServerOptions
        {
            Issuer = string.IsNullOrWhiteSpace(issuer) ? null : new Uri(issuer.EndsWith('/') ? issuer : issuer + "/"),
            RequireHttps = section.GetValue("RequireHttps", true),
            MailClientId = section["MailClient:ClientId"] is { Length: > 0 } id ? id : defaults.MailClientId,
            MailClientRedirectUris = redirects is { Count: > 0 } ? redirects : defaults.MailClientRedirectUris,
            AccessTokenLifetime = section.GetValue("AccessTokenLifetime", defaults.AccessTokenLifetime),
            RefreshTokenLifetime = section.GetValue("RefreshTokenLifetime", defaults.RefreshTokenLifetime),
            KeyRotationDays = section.GetValue("KeyRotationDays", defaults.KeyRotationDays),
        };
    }
}
