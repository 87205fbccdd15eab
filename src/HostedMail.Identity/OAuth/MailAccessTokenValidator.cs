using System.Globalization;
using HostedMail.Core.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace HostedMail.Identity.OAuth;

/// <summary>
/// Checks access tokens for IMAP, POP3 and SMTP: the JWT's signature against the shared keys,
/// issuer, audience, lifetime and type (RFC 9068), the mail scope, then the token's entry in
/// PostgreSQL, so a token revoked on any node (directly, or with its chain after a refresh-token
/// reuse) is refused everywhere at once.
/// </summary>
internal sealed class MailAccessTokenValidator(SigningKeyRing ring, OAuthServerOptions options, IServiceScopeFactory scopes, TimeProvider time) : IMailAccessTokenValidator, IDisposable
{
    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };
    private readonly SemaphoreSlim _reload = new(1, 1);
    private IReadOnlyList<SecurityKey>? _keys;
    private DateTimeOffset _loadedAt;

    public string? OpenIdConfiguration => new Uri(options.Issuer!, ".well-known/openid-configuration").AbsoluteUri;

    public async Task<MailAccessTokenCheck> ValidateAsync(string token, CancellationToken cancellationToken)
    {
        if (token.Length is 0 or > 16384 || !_handler.CanReadToken(token))
        {
            return MailAccessTokenCheck.Invalid;
        }

        try
        {
            var result = await ValidateJwtAsync(token, await KeysAsync(false, cancellationToken));
            if (!result.IsValid && result.Exception is SecurityTokenSignatureKeyNotFoundException)
            {
                // A key made by a node that started after this one: read the ring again.
                result = await ValidateJwtAsync(token, await KeysAsync(true, cancellationToken));
            }

            if (!result.IsValid)
            {
                return MailAccessTokenCheck.Invalid;
            }

            var claims = result.ClaimsIdentity;
            var scopesClaim = claims.FindFirst(Claims.Scope)?.Value ?? string.Empty;
            var address = claims.FindFirst(Claims.Subject)?.Value;
            var tokenId = claims.FindFirst(Claims.Private.TokenId)?.Value;
            if (address is null || tokenId is null
                || !long.TryParse(claims.FindFirst(OAuthServerOptions.TenantClaim)?.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var tenantId)
                || !long.TryParse(claims.FindFirst(OAuthServerOptions.MailboxClaim)?.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var mailboxId))
            {
                return MailAccessTokenCheck.Invalid;
            }

            using var scope = scopes.CreateScope();
            var tokens = scope.ServiceProvider.GetRequiredService<IOpenIddictTokenManager>();
            if (await tokens.FindByIdAsync(tokenId, cancellationToken) is not { } entry
                || !await tokens.HasStatusAsync(entry, Statuses.Valid, cancellationToken))
            {
                return MailAccessTokenCheck.Invalid;
            }

            if (!scopesClaim.Split(' ').Contains(OAuthServerOptions.MailScope, StringComparer.Ordinal))
            {
                return new MailAccessTokenCheck(MailAccessTokenStatus.InsufficientScope);
            }

            return new MailAccessTokenCheck(MailAccessTokenStatus.Valid, address, tenantId, mailboxId);
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or InvalidOperationException { InnerException: System.Data.Common.DbException })
        {
            return new MailAccessTokenCheck(MailAccessTokenStatus.Unavailable);
        }
    }

    public void Dispose() => _reload.Dispose();

    private Task<TokenValidationResult> ValidateJwtAsync(string token, IReadOnlyList<SecurityKey> keys) =>
        _handler.ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = options.Issuer!.AbsoluteUri,
            ValidAudience = OAuthServerOptions.MailAudience,
            IssuerSigningKeys = keys,
            // RFC 9068 section 2.1: "at+jwt" (the "application/" prefix is optional).
            ValidTypes = [JsonWebTokenTypes.AccessToken, JsonWebTokenTypes.Prefixes.Application + JsonWebTokenTypes.AccessToken],
            ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ClockSkew = TimeSpan.FromSeconds(30),
            LifetimeValidator = (notBefore, expires, _, _) =>
            {
                var now = time.GetUtcNow().UtcDateTime;
                return expires is { } e && e > now.AddSeconds(-30) && (notBefore is not { } n || n <= now.AddSeconds(30));
            },
        });

    private async Task<IReadOnlyList<SecurityKey>> KeysAsync(bool reload, CancellationToken cancellationToken)
    {
        if (_keys is { } keys && (!reload || time.GetUtcNow() - _loadedAt < TimeSpan.FromSeconds(30)))
        {
            return keys;
        }

        await _reload.WaitAsync(cancellationToken);
        try
        {
            if (_keys is null || reload)
            {
                _keys = [.. await ring.LoadAsync(SigningKeyRing.SigningPurpose, cancellationToken)];
                _loadedAt = time.GetUtcNow();
            }

            return _keys;
        }
        finally
        {
            _reload.Release();
        }
    }
}
