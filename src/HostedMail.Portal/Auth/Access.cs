using System.Security.Cryptography;
using System.Text;
using HostedMail.Core.Accounts;
using HostedMail.Core.Billing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace HostedMail.Portal.Auth;

/// <summary>The parts of a tenant an endpoint touches; API token scopes are named <c>area:read</c> / <c>area:write</c>.</summary>
internal enum Area
{
    Tenant,
    Domains,
    Mailboxes,
    Aliases,
    Audit,
    /// <summary>The caller's own account: password, two-factor, sessions, tokens. Sessions only.</summary>
    Account,
    /// <summary>The tenant's portal users. Sessions only.</summary>
    Users,
    /// <summary>Message tracking: who sent whom what and what became of it. Owners and admins only (read-only and billing roles see no mail traffic).</summary>
    Tracking,
    /// <summary>Checkout and the Stripe customer portal; stays writable when dunning makes the rest read-only.</summary>
    Billing,
    /// <summary>The tenant's confidential OAuth clients. Owners and admins, through a session or an OAuth token of their own.</summary>
    OAuthClients,
    /// <summary>The tenant's single sign-on provider. Owners and admins, like <see cref="OAuthClients"/>.</summary>
    Federation,
}

/// <summary>The role and scope rules, and the anti-forgery check, as an endpoint filter.</summary>
internal static class Access
{
    public const string CsrfHeader = "X-CSRF-Token";

    /// <summary>Requires the caller's role (and token scopes) to allow <paramref name="write"/> or read access to <paramref name="area"/>.</summary>
    public static TBuilder Require<TBuilder>(this TBuilder builder, Area area, bool write) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var caller = PortalCaller.FromContext(http);
            if (caller is null)
            {
                return Problems.Result(StatusCodes.Status401Unauthorized, "authentication required", "Sign in or send an API token.");
            }

            if (!RoleAllows(caller.Role, area, write))
            {
                return Problems.Result(StatusCodes.Status403Forbidden, "forbidden", $"The {caller.Role.Name()} role may not {(write ? "change" : "read")} {area.ToString().ToLowerInvariant()}.");
            }

            if (OAuthRefusal(caller.Kind, area) is { } refusal)
            {
                return Problems.Result(StatusCodes.Status403Forbidden, "insufficient scope", refusal);
            }

            if (caller.Kind == CallerKind.ApiToken && !TokenAllows(caller.Scopes, area, write))
            {
                var scope = area is Area.Account or Area.Users or Area.OAuthClients or Area.Federation ? "a signed-in session" : $"the scope {Scope(area, write)}";
                return Problems.Result(StatusCodes.Status403Forbidden, "insufficient scope", $"This needs {scope}.");
            }

            if (caller.Kind == CallerKind.Session && !HttpMethods.IsGet(http.Request.Method) && !HttpMethods.IsHead(http.Request.Method) && !CsrfMatches(http, caller))
            {
                return Problems.Result(StatusCodes.Status403Forbidden, "anti-forgery token missing or wrong",
                    $"Cookie-authenticated changes need the session's CSRF token in the {CsrfHeader} header (from GET /api/v1/auth/session).");
            }

            // Dunning (docs/billing.md): long past due, everything but billing and one's own account is read-only.
            if (write && area is not (Area.Billing or Area.Account)
                && http.RequestServices.GetService(typeof(BillingStanding)) is BillingStanding billing
                && (await billing.GetAsync(caller.TenantId, http.RequestAborted)).PortalReadOnly)
            {
                return Problems.Result(StatusCodes.Status403Forbidden, "read-only until paid",
                    "The subscription payment is overdue, so the portal is read-only except billing; pay in the billing page to restore everything.",
                    Problems.TypeBase + "billing-read-only");
            }

            return await next(context);
        });

    public static bool RoleAllows(PortalRole role, Area area, bool write) => role switch
    {
        PortalRole.Owner or PortalRole.Admin => true,
        PortalRole.Billing => area is Area.Account or Area.Billing || (area is Area.Tenant && !write),
        _ => area is Area.Account || (!write && area is not (Area.Users or Area.Tracking or Area.OAuthClients or Area.Federation)),
    };

    /// <summary>
    /// What OAuth callers may not touch whatever their role: one's own credentials (password,
    /// two-factor, sessions, tokens) need a session; a tenant's client, being no person, manages
    /// neither people nor clients.
    /// </summary>
    private static string? OAuthRefusal(CallerKind kind, Area area) => kind switch
    {
        CallerKind.OAuth when area is Area.Account => "This needs a signed-in session.",
        CallerKind.OAuthClient when area is Area.Account or Area.Users or Area.OAuthClients or Area.Federation => "An OAuth client may not manage accounts, users, clients or sign-in.",
        _ => null,
    };

    private static bool TokenAllows(IReadOnlyList<string> scopes, Area area, bool write) =>
        area is not (Area.Account or Area.Users or Area.OAuthClients or Area.Federation)
        && (scopes.Contains(Scope(area, write)) || (!write && scopes.Contains(Scope(area, true))));

    private static string Scope(Area area, bool write) => area.ToString().ToLowerInvariant() + (write ? ":write" : ":read");

    /// <summary>
    /// Synchronizer token (OWASP CSRF cheat sheet): the session row holds a random token the SPA
    /// reads from the API and echoes in a header. A cross-site form can neither read it nor set the
    /// header; SameSite=Strict on the cookie is the second layer. Not ASP.NET Core's antiforgery,
    /// whose tokens are Data Protection payloads needing a key ring shared by every node.
    /// </summary>
    public static bool CsrfMatches(HttpContext http, PortalCaller caller)
    {
        var sent = http.Request.Headers[CsrfHeader].ToString();
        return caller.CsrfToken is { } expected && sent.Length > 0
            && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(sent), Encoding.UTF8.GetBytes(expected));
    }
}
