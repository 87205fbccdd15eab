using System.Globalization;
using System.Security.Claims;
using HostedMail.Core.Audit;
using HostedMail.Identity.OAuth.Grants;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace HostedMail.Identity.OAuth.Registration;

/// <summary>A dynamically registered client as a tenant's admins see it.</summary>
public sealed record ClientApproval(
    string ClientId,
    string? ClientName,
    IReadOnlyList<string> RedirectUris,
    DateTimeOffset RegisteredAt,
    string Status,
    string? RequestedBy,
    DateTimeOffset? RequestedAt,
    string? DecidedBy,
    DateTimeOffset? DecidedAt);

/// <summary>What the approval rule says about one mailbox using one client.</summary>
internal enum ApprovalGate
{
    Allowed,
    Pending,
    Denied,
}

/// <summary>
/// The tenant setting "require approval for dynamically registered clients" and the admins'
/// decisions. When the setting is on, a mailbox of the tenant can authorize a dynamically
/// registered client only after an admin approved it; the first attempt records a pending
/// request the admins see in the portal API. The published client is never gated.
/// </summary>
public sealed partial class ClientApprovals(OAuthRecordsDbContext records, OAuthGrants grants, IAuditLog audit, TimeProvider time, ILogger<ClientApprovals> logger)
{
    public async Task<bool> RequiresApprovalAsync(long tenantId, CancellationToken cancellationToken) =>
        await records.TenantSettings.AsNoTracking().Where(s => s.TenantId == tenantId).Select(s => s.RequireClientApproval).FirstOrDefaultAsync(cancellationToken);

    public async Task SetRequiresApprovalAsync(long tenantId, bool required, string actor, CancellationToken cancellationToken)
    {
        var row = await records.TenantSettings.FirstOrDefaultAsync(s => s.TenantId == tenantId, cancellationToken);
        if (row is null)
        {
            records.TenantSettings.Add(new TenantOAuthSettingsRow { TenantId = tenantId, RequireClientApproval = required });
        }
        else
        {
            row.RequireClientApproval = required;
        }

        await records.SaveChangesAsync(cancellationToken);
        SettingChanged(logger, tenantId, required, actor);
    }

    /// <summary>The clients the tenant has decided about or been asked about, newest request first.</summary>
    public async Task<IReadOnlyList<ClientApproval>> ListAsync(long tenantId, CancellationToken cancellationToken)
    {
        var rows = await (from a in records.ClientApprovals.AsNoTracking()
                          join r in records.ClientRegistrations.AsNoTracking() on a.ClientId equals r.ClientId
                          where a.TenantId == tenantId && r.DeletedAt == null
                          orderby a.RequestedAt descending
                          select new { a, r }).Take(500).ToListAsync(cancellationToken);
        return rows.Select(x => View(x.r, x.a)).ToList();
    }

    /// <summary>Approves or denies a dynamically registered client for the tenant; null when there is no such client. Denying revokes the tenant's grants to it.</summary>
    public async Task<ClientApproval?> DecideAsync(long tenantId, string clientId, bool approve, Actor actor, CancellationToken cancellationToken)
    {
        var registration = await records.ClientRegistrations.AsNoTracking().FirstOrDefaultAsync(r => r.ClientId == clientId && r.DeletedAt == null, cancellationToken);
        if (registration is null)
        {
            return null;
        }

        var row = await records.ClientApprovals.FirstOrDefaultAsync(a => a.TenantId == tenantId && a.ClientId == clientId, cancellationToken);
        if (row is null)
        {
            row = new ClientApprovalRow { TenantId = tenantId, ClientId = clientId };
            records.ClientApprovals.Add(row);
        }

        row.Status = approve ? ClientApprovalRow.Approved : ClientApprovalRow.Denied;
        row.DecidedBy = actor.Name;
        row.DecidedAt = time.GetUtcNow();
        await records.SaveChangesAsync(cancellationToken);
        var revoked = approve ? 0 : await grants.RevokeClientAsync(tenantId, clientId, cancellationToken);
        Decided(logger, tenantId, clientId, row.Status, actor.Name, revoked);
        await audit.AppendAsync(new AuditEntry(tenantId, actor, approve ? "oauth-app.approve" : "oauth-app.deny", clientId, new Dictionary<string, string>
        {
            ["name"] = registration.ClientName ?? clientId,
            ["revoked_grants"] = revoked.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }), cancellationToken);
        return View(registration, row);
    }

