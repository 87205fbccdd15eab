using System.Security.Claims;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace HostedMail.Identity.OAuth;

/// <summary>
/// Reads an access token this server issued for one audience: the JWT's signature against the
/// shared keys, issuer, audience, lifetime and type (RFC 9068), then the token's entry in
/// PostgreSQL, so a token revoked on any node (directly, with its chain after a refresh-token
/// reuse, or with its client) is refused everywhere at once. The mail protocols and the portal API
/// both check tokens through it.
/// </summary>
internal sealed class AccessTokenReader(SigningKeyRing ring, OAuthServerOptions options, IServiceScopeFactory scopes, OAuthClock time) : IDisposable
{
    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };
    private readonly SemaphoreSlim _reload = new(1, 1);
    private IReadOnlyList<SecurityKey>? _keys;
    private DateTimeOffset _loadedAt;

    /// <summary>
    /// The token's claims when it is well-formed, signed by us, current, for <paramref name="audience"/>
    /// and still valid in the record; else null. Database failures are thrown (the caller answers "try later").
    /// </summary>
    public async Task<ClaimsIdentity?> ReadLiveAsync(string token, string audience, CancellationToken cancellationToken)
    {
        if (token.Length is 0 or > 16384 || !_handler.CanReadToken(token))
        {
            return null;
        }

        var result = await ValidateJwtAsync(token, audience, await KeysAsync(false, cancellationToken));
        if (!result.IsValid && result.Exception is SecurityTokenSignatureKeyNotFoundException)
        {
            // A key made by a node that started after this one: read the ring again.
            result = await ValidateJwtAsync(token, audience, await KeysAsync(true, cancellationToken));
        }

        if (!result.IsValid || result.ClaimsIdentity.FindFirst(Claims.Private.TokenId)?.Value is not { } tokenId)
        {
            return null;
        }

        using var scope = scopes.CreateScope();
        var tokens = scope.ServiceProvider.GetRequiredService<IOpenIddictTokenManager>();
        if (await tokens.FindByIdAsync(tokenId, cancellationToken) is not { } entry
            || !await tokens.HasStatusAsync(entry, Statuses.Valid, cancellationToken))
        {
            return null;
        }

        return result.ClaimsIdentity;
    }

    /// <summary>Whether the token's <c>scope</c> claim (space-separated, RFC 9068 section 2.2.3) names <paramref name="scope"/>.</summary>
    public static bool HasScope(ClaimsIdentity claims, string scope) =>
        (claims.FindFirst(Claims.Scope)?.Value ?? string.Empty).Split(' ').Contains(scope, StringComparer.Ordinal);

    /// <summary>Database trouble, as EF Core and Npgsql throw it.</summary>
    public static bool IsDatabaseFailure(Exception ex) =>
        ex is System.Data.Common.DbException or InvalidOperationException { InnerException: System.Data.Common.DbException };

    public void Dispose() => _reload.Dispose();

    private Task<TokenValidationResult> ValidateJwtAsync(string token, string audience, IReadOnlyList<SecurityKey> keys) =>
        _handler.ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = options.Issuer!.AbsoluteUri,
            ValidAudience = audience,
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
