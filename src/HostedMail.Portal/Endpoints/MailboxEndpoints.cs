using System.Globalization;
using HostedMail.Core;
using HostedMail.Core.AppPasswords;
using HostedMail.Core.Audit;
using HostedMail.Core.Directory;
using HostedMail.Core.Domains;
using HostedMail.Core.Mailboxes;
using HostedMail.Core.Plans;
using HostedMail.Core.Security;
using HostedMail.Core.Tenants;
using HostedMail.Identity.AppPasswords;
using HostedMail.Portal.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace HostedMail.Portal.Endpoints;

internal sealed record CreateMailboxBody(string? Address, string? Password, long? QuotaBytes, string? DisplayName);

internal sealed record UpdateMailboxBody(long? QuotaBytes, string? DisplayName, bool? Enabled);

internal sealed record MailboxPasswordBody(string? Password);

internal sealed record CreateAppPasswordBody(string? Name);

/// <summary>Mailboxes (with usage) and their app passwords.</summary>
internal static class MailboxEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        var mailboxes = api.MapGroup("/mailboxes").WithTags("Mailboxes");
        mailboxes.MapGet("/", ListAsync).Require(Area.Mailboxes, write: false).Produces<ListDto<MailboxDto>>()
            .WithSummary("Mailboxes with quota and usage; ?domainId= filters, ?offset=&limit= pages.");
        mailboxes.MapPost("/", CreateAsync).Require(Area.Mailboxes, write: true).Produces<MailboxDto>(StatusCodes.Status201Created);
        mailboxes.MapGet("/{id:long}", GetAsync).Require(Area.Mailboxes, write: false).Produces<MailboxDto>();
        mailboxes.MapPatch("/{id:long}", UpdateAsync).Require(Area.Mailboxes, write: true).Produces<MailboxDto>()
            .WithSummary("Changes quota, display name, or enabled (a disabled mailbox cannot log in; its mail is kept).");
        mailboxes.MapPut("/{id:long}/password", SetPasswordAsync).Require(Area.Mailboxes, write: true).Produces(StatusCodes.Status204NoContent);
        mailboxes.MapDelete("/{id:long}", DeleteAsync).Require(Area.Mailboxes, write: true).Produces(StatusCodes.Status204NoContent)
            .WithSummary("Deletes the mailbox with its folders and messages.");
        mailboxes.MapGet("/{id:long}/app-passwords", ListAppPasswordsAsync).Require(Area.Mailboxes, write: false).Produces<ListDto<AppPasswordDto>>();
        mailboxes.MapPost("/{id:long}/app-passwords", CreateAppPasswordAsync).Require(Area.Mailboxes, write: true).Produces<CreatedAppPasswordDto>(StatusCodes.Status201Created)
            .WithSummary("Creates an app password for one mail client; the password is in this response only.");
        mailboxes.MapDelete("/{id:long}/app-passwords/{appPasswordId:long}", DeleteAppPasswordAsync).Require(Area.Mailboxes, write: true).Produces(StatusCodes.Status204NoContent);
    }

    private static async Task<Mailbox> LoadAsync(ITenantDirectoryStore directory, PortalCaller caller, long id, CancellationToken ct) =>
        await directory.FindMailboxAsync(caller.TenantId, id, ct) ?? throw HostedMailException.NotFound("no such mailbox");

    private static async Task<IResult> ListAsync(PortalCaller caller, MailboxService mailboxes, ITenantDirectoryStore directory, long? domainId, int? offset, int? limit, CancellationToken ct)
    {
        if (domainId is { } d && await directory.FindDomainAsync(caller.TenantId, d, ct) is null)
        {
            return Problems.Result(404, "not found", "no such domain");
        }

        return Paging.TryCreate(offset, limit, out var paging, out var problem)
            ? Results.Ok(paging.Apply(await mailboxes.ListAsync(caller.TenantId, domainId, ct), MailboxDto.From))
            : problem!;
    }

    private static async Task<IResult> CreateAsync(CreateMailboxBody body, PortalCaller caller, TenantService tenants,
        IMailboxStore mailboxStore, Core.Aliases.IAliasStore aliasStore, DomainService domains, CancellationToken ct)
    {
        var errors = new Dictionary<string, string>();
        if (MailAddress.TryParse(body.Address, allowCatchAll: false, out var address) is { } addressProblem)
        {
            errors["address"] = addressProblem;
        }
        else if (PasswordPolicy.Check(body.Password ?? string.Empty, address!.Value) is { } passwordProblem)
        {
            errors["password"] = passwordProblem;
        }

        if (body.QuotaBytes is <= 0)
        {
            errors["quotaBytes"] = "quota must be positive";
        }

        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        if (await DomainEndpoints.RequireOwnDomainAsync(domains, caller, address!.Domain, ct) is { } notOurs)
        {
            return notOurs;
        }

        // A duplicate is a conflict whatever the plan: checked before the limit.
        if (await mailboxStore.FindAsync(caller.TenantId, address!.Value, ct) is not null || await aliasStore.FindAsync(caller.TenantId, address.Value, ct) is not null)
        {
            return Problems.Result(409, "conflict", $"{address.Value} is already a mailbox or alias");
        }

        // The plan's limit is decided by the tenant's grain, in the same turn as the creation.
        var mailbox = await tenants.CreateMailboxAsync(caller.TenantId, address!.Value, body.Password!, body.QuotaBytes, body.DisplayName, caller.Actor, ct);
        return Results.Created($"/api/v1/mailboxes/{mailbox.MailboxId}", MailboxDto.From(mailbox));
    }

    private static async Task<IResult> GetAsync(long id, PortalCaller caller, ITenantDirectoryStore directory, CancellationToken ct) =>
        Results.Ok(MailboxDto.From(await LoadAsync(directory, caller, id, ct)));

    private static async Task<IResult> UpdateAsync(long id, UpdateMailboxBody body, PortalCaller caller, ITenantDirectoryStore directory, TenantService tenants, CancellationToken ct)
    {
        var mailbox = await LoadAsync(directory, caller, id, ct);
        var errors = new Dictionary<string, string>();
        if (body.QuotaBytes is <= 0)
        {
            errors["quotaBytes"] = "quota must be positive";
        }

        if (body.DisplayName is { } name && (name.Length > 200 || name.Any(char.IsControl)))
        {
            errors["displayName"] = "display name must be at most 200 printable characters";
        }

        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        // A larger quota is checked against the plan's storage by the tenant's grain, with the change.
        var state = body.Enabled switch { true => MailboxState.Active, false => MailboxState.Disabled, null => (MailboxState?)null };
        var updated = await tenants.UpdateMailboxAsync(caller.TenantId, mailbox.MailboxId, new MailboxUpdate(body.QuotaBytes, body.DisplayName, state), caller.Actor, ct);
        return Results.Ok(MailboxDto.From(updated));
    }

    private static async Task<IResult> SetPasswordAsync(long id, MailboxPasswordBody body, PortalCaller caller, ITenantDirectoryStore directory, MailboxService mailboxes, CancellationToken ct)
    {
        var mailbox = await LoadAsync(directory, caller, id, ct);
        if (PasswordPolicy.Check(body.Password ?? string.Empty, mailbox.Address) is { } problem)
        {
            return Problems.Validation("password", problem);
        }

        await mailboxes.SetPasswordAsync(caller.TenantId, mailbox.Address, body.Password!, caller.Actor, ct);
        return Results.NoContent();
    }

    private static async Task<IResult> DeleteAsync(long id, PortalCaller caller, ITenantDirectoryStore directory, MailboxService mailboxes, CancellationToken ct)
    {
        var mailbox = await LoadAsync(directory, caller, id, ct);
        await mailboxes.DeleteAsync(caller.TenantId, mailbox.Address, caller.Actor, ct);
        return Results.NoContent();
    }

    private static async Task<IResult> ListAppPasswordsAsync(long id, PortalCaller caller, ITenantDirectoryStore directory, AppPasswordService appPasswords, int? offset, int? limit, CancellationToken ct) =>
        Paging.TryCreate(offset, limit, out var paging, out var problem)
            ? Results.Ok(paging.Apply(await appPasswords.ListAsync(await LoadAsync(directory, caller, id, ct), ct), AppPasswordDto.From))
            : problem!;

    private static async Task<IResult> CreateAppPasswordAsync(long id, CreateAppPasswordBody body, PortalCaller caller, ITenantDirectoryStore directory, AppPasswordService appPasswords, CancellationToken ct)
    {
        var mailbox = await LoadAsync(directory, caller, id, ct);
        var (created, password) = await appPasswords.CreateAsync(mailbox, body.Name ?? string.Empty, caller.Actor, ct);
        return Results.Created($"/api/v1/mailboxes/{mailbox.MailboxId}/app-passwords/{created.AppPasswordId}", new CreatedAppPasswordDto(AppPasswordDto.From(created), password));
    }

    private static async Task<IResult> DeleteAppPasswordAsync(long id, long appPasswordId, PortalCaller caller, ITenantDirectoryStore directory, AppPasswordService appPasswords, CancellationToken ct)
    {
        var mailbox = await LoadAsync(directory, caller, id, ct);
        return await appPasswords.DeleteAsync(mailbox, appPasswordId, caller.Actor, ct) ? Results.NoContent() : Problems.Result(404, "not found", "no such app password");
    }
}
