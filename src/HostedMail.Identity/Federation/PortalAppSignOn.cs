using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using HostedMail.Core;
using HostedMail.Core.Accounts;
using HostedMail.Core.Tenants;
using HostedMail.Identity.Accounts;
using HostedMail.Identity.OAuth;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using OpenIddict.EntityFrameworkCore.Models;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace HostedMail.Identity.Federation;

/// <summary>
/// Single sign-on into the portal web app (the SPA, docs/portal.md "Single sign-on"): the portal API
/// asks for a start link (<see cref="StartUrl"/>), the federation pages run the provider's code
/// flow, and a confirmed member of the provider's tenant gets a short-lived one-time ticket that the
/// portal redeems (<see cref="RedeemAsync"/>) for its own session. The portal references this
/// project, never the other way round, so the ticket is made and checked here.
/// </summary>
public sealed class PortalAppSignOn(IDataProtectionProvider protection, OAuthDbContext db, AccountService accounts, TenantService tenants,
    TenantFederationService federation, OAuthServerOptions options, TimeProvider time)
{
    // Implementation notes:
    // - Both the start request and the ticket are Data Protection payloads under their own
    //   purposes (the node's shared key ring, so any node reads what another made). Their expiry is
    //   inside the payload and judged by the node's TimeProvider, not Data Protection's own clock.
    // - The start request carries where the ticket goes (the portal's configured public URL), so
    //   nobody can have a ticket sent elsewhere by changing the link or the Host header.
    // - One use cluster-wide: each ticket has a row in OpenIddict's token table (oauth.tokens, the
    //   table that already redeems the same flow's state tokens once), and redemption is one
    //   conditional UPDATE from valid to redeemed: of two nodes redeeming the same ticket at once,
    //   exactly one changes the row. OAuthPruner deletes the rows with the other spent tokens.
    public const string Kind = "portal-app";
    public const string TicketType = "hm_portal_sso_ticket";

    public static readonly TimeSpan TicketLifetime = TimeSpan.FromMinutes(2);
    public static readonly TimeSpan StartLifetime = TimeSpan.FromMinutes(10);

    private const int MaxTicketLength = 4096;

    private readonly IDataProtector _tickets = protection.CreateProtector("HostedMail.Identity.Federation.PortalAppTicket.v1");
    private readonly IDataProtector _starts = protection.CreateProtector("HostedMail.Identity.Federation.PortalAppStart.v1");

    /// <summary>
    /// Where the browser goes to start: the federation start page on the authorization server, with
    /// a sealed request naming the address, the portal's redemption URL and the app path to return to.
    /// </summary>
    public Uri StartUrl(string email, Uri redeemUrl, string returnPath)
    {
        var start = new StartRequest(email, redeemUrl.AbsoluteUri, IsAppPath(returnPath) ? returnPath : "/", time.GetUtcNow() + StartLifetime);
        var sealedStart = WebEncoders.Base64UrlEncode(_starts.Protect(JsonSerializer.SerializeToUtf8Bytes(start)));
        return new Uri(options.Issuer!, FederationPages.StartPath.TrimStart('/') + "?request=" + sealedStart);
    }

    /// <summary>
    /// A path of the app to land on after sign-in: own origin only (starts with one "/", no
    /// backslash, no control characters), so no ticket or session ever sends the browser elsewhere.
    /// </summary>
    public static bool IsAppPath(string? path) =>
        path is { Length: > 0 and <= 1000 } && path[0] == '/' && !path.StartsWith("//", StringComparison.Ordinal)
        && !path.Contains('\\') && !path.Any(c => char.IsControl(c) || char.IsWhiteSpace(c));

    internal StartRequest? ReadStart(string? sealedStart)
    {
        if (Open<StartRequest>(_starts, sealedStart) is not { } start || start.ExpiresAt <= time.GetUtcNow() || !IsAppPath(start.ReturnPath)
            || !Uri.TryCreate(start.RedeemUrl, UriKind.Absolute, out _))
        {
            return null;
        }

        return start;
    }

    /// <summary>Makes the one-time ticket for <paramref name="user"/> (all checks done by the caller); valid for <see cref="TicketLifetime"/>.</summary>
    internal async Task<string> IssueTicketAsync(PortalUser user, string issuer, string returnPath, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var expires = now + TicketLifetime;
        var id = Guid.NewGuid().ToString("N");
        db.Add(new OpenIddictEntityFrameworkCoreToken
        {
            Id = id,
            Type = TicketType,
            Status = Statuses.Valid,
            Subject = string.Create(CultureInfo.InvariantCulture, $"portal-sso:{user.TenantId}:{user.UserId}"),
            CreationDate = now.UtcDateTime,
            ExpirationDate = expires.UtcDateTime,
            ConcurrencyToken = Guid.NewGuid().ToString(),
        });
        await db.SaveChangesAsync(cancellationToken);
        var ticket = new Ticket(id, user.TenantId, user.UserId, issuer, returnPath, expires);
        return WebEncoders.Base64UrlEncode(_tickets.Protect(JsonSerializer.SerializeToUtf8Bytes(ticket)));
    }

    /// <summary>
    /// Redeems a ticket once: refused when it is not one of ours (tampered, another purpose),
    /// expired, already used, for a membership that is gone or unconfirmed or whose address left the
    /// tenant's verified domains, or for a suspended tenant. Nothing is signed in here.
    /// </summary>
    public async Task<PortalAppRedemption> RedeemAsync(string? sealedTicket, CancellationToken cancellationToken = default)
    {
        if (sealedTicket is not { Length: > 0 and <= MaxTicketLength } || Open<Ticket>(_tickets, sealedTicket) is not { } ticket || !IsAppPath(ticket.ReturnPath))
        {
            return PortalAppRedemption.Refused(PortalAppTicketStatus.Invalid);
        }

        var now = time.GetUtcNow();
        if (ticket.ExpiresAt <= now)
        {
            return PortalAppRedemption.Refused(PortalAppTicketStatus.Expired);
        }

        var nowUtc = now.UtcDateTime;
        var redeemed = await db.Set<OpenIddictEntityFrameworkCoreToken>()
            .Where(t => t.Id == ticket.Id && t.Type == TicketType && t.Status == Statuses.Valid && t.ExpirationDate > nowUtc)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.Status, Statuses.Redeemed).SetProperty(t => t.RedemptionDate, nowUtc), cancellationToken);
        if (redeemed != 1)
        {
            return PortalAppRedemption.Refused(PortalAppTicketStatus.Used);
        }

        // Read again now: the membership may have been removed, or the domain taken away, in the
        // seconds since the provider answered.
        var user = await accounts.GetUserAsync(ticket.TenantId, ticket.UserId, cancellationToken);
        if (user?.EmailConfirmedAt is null || !await federation.IsInVerifiedDomainAsync(ticket.TenantId, user.Email, cancellationToken))
        {
            return PortalAppRedemption.Refused(PortalAppTicketStatus.AccountGone);
        }

        if (!await IsActiveAsync(tenants, ticket.TenantId, cancellationToken))
        {
            return PortalAppRedemption.Refused(PortalAppTicketStatus.TenantSuspended);
        }

        return new PortalAppRedemption(PortalAppTicketStatus.Redeemed, user, ticket.Issuer, ticket.ReturnPath);
    }

    /// <summary>Whether the tenant exists and is not suspended.</summary>
    internal static async Task<bool> IsActiveAsync(TenantService tenants, long tenantId, CancellationToken cancellationToken)
    {
        try
        {
            return (await tenants.GetAsync(tenantId.ToString(CultureInfo.InvariantCulture), cancellationToken)).State == TenantState.Active;
        }
        catch (HostedMailException ex) when (ex.Error == HostedMailError.NotFound)
        {
            return false;
        }
    }

    private static T? Open<T>(IDataProtector protector, string? sealedValue)
        where T : class
    {
        if (string.IsNullOrEmpty(sealedValue) || sealedValue.Length > MaxTicketLength)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<T>(protector.Unprotect(WebEncoders.Base64UrlDecode(sealedValue)));
        }
        catch (Exception ex) when (ex is CryptographicException or FormatException or JsonException)
        {
            return null;
        }
    }

    internal sealed record StartRequest(string Email, string RedeemUrl, string ReturnPath, DateTimeOffset ExpiresAt);

    private sealed record Ticket(string Id, long TenantId, long UserId, string Issuer, string ReturnPath, DateTimeOffset ExpiresAt);
}

/// <summary>How a portal single sign-on ticket was judged.</summary>
public enum PortalAppTicketStatus
{
    Redeemed,
    /// <summary>Not a ticket this cluster made (tampered, truncated, another purpose).</summary>
    Invalid,
    Expired,
    /// <summary>Already redeemed once (a replay).</summary>
    Used,
    /// <summary>The membership was removed or is unconfirmed, or its address is no longer in a verified domain of the tenant.</summary>
    AccountGone,
    TenantSuspended,
}

/// <summary>The outcome of <see cref="PortalAppSignOn.RedeemAsync"/>: on success the member to sign in, the provider and the app path to land on.</summary>
public sealed record PortalAppRedemption(PortalAppTicketStatus Status, PortalUser? User, string? Issuer, string ReturnPath)
{
    public static PortalAppRedemption Refused(PortalAppTicketStatus status) => new(status, null, null, "/");
}
