using HostedMail.Core.Accounts;
using HostedMail.Core.Audit;
using HostedMail.Core.Directory;
using HostedMail.Core.Tenants;
using HostedMail.Identity.Accounts;
using HostedMail.Portal.Auth;
using HostedMail.Portal.Mail;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace HostedMail.Portal.Endpoints;

internal sealed record InviteUserBody(string? Email, string? DisplayName, string? Role);

internal sealed record SetRoleBody(string? Role);

/// <summary>The tenant with its plan and usage, its portal users, and its audit log.</summary>
internal static class TenantEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/tenant", GetTenantAsync).Require(Area.Tenant, write: false).WithTags("Tenant").Produces<TenantDto>()
            .WithSummary("The tenant, its plan's limits and what it uses.");

        var users = api.MapGroup("/users").WithTags("Users");
        users.MapGet("/", ListUsersAsync).Require(Area.Users, write: false).Produces<ListDto<UserDto>>();
        users.MapPost("/", InviteAsync).Require(Area.Users, write: true).Produces<UserDto>(StatusCodes.Status201Created)
            .WithSummary("Adds a person with a role; they get a mail to choose a password.");
        users.MapPatch("/{id:long}", SetRoleAsync).Require(Area.Users, write: true).Produces<UserDto>();
        users.MapDelete("/{id:long}", RemoveAsync).Require(Area.Users, write: true).Produces(StatusCodes.Status204NoContent);

        api.MapGet("/audit", ListAuditAsync).Require(Area.Audit, write: false).WithTags("Audit").Produces<AuditPageDto>()
            .WithSummary("Who changed what, when and from where; newest first. Page with ?before=<nextBefore>. Narrow with ?action= (an action, or its kind: "
                + "the part before the dot), ?actor= and ?target= (part of either, any case), ?since= and ?until= (ISO 8601 instants or dates; since inclusive, until exclusive).");
        api.MapGet("/audit/actions", ListAuditActionsAsync).Require(Area.Audit, write: false).WithTags("Audit").Produces<ListDto<string>>()
            .WithSummary("The actions the tenant's audit log holds, for choosing a filter.");
    }

    private static async Task<IResult> GetTenantAsync(PortalCaller caller, TenantService tenants, PortalOptions options, CancellationToken ct)
    {
        var tenant = await tenants.GetAsync(caller.TenantId.ToString(System.Globalization.CultureInfo.InvariantCulture), ct);
        var usage = await tenants.GetUsageAsync(caller.TenantId, ct);
        return Results.Ok(new TenantDto(tenant.TenantId, tenant.Name, tenant.DisplayName, tenant.Plan, tenant.State == TenantState.Active ? "active" : "suspended", tenant.CreatedAt, options.Plans.For(tenant.Plan), usage));
    }

    private static async Task<IResult> ListUsersAsync(PortalCaller caller, AccountService accounts, int? offset, int? limit, CancellationToken ct) =>
        Paging.TryCreate(offset, limit, out var paging, out var problem)
            ? Results.Ok(paging.Apply(await accounts.ListUsersAsync(caller.TenantId, ct), UserDto.From))
            : problem!;

    private static async Task<IResult> InviteAsync(InviteUserBody body, PortalCaller caller, AccountService accounts, IPortalMail mail, PortalOptions options, CancellationToken ct)
    {
        if (PortalRoles.Parse(body.Role) is not { } role)
        {
            return Problems.Validation("role", "role must be owner, admin, billing or read_only");
        }

        var invitation = await accounts.InviteAsync(caller.TenantId, body.Email ?? string.Empty, body.DisplayName, role, caller.Role, caller.Actor, ct);
        var user = invitation.User;
        // Only the mail, which reaches the invited person, depends on whether they have an account.
        await mail.SendAsync(caller.TenantId, user.Email, "You have been added to a HostedMail tenant", invitation.NewAccount
            ? $"{caller.Email} added you to their HostedMail tenant as {role.Name()}.\n\nChoose your password:\n{AccountEndpoints.Link(options, "reset-password", invitation.Token)}\n"
            : $"{caller.Email} added you to their HostedMail tenant as {role.Name()}.\n\nAccept with your existing HostedMail account:\n{AccountEndpoints.Link(options, "confirm-email", invitation.Token)}\n", ct);
        return Results.Created($"/api/v1/users/{user.UserId}", UserDto.From(user));
    }

    private static async Task<IResult> SetRoleAsync(long id, SetRoleBody body, PortalCaller caller, AccountService accounts, CancellationToken ct)
    {
        if (PortalRoles.Parse(body.Role) is not { } role)
        {
            return Problems.Validation("role", "role must be owner, admin, billing or read_only");
        }

        return Results.Ok(UserDto.From(await accounts.SetRoleAsync(caller.TenantId, id, role, caller.Role, caller.Actor, ct)));
    }

    private static async Task<IResult> RemoveAsync(long id, PortalCaller caller, AccountService accounts, CancellationToken ct)
    {
        await accounts.RemoveUserAsync(caller.TenantId, id, caller.Role, caller.Actor, ct);
        return Results.NoContent();
    }

    private static async Task<IResult> ListAuditAsync(PortalCaller caller, IAuditLog audit, int? offset, int? limit, long? before,
        string? action, string? actor, string? target, string? since, string? until, CancellationToken ct)
    {
        if (!Paging.TryCreate(offset, limit, out var paging, out var problem))
        {
            return problem!;
        }

        if (!AuditFilters.TryCreate(action, actor, target, since, until, out var filter, out var errors))
        {
            return Problems.Validation(errors);
        }

        // Ask for one more than the page to know whether another page follows.
        var rows = await audit.ListAsync(caller.TenantId, filter, paging.Offset, paging.Limit + 1, before, ct);
        var page = rows.Take(paging.Limit).Select(AuditDto.From).ToArray();
        var total = await audit.CountAsync(caller.TenantId, filter, before, ct);
        return Results.Ok(new AuditPageDto(page, total, rows.Count > paging.Limit ? page[^1].Id : null));
    }

    private static async Task<IResult> ListAuditActionsAsync(PortalCaller caller, IAuditLog audit, CancellationToken ct)
    {
        var actions = await audit.ListActionsAsync(caller.TenantId, ct);
        return Results.Ok(new ListDto<string>(actions, actions.Count));
    }
}
