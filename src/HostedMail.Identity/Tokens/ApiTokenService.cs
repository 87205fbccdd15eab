using HostedMail.Core.Accounts;
using HostedMail.Core.ApiTokens;
using HostedMail.Core.Audit;

namespace HostedMail.Identity.Tokens;

/// <summary>Creates, lists and revokes API tokens; the token text is returned once and stored only as a SHA-256.</summary>
public sealed class ApiTokenService(IApiTokenStore store, TimeProvider timeProvider)
{
    public const string TokenPrefix = "hmt_";
    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromDays(90);
    public static readonly TimeSpan MaximumLifetime = TimeSpan.FromDays(366);

    public async Task<(ApiToken Token, string Secret)> CreateAsync(PortalUser user, string name, IReadOnlyList<string>? scopes, DateTimeOffset? expiresAt, Actor actor, CancellationToken cancellationToken = default)
    {
        var now = timeProvider.GetUtcNow();
        var errors = new Dictionary<string, string>();
        var cleanName = (name ?? string.Empty).Trim();
        if (cleanName.Length is 0 or > 100 || cleanName.Any(char.IsControl))
        {
            errors["name"] = "name must be 1 to 100 printable characters";
        }

        var cleanScopes = (scopes ?? []).Select(s => s.Trim().ToLowerInvariant()).Distinct().ToList();
        if (cleanScopes.Count == 0)
        {
            errors["scopes"] = "give at least one scope: " + string.Join(", ", ApiScopes.All);
        }
        else if (cleanScopes.FirstOrDefault(s => !ApiScopes.All.Contains(s)) is { } unknown)
        {
            errors["scopes"] = $"unknown scope '{unknown}'; known: " + string.Join(", ", ApiScopes.All);
        }

        var expiry = expiresAt ?? now + DefaultLifetime;
        if (expiry <= now || expiry > now + MaximumLifetime)
        {
            errors["expiresAt"] = $"expiry must be in the future and at most {MaximumLifetime.TotalDays:0} days away";
        }

        if (errors.Count > 0)
        {
            throw new FieldValidationException(errors);
        }

        var secret = SecretTokens.New(32, TokenPrefix);
        var token = await store.CreateAsync(user.TenantId, user.UserId, cleanName, SecretTokens.Hash(secret), secret[..(TokenPrefix.Length + 6)], cleanScopes, now, expiry,
            new AuditEntry(user.TenantId, actor, "api-token.create", cleanName, new Dictionary<string, string> { ["scopes"] = string.Join(" ", cleanScopes) }), cancellationToken);
        return (token, secret);
    }

    public async Task<(ApiToken Token, PortalUser User)?> AuthenticateAsync(string secret, CancellationToken cancellationToken = default)
    {
        if (!secret.StartsWith(TokenPrefix, StringComparison.Ordinal))
        {
            return null;
        }

        var now = timeProvider.GetUtcNow();
        var found = await store.FindLiveAsync(SecretTokens.Hash(secret), now, cancellationToken);
        if (found is { } f && (f.Token.LastUsedAt is null || now - f.Token.LastUsedAt > TimeSpan.FromMinutes(1)))
        {
            await store.TouchAsync(f.Token.TenantId, f.Token.TokenId, now, cancellationToken);
        }

        return found;
    }

    public Task<IReadOnlyList<ApiToken>> ListAsync(long tenantId, long? userId, CancellationToken cancellationToken = default) => store.ListAsync(tenantId, userId, cancellationToken);

    public Task<ApiToken?> GetAsync(long tenantId, long tokenId, CancellationToken cancellationToken = default) => store.GetAsync(tenantId, tokenId, cancellationToken);

    public Task<bool> RevokeAsync(ApiToken token, Actor actor, CancellationToken cancellationToken = default) =>
        store.RevokeAsync(token.TenantId, token.TokenId, timeProvider.GetUtcNow(), new AuditEntry(token.TenantId, actor, "api-token.revoke", token.Name), cancellationToken);
}
