using HostedMail.Core.Directory;
using HostedMail.Identity.OAuth.Grants;
using HostedMail.Identity.OAuth.Registration;
using HostedMail.Portal.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace HostedMail.Portal.Endpoints;

internal sealed record OAuthSettingsDto(bool RequireClientApproval);

internal sealed record OAuthSettingsBody(bool? RequireClientApproval);

internal sealed record OAuthAppDto(string ClientId, string? ClientName, IReadOnlyList<string> RedirectUris, DateTimeOffset RegisteredAt,
    [property: JsonValues("pending", "approved", "denied")] string Status, string? RequestedBy, DateTimeOffset? RequestedAt, string? DecidedBy, DateTimeOffset? DecidedAt)
{
    public static OAuthAppDto From(ClientApproval a) =>
        new(a.ClientId, a.ClientName, a.RedirectUris, a.RegisteredAt, a.Status, a.RequestedBy, a.RequestedAt, a.DecidedBy, a.DecidedAt);
}

internal sealed record OAuthApprovalBody(string? Status);

internal sealed record OAuthGrantDto(string Id, long MailboxId, string Address, string ClientId, string ClientName, IReadOnlyList<string> Scopes,
    DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt)
{
    public static OAuthGrantDto From(OAuthGrant g) => new(g.Id, g.MailboxId, g.Address, g.ClientId, g.ClientName, g.Scopes, g.CreatedAt, g.LastUsedAt);
}

/// <summary>
/// The tenant's OAuth: whether dynamically registered clients need an admin's approval, the
/// admins' decisions, and every grant (authorization with its tokens) of the tenant's mailboxes,
/// each revocable (docs/oauth.md). Answers 404 when the node does not run the OAuth server.
/// </summary>
internal static class OAuthEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        var oauth = api.MapGroup("/oauth").WithTags("OAuth");
        oauth.MapGet("/settings", GetSettingsAsync).Require(Area.Tenant, write: false).Produces<OAuthSettingsDto>()
            .WithSummary("Whether mailboxes may use dynamically registered OAuth clients only after an admin approved them.");
        oauth.MapPut("/settings", SetSettingsAsync).Require(Area.Tenant, write: true).Produces<OAuthSettingsDto>();
        oauth.MapGet("/apps", ListClientsAsync).Require(Area.Tenant, write: false).Produces<ListDto<OAuthAppDto>>()
            .WithSummary("Dynamically registered OAuth clients the tenant was asked about or decided on (pending, approved, denied).");
        oauth.MapPut("/apps/{clientId}/approval", DecideAsync).Require(Area.Tenant, write: true).Produces<OAuthAppDto>()
            .WithSummary("Approves or denies a dynamically registered client for the tenant's mailboxes; denying revokes their grants to it.");
        oauth.MapGet("/grants", ListGrantsAsync).Require(Area.Mailboxes, write: false).Produces<ListDto<OAuthGrantDto>>()
            .WithSummary("OAuth grants of the tenant's mailboxes, newest first; ?mailboxId= filters.");
        oauth.MapDelete("/grants/{id}", RevokeGrantAsync).Require(Area.Mailboxes, write: true).Produces(StatusCodes.Status204NoContent)
            .WithSummary("Revokes a grant and every access and refresh token issued under it, on every node at once.");
    }

    private static IResult NotEnabled() => Problems.Result(StatusCodes.Status404NotFound, "not found", "This service does not run the OAuth server.");

    private static async Task<IResult> GetSettingsAsync(PortalCaller caller, HttpContext http, CancellationToken ct) =>
        http.RequestServices.GetService<ClientApprovals>() is { } approvals
            ? Results.Ok(new OAuthSettingsDto(await approvals.RequiresApprovalAsync(caller.TenantId, ct)))
            : NotEnabled();

    private static async Task<IResult> SetSettingsAsync(OAuthSettingsBody body, PortalCaller caller, HttpContext http, CancellationToken ct)
    {
        if (http.RequestServices.GetService<ClientApprovals>() is not { } approvals)
        {
            return NotEnabled();
        }

        if (body.RequireClientApproval is not { } required)
        {
            return Problems.Validation("requireClientApproval", "requireClientApproval must be true or false");
        }

        await approvals.SetRequiresApprovalAsync(caller.TenantId, required, caller.Actor.Name, ct);
        return Results.Ok(new OAuthSettingsDto(required));
    }

    private static async Task<IResult> ListClientsAsync(PortalCaller caller, HttpContext http, int? offset, int? limit, CancellationToken ct)
    {
        if (http.RequestServices.GetService<ClientApprovals>() is not { } approvals)
        {
            return NotEnabled();
        }

        return Paging.TryCreate(offset, limit, out var paging, out var problem)
            ? Results.Ok(paging.Apply(await approvals.ListAsync(caller.TenantId, ct), OAuthAppDto.From))
            : problem!;
    }

    private static async Task<IResult> DecideAsync(string clientId, OAuthApprovalBody body, PortalCaller caller, HttpContext http, CancellationToken ct)
    {
        if (http.RequestServices.GetService<ClientApprovals>() is not { } approvals)
        {
            return NotEnabled();
        }

        if (body.Status is not ("approved" or "denied"))
        {
            return Problems.Validation("status", "status must be approved or denied");
        }

        return await approvals.DecideAsync(caller.TenantId, clientId, body.Status == "approved", caller.Actor, ct) is { } decided
            ? Results.Ok(OAuthAppDto.From(decided))
            : Problems.Result(StatusCodes.Status404NotFound, "not found", "no such dynamically registered client");
    }

    private static async Task<IResult> ListGrantsAsync(PortalCaller caller, HttpContext http, ITenantDirectoryStore directory, long? mailboxId, int? offset, int? limit, CancellationToken ct)
    {
        if (http.RequestServices.GetService<OAuthGrants>() is not { } grants)
        {
            return NotEnabled();
        }

        if (!Paging.TryCreate(offset, limit, out var paging, out var problem))
        {
            return problem!;
        }

        if (mailboxId is { } id && await directory.FindMailboxAsync(caller.TenantId, id, ct) is null)
        {
            return Problems.Result(StatusCodes.Status404NotFound, "not found", "no such mailbox");
        }

        return Results.Ok(paging.Apply(await grants.ListAsync(caller.TenantId, mailboxId, ct), OAuthGrantDto.From));
    }

    private static async Task<IResult> RevokeGrantAsync(string id, PortalCaller caller, HttpContext http, CancellationToken ct)
    {
        if (http.RequestServices.GetService<OAuthGrants>() is not { } grants)
        {
            return NotEnabled();
        }

        // Another tenant's grant is answered like an unknown one.
        return id.Length <= 100 && await grants.RevokeAsync(caller.TenantId, id, null, caller.Actor, ct)
            ? Results.NoContent()
            : Problems.Result(StatusCodes.Status404NotFound, "not found", "no such grant");
    }
}
