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
    IPAddress? RemoteAddress)
{
    public const string TenantClaim = "hm:tenant";
    public const string UserClaim = "hm:user";
    public const string RoleClaim = "hm:role";
    public const string KindClaim = "hm:kind";
    public const string CredentialClaim = "hm:credential";
    public const string ScopeClaim = "hm:scope";
    public const string CsrfClaim = "hm:csrf";

    /// <summary>The actor recorded in the audit log: the person, and the token when one was used.</summary>
    public Actor Actor => new(Kind == CallerKind.ApiToken ? $"user:{Email} (api-token {CredentialId.ToString(CultureInfo.InvariantCulture)})" : "user:" + Email, RemoteAddress);

    public static ClaimsPrincipal ToPrincipal(PortalUser user, CallerKind kind, long credentialId, IReadOnlyList<string> scopes, string? csrf, string scheme)
    {
        var claims = new List<Claim>
        {
            new(TenantClaim, user.TenantId.ToString(CultureInfo.InvariantCulture)),
            new(UserClaim, user.UserId.ToString(CultureInfo.InvariantCulture)),
            new(ClaimTypes.Email, user.Email),
            new(RoleClaim, AccountService.RoleName(user.Role)),
            new(KindClaim, kind.ToString()),
            new(CredentialClaim, credentialId.ToString(CultureInfo.InvariantCulture)),
        };
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
            AccountService.ParseRole(user.FindFirstValue(RoleClaim)) ?? PortalRole.ReadOnly,
            Enum.Parse<CallerKind>(user.FindFirstValue(KindClaim)!),
            long.Parse(user.FindFirstValue(CredentialClaim)!, CultureInfo.InvariantCulture),
            user.FindAll(ScopeClaim).Select(c => c.Value).ToArray(),
            user.FindFirstValue(CsrfClaim),
            context.Connection.RemoteIpAddress);
    }

    /// <summary>Minimal API binding: endpoints declare a <see cref="PortalCaller"/> parameter.</summary>
    public static ValueTask<PortalCaller?> BindAsync(HttpContext context, ParameterInfo parameter) => ValueTask.FromResult(FromContext(context));
}
