using System.Globalization;
using HostedMail.Core.Accounts;
using HostedMail.Core.OAuth;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace HostedMail.Identity.OAuth;

/// <summary>What a check of an access token presented to the portal API found.</summary>
public enum ApiAccessTokenStatus
{
    /// <summary>Ours, current, not revoked, for the API audience with the api scope, and its portal user or client still exists.</summary>
    Valid,

    /// <summary>Malformed, expired, revoked, for another audience or issuer, or its client is gone (RFC 6750 "invalid_token").</summary>
    Invalid,

    /// <summary>A live token for the API audience without the api scope (RFC 6750 "insufficient_scope").</summary>
    InsufficientScope,

    /// <summary>The check could not be made (database down).</summary>
    Unavailable,
}

/// <summary>
/// The outcome of <see cref="IApiAccessTokenValidator.ValidateAsync"/>. A portal user's token names
/// <see cref="UserId"/> (its role is the user's current one, read by the portal); a tenant client's
/// names <see cref="ClientRole"/>, the role its tenant's admin gave it.
/// </summary>
public sealed record ApiAccessTokenCheck(ApiAccessTokenStatus Status, long TenantId = 0, long? UserId = null, string? ClientId = null, PortalRole? ClientRole = null)
{
    public static ApiAccessTokenCheck Invalid { get; } = new(ApiAccessTokenStatus.Invalid);
}

/// <summary>Checks OAuth access tokens sent to the portal API as <c>Authorization: Bearer</c>.</summary>
public interface IApiAccessTokenValidator
{
    /// <summary>Never throws for a bad token, only for cancellation.</summary>
    Task<ApiAccessTokenCheck> ValidateAsync(string token, CancellationToken cancellationToken);
}

internal sealed class ApiAccessTokenValidator(AccessTokenReader reader, ITenantOAuthClientStore clients) : IApiAccessTokenValidator
{
    public async Task<ApiAccessTokenCheck> ValidateAsync(string token, CancellationToken cancellationToken)
    {
        try
        {
            if (await reader.ReadLiveAsync(token, ApiOAuth.ApiAudience, cancellationToken) is not { } claims
                || !long.TryParse(claims.FindFirst(OAuthServerOptions.TenantClaim)?.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var tenantId))
            {
                return ApiAccessTokenCheck.Invalid;
            }

            if (!AccessTokenReader.HasScope(claims, ApiOAuth.ApiScope))
            {
                return new ApiAccessTokenCheck(ApiAccessTokenStatus.InsufficientScope);
            }

            var clientId = claims.FindFirst(Claims.ClientId)?.Value;
            switch (claims.FindFirst(ApiOAuth.KindClaim)?.Value)
            {
                case ApiOAuth.PortalUserKind when long.TryParse(claims.FindFirst(ApiOAuth.UserClaim)?.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var userId):
                    return new ApiAccessTokenCheck(ApiAccessTokenStatus.Valid, tenantId, userId, clientId);
                case ApiOAuth.ClientKind when claims.FindFirst(Claims.Subject)?.Value is { } subject:
                    // A client's token names the client as its subject (ClientCredentialsHandler). The
                    // client must still exist and still be this tenant's: its role is read now, and a
                    // token claiming another tenant than the client's is refused.
                    var client = await clients.FindAsync(subject, cancellationToken);
                    return client is not null && client.TenantId == tenantId
                        ? new ApiAccessTokenCheck(ApiAccessTokenStatus.Valid, tenantId, null, client.ClientId, client.Role)
                        : ApiAccessTokenCheck.Invalid;
                default:
                    return ApiAccessTokenCheck.Invalid;
            }
        }
        catch (Exception ex) when (AccessTokenReader.IsDatabaseFailure(ex))
        {
            return new ApiAccessTokenCheck(ApiAccessTokenStatus.Unavailable);
        }
    }
}