    /// <summary>
    /// Whether <paramref name="address"/> of the tenant may authorize <paramref name="clientId"/>
    /// now; records a pending request on the first refused attempt.
    /// </summary>
    internal async Task<ApprovalGate> CheckAsync(long tenantId, string clientId, string address, CancellationToken cancellationToken)
    {
        if (!await records.ClientRegistrations.AsNoTracking().AnyAsync(r => r.ClientId == clientId, cancellationToken)
            || !await RequiresApprovalAsync(tenantId, cancellationToken))
        {
            return ApprovalGate.Allowed;
        }

        var row = await records.ClientApprovals.FirstOrDefaultAsync(a => a.TenantId == tenantId && a.ClientId == clientId, cancellationToken);
        switch (row?.Status)
        {
            case ClientApprovalRow.Approved:
                return ApprovalGate.Allowed;
            case ClientApprovalRow.Denied:
                return ApprovalGate.Denied;
            case ClientApprovalRow.Pending:
                return ApprovalGate.Pending;
        }

        records.ClientApprovals.Add(new ClientApprovalRow
        {
            TenantId = tenantId,
            ClientId = clientId,
            Status = ClientApprovalRow.Pending,
            RequestedBy = address,
            RequestedAt = time.GetUtcNow(),
        });
        try
        {
            await records.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // Another sign-in of the tenant recorded the request at the same moment.
        }

        return ApprovalGate.Pending;
    }

    /// <summary>
    /// The authorization pages' check: the approval page when <paramref name="signedIn"/>'s tenant
    /// has not approved <paramref name="clientId"/> (and requires approval), null to go on.
    /// </summary>
    internal static async Task<IResult?> BlockedAsync(HttpContext context, string clientId, ClaimsPrincipal signedIn)
    {
        if (!long.TryParse(signedIn.GetClaim(OAuthServerOptions.TenantClaim), NumberStyles.None, CultureInfo.InvariantCulture, out var tenantId))
        {
            return null;
        }

        var approvals = context.RequestServices.GetRequiredService<ClientApprovals>();
        var gate = await approvals.CheckAsync(tenantId, clientId, signedIn.GetClaim(Claims.Subject) ?? "", context.RequestAborted);
        if (gate == ApprovalGate.Allowed)
        {
            return null;
        }

        var applications = context.RequestServices.GetRequiredService<IOpenIddictApplicationManager>();
        var application = await applications.FindByClientIdAsync(clientId, context.RequestAborted);
        var name = application is null ? clientId : await applications.GetLocalizedDisplayNameAsync(application, context.RequestAborted) ?? clientId;
        return Page(gate, name, context);
    }

    /// <summary>The page a person sees instead of the consent screen while the client is not approved.</summary>
    private static IResult Page(ApprovalGate gate, string clientName, HttpContext context)
    {
        var page = gate == ApprovalGate.Denied
            ? new OAuthPage("Not allowed").Heading("This app is not allowed")
                .Raw("<p>Your organisation's administrators have not allowed <strong>").Text(clientName).Raw("</strong> to use mailboxes of your organisation.</p>\n")
                .Paragraph("Ask them if you need it, or use another mail app.", "muted")
            : new OAuthPage("Approval needed").Heading("An administrator must approve this app")
                .Raw("<p><strong>").Text(clientName).Raw("</strong> registered itself with this service, and your organisation requires an administrator to approve such apps before they can use its mailboxes.</p>\n")
                .Paragraph("Your request has been recorded. Ask an administrator of your organisation to approve it in the portal, then sign in from the app again.");

        // One way out: back to the app with access_denied (RFC 6749 section 4.1.2.1), through the consent form's deny path.
        if (context.GetOpenIddictServerRequest() is { } request)
        {
            if (OAuthPage.FormActionSource(request.RedirectUri) is { } source)
            {
                context.Items[OAuthPage.FormActionSourcesItem] = source;
            }

            var antiforgery = context.RequestServices.GetRequiredService<IAntiforgery>();
            page.FormStart("/connect/authorize", "post", antiforgery.GetAndStoreTokens(context).RequestToken ?? string.Empty);
            foreach (var parameter in request.GetParameters())
            {
                if (parameter.Key is not ("csrf" or "decision"))
                {
                    page.Hidden(parameter.Key, (string?)parameter.Value);
                }
            }

            page.Button("Back to the app", "decision", "deny", secondary: true).FormEnd();
        }

        return page.Result(StatusCodes.Status403Forbidden);
    }

    private static ClientApproval View(ClientRegistrationRow r, ClientApprovalRow a) =>
        new(r.ClientId, r.ClientName, System.Text.Json.JsonSerializer.Deserialize<List<string>>(r.RedirectUris) ?? [], r.RegisteredAt,
            a.Status, a.RequestedBy, a.RequestedAt, a.DecidedBy, a.DecidedAt);

    [LoggerMessage(EventId = 9030, Level = LogLevel.Information, Message = "Tenant {TenantId} now requires approval of registered OAuth clients: {Required} (by {Actor})")]
    private static partial void SettingChanged(ILogger logger, long tenantId, bool required, string actor);

    [LoggerMessage(EventId = 9031, Level = LogLevel.Information, Message = "Tenant {TenantId} set OAuth client {ClientId} to {Status} (by {Actor}); {Revoked} grants revoked")]
    private static partial void Decided(ILogger logger, long tenantId, string clientId, string status, string actor, int revoked);
}
