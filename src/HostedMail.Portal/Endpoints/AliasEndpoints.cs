using System.Globalization;
using HostedMail.Core;
using HostedMail.Core.Aliases;
using HostedMail.Core.Audit;
using HostedMail.Core.Directory;
using HostedMail.Core.Domains;
using HostedMail.Core.Mailboxes;
using HostedMail.Core.Plans;
using HostedMail.Core.Tenants;
using HostedMail.Portal.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace HostedMail.Portal.Endpoints;

internal sealed record AliasBody(string? Address, IReadOnlyList<string>? Targets);

internal sealed record AliasTargetsBody(IReadOnlyList<string>? Targets);

/// <summary>Aliases to mailboxes and/or external addresses; <c>*@domain</c> is the domain's catch-all.</summary>
internal static class AliasEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        var aliases = api.MapGroup("/aliases").WithTags("Aliases");
        aliases.MapGet("/", ListAsync).Require(Area.Aliases, write: false).Produces<ListDto<AliasDto>>();
        aliases.MapPost("/", CreateAsync).Require(Area.Aliases, write: true).Produces<AliasDto>(StatusCodes.Status201Created)
            .WithSummary("Creates an alias; '*@domain' is the catch-all for addresses that are neither mailbox nor alias.");
        aliases.MapGet("/{id:long}", GetAsync).Require(Area.Aliases, write: false).Produces<AliasDto>();
        aliases.MapPut("/{id:long}/targets", SetTargetsAsync).Require(Area.Aliases, write: true).Produces<AliasDto>();
        aliases.MapDelete("/{id:long}", DeleteAsync).Require(Area.Aliases, write: true).Produces(StatusCodes.Status204NoContent);
    }

    private static async Task<Alias> LoadAsync(ITenantDirectoryStore directory, PortalCaller caller, long id, CancellationToken ct) =>
        await directory.FindAliasAsync(caller.TenantId, id, ct) ?? throw HostedMailException.NotFound("no such alias");

    private static async Task<IResult> ListAsync(PortalCaller caller, AliasService aliases, int? offset, int? limit, CancellationToken ct) =>
        Paging.TryCreate(offset, limit, out var paging, out var problem)
            ? Results.Ok(paging.Apply(await aliases.ListAsync(caller.TenantId, ct), AliasDto.From))
            : problem!;

    private static async Task<IResult> CreateAsync(AliasBody body, PortalCaller caller, TenantService tenants,
        IMailboxStore mailboxStore, IAliasStore aliasStore, DomainService domains, CancellationToken ct)
    {
        var errors = new Dictionary<string, string>();
        if (MailAddress.TryParse(body.Address, allowCatchAll: true, out var address) is { } problem)
        {
            errors["address"] = problem;
        }

        CheckTargetSyntax(body.Targets, errors);
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        if (await DomainEndpoints.RequireOwnDomainAsync(domains, caller, address!.Domain, ct) is { } notOurs)
        {
            return notOurs;
        }

        // A duplicate is a conflict whatever the plan: checked before the limit.
        if (await aliasStore.FindAsync(caller.TenantId, address!.Value, ct) is not null || await mailboxStore.FindAsync(caller.TenantId, address.Value, ct) is not null)
        {
            return Problems.Result(409, "conflict", $"{address.Value} is already an alias or mailbox");
        }

        // The plan's limit is decided by the tenant's grain, in the same turn as the creation.
        var alias = await tenants.CreateAliasAsync(caller.TenantId, body.Address!, body.Targets!, caller.Actor, ct);
        return Results.Created($"/api/v1/aliases/{alias.AliasId}", AliasDto.From(alias));
    }

    private static async Task<IResult> GetAsync(long id, PortalCaller caller, ITenantDirectoryStore directory, CancellationToken ct) =>
        Results.Ok(AliasDto.From(await LoadAsync(directory, caller, id, ct)));

    private static async Task<IResult> SetTargetsAsync(long id, AliasTargetsBody body, PortalCaller caller, ITenantDirectoryStore directory, DomainService domains, IMailboxStore mailboxes, IAliasStore aliasStore, CancellationToken ct)
    {
        var alias = await LoadAsync(directory, caller, id, ct);
        var errors = new Dictionary<string, string>();
        CheckTargetSyntax(body.Targets, errors);
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        // The rules of AliasService.CreateAsync: no self-delivery, local targets must exist.
        var tenantDomains = (await domains.ListAsync(caller.TenantId, ct)).Select(d => d.Name).ToHashSet(StringComparer.Ordinal);
        var clean = new List<string>();
        foreach (var target in body.Targets!)
        {
            var t = MailAddress.Parse(target);
            if (t.Value == alias.Address)
            {
                return Problems.Validation("targets", $"alias {alias.Address} must not deliver to itself");
            }

            if (tenantDomains.Contains(t.Domain) && await mailboxes.FindAsync(caller.TenantId, t.Value, ct) is null && await aliasStore.FindAsync(caller.TenantId, t.Value, ct) is null)
            {
                return Problems.Validation("targets", $"target {t.Value} is not a mailbox or alias of this tenant");
            }

            if (!clean.Contains(t.Value))
            {
                clean.Add(t.Value);
            }
        }

        var updated = await directory.SetAliasTargetsAsync(caller.TenantId, alias.AliasId, clean,
            new AuditEntry(caller.TenantId, caller.Actor, "alias.update", alias.Address, new Dictionary<string, string> { ["targets"] = string.Join(",", clean) }), ct)
            ?? throw HostedMailException.NotFound("no such alias");
        return Results.Ok(AliasDto.From(updated));
    }

    private static async Task<IResult> DeleteAsync(long id, PortalCaller caller, ITenantDirectoryStore directory, CancellationToken ct)
    {
        var alias = await LoadAsync(directory, caller, id, ct);
        await directory.DeleteAliasAsync(caller.TenantId, alias.AliasId, new AuditEntry(caller.TenantId, caller.Actor, "alias.delete", alias.Address), ct);
        return Results.NoContent();
    }

    private static void CheckTargetSyntax(IReadOnlyList<string>? targets, Dictionary<string, string> errors)
    {
        if (targets is null || targets.Count == 0)
        {
            errors["targets"] = "give at least one target address";
            return;
        }

        if (targets.Count > AliasService.MaximumTargets)
        {
            errors["targets"] = $"at most {AliasService.MaximumTargets} targets";
            return;
        }

        foreach (var target in targets)
        {
            if (MailAddress.TryParse(target, allowCatchAll: false, out _) is { } problem)
            {
                errors["targets"] = problem;
                return;
            }
        }
    }
}
