using System.Globalization;
using System.Net;
using System.Reflection;
using System.Security.Claims;
using HostedMail.Core.Accounts;
using HostedMail.Core.Audit;
using Microsoft.AspNetCore.Http;

namespace HostedMail.Portal.Auth;

/// <summary>How the caller authenticated.</summary>
internal enum CallerKind
{
    Session,
    ApiToken,

    /// <summary>An OAuth access token with the api scope, issued to a client a portal user authorized: acts as that user with their current role.</summary>
    OAuth,

    /// <summary>An OAuth access token of a tenant's confidential client (client credentials): no person, the role its admin gave it.</summary>
    OAuthClient,
}

/// <summary>
/// The authenticated person behind a request: their tenant, role and, for API tokens, scopes.
/// Every endpoint takes one and scopes every read and write to <see cref="TenantId"/>.
/// </summary>
internal sealed record PortalCaller(
    long TenantId,
    long UserId,
    string Email,
    PortalRole Role,
    CallerKind Kind,
    long CredentialId,
    IReadOnlyList<string> Scopes,
    string? CsrfToken,
    IPAddress? RemoteAddress,
    string? ClientId = null)
{
    public const string TenantClaim = "hm:tenant";
    public const string UserClaim = "hm:user";
    public const string RoleClaim = "hm:role";
    public const string KindClaim = "hm:kind";
    public const string CredentialClaim = "hm:credential";
    public const string ScopeClaim = "hm:scope";
    public const string CsrfClaim = "hm:csrf";
    public const string ClientClaim = "hm:client";

    /// <summary>The actor recorded in the audit log: the person, and the token when one was used.</summary>
    public Actor Actor => new(Kind switch
    {
        CallerKind.ApiToken => $"user:{Email} (api-token {CredentialId.ToString(CultureInfo.InvariantCulture)})",
        CallerKind.OAuth => $"user:{Email} (oauth {ClientId})",
        CallerKind.OAuthClient => "oauth-client:" + ClientId,
        _ => "user:" + Email,
    }, RemoteAddress);

    public static ClaimsPrincipal ToPrincipal(PortalUser user, CallerKind kind, long credentialId, IReadOnlyList<string> scopes, string? csrf, string scheme, string? clientId = null) =>
        ToPrincipal(user.TenantId, user.UserId, user.Email, user.Role, kind, credentialId, scopes, csrf, scheme, clientId);

    /// <summary>A tenant's OAuth client as a caller: no person (user id 0), its client id in place of an email.</summary>
    public static ClaimsPrincipal ForOAuthClient(long tenantId, string clientId, PortalRole role, string scheme) =>
        ToPrincipal(tenantId, 0, "client:" + clientId, role, CallerKind.OAuthClient, 0, [], null, scheme, clientId);

    private static ClaimsPrincipal ToPrincipal(long tenantId, long userId, string email, PortalRole role, CallerKind kind, long credentialId, IReadOnlyList<string> scopes, string? csrf, string scheme, string? clientId)
    {
        var claims = new List<Claim>
        {
            new(TenantClaim, tenantId.ToString(CultureInfo.InvariantCulture)),
            new(UserClaim, userId.ToString(CultureInfo.InvariantCulture)),
            new(ClaimTypes.Email, email),
            new(RoleClaim, role.Name()),
            new(KindClaim, kind.ToString()),
            new(CredentialClaim, credentialId.ToString(CultureInfo.InvariantCulture)),
        };
        if (clientId is not null)
        {
            claims.Add(new Claim(ClientClaim, clientId));
        }

        claims.AddRange(scopes.Select(s => new Claim(ScopeClaim, s)));
        if (csrf is not null)
        {
            claims.Add(new Claim(CsrfClaim, csrf));
        }

        return new ClaimsPrincipal(new ClaimsIdentity(claims, scheme));
    }

    public static PortalCaller? FromContext(HttpContext context)
    {
        var user = context.User;
        if (user.Identity?.IsAuthenticated != true || user.FindFirstValue(TenantClaim) is not { } tenant)
        {
            return null;
        }

        return new PortalCaller(
            long.Parse(tenant, CultureInfo.InvariantCulture),
            long.Parse(user.FindFirstValue(UserClaim)!, CultureInfo.InvariantCulture),
            user.FindFirstValue(ClaimTypes.Email)!,
            PortalRoles.Parse(user.FindFirstValue(RoleClaim)) ?? PortalRole.ReadOnly,
            Enum.Parse<CallerKind>(user.FindFirstValue(KindClaim)!),
            long.Parse(user.FindFirstValue(CredentialClaim)!, CultureInfo.InvariantCulture),
            user.FindAll(ScopeClaim).Select(c => c.Value).ToArray(),
            user.FindFirstValue(CsrfClaim),
            context.Connection.RemoteIpAddress,
            user.FindFirstValue(ClientClaim));
    }

    /// <summary>Minimal API binding: endpoints declare a <see cref="PortalCaller"/> parameter.</summary>
    public static ValueTask<PortalCaller?> BindAsync(HttpContext context, ParameterInfo parameter) => ValueTask.FromResult(FromContext(context));
}
