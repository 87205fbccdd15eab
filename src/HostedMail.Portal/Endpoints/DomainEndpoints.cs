using HostedMail.Core;
using HostedMail.Core.Directory;
using HostedMail.Core.Domains;
using HostedMail.Core.Plans;
using HostedMail.Core.Tenants;
using HostedMail.MailAuth.Dkim;
using HostedMail.Portal.Auth;
using HostedMail.Portal.Dns;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace HostedMail.Portal.Endpoints;

internal sealed record AddDomainBody(string? Name);

/// <summary>Domains: add, verify ownership, the records to publish with their live status, DKIM keys.</summary>
internal static class DomainEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        var domains = api.MapGroup("/domains").WithTags("Domains");
        domains.MapGet("/", ListAsync).Require(Area.Domains, write: false).Produces<ListDto<DomainDto>>();
        domains.MapPost("/", AddAsync).Require(Area.Domains, write: true).Produces<DomainDto>(StatusCodes.Status201Created)
            .WithSummary("Adds a domain (IDN allowed, stored as punycode); returns the TXT record that proves ownership.");
        domains.MapGet("/{id:long}", GetAsync).Require(Area.Domains, write: false).Produces<DomainDto>();
        domains.MapDelete("/{id:long}", DeleteAsync).Require(Area.Domains, write: true).Produces(StatusCodes.Status204NoContent)
            .WithSummary("Removes the domain with its mailboxes, aliases and keys.");
        domains.MapPost("/{id:long}/verify", VerifyAsync).Require(Area.Domains, write: true).Produces<VerificationResultDto>()
            .WithSummary("Looks up the ownership TXT record now; the background job also retries with backoff.");
        domains.MapGet("/{id:long}/records", RecordsAsync).Require(Area.Domains, write: false).Produces<DomainRecordsDto>()
            .WithSummary("Every record to publish with its live status: ok, missing or wrong, with the values found.");
        domains.MapGet("/{id:long}/zone", ZoneAsync).Require(Area.Domains, write: false).Produces<string>(200, "text/plain")
            .WithSummary("The records as a zone-file snippet.");
        domains.MapGet("/{id:long}/dkim", ListDkimAsync).Require(Area.Domains, write: false).Produces<ListDto<DkimKeyDto>>();
        domains.MapPost("/{id:long}/dkim/rotate", RotateDkimAsync).Require(Area.Domains, write: true).Produces<DkimKeyDto>()
            .WithSummary("Adds a new DKIM key under a new selector; the old one stays published until retired.");
        domains.MapDelete("/{id:long}/dkim/{selector}", RetireDkimAsync).Require(Area.Domains, write: true).Produces(StatusCodes.Status204NoContent);
    }

    /// <summary>404 unless the address's domain is one of the caller's: the same answer whether or not another tenant has added it.</summary>
    internal static async Task<IResult?> RequireOwnDomainAsync(DomainService domains, PortalCaller caller, string domain, CancellationToken ct) =>
        await domains.FindAsync(caller.TenantId, domain, ct) is null ? Problems.Result(404, "not found", $"domain {domain} is not a domain of this tenant") : null;

    internal static async Task<Domain> LoadAsync(ITenantDirectoryStore directory, PortalCaller caller, long id, CancellationToken ct) =>
        await directory.FindDomainAsync(caller.TenantId, id, ct) ?? throw HostedMailException.NotFound("no such domain");

    private static async Task<IResult> ListAsync(PortalCaller caller, DomainService domains, IDomainHealthStore health, int? offset, int? limit, CancellationToken ct)
    {
        if (!Paging.TryCreate(offset, limit, out var paging, out var problem))
        {
            return problem!;
        }

        var page = paging.Apply(await domains.ListAsync(caller.TenantId, ct));
        var items = new List<DomainDto>(page.Items.Count);
        foreach (var d in page.Items)
        {
            items.Add(DomainDto.From(d, await health.GetAsync(d.TenantId, d.DomainId, ct)));
        }

        return Results.Ok(new ListDto<DomainDto>(items, page.Total));
    }

    private static async Task<IResult> AddAsync(AddDomainBody body, PortalCaller caller, DomainService domains, TenantService tenants,
        IDomainHealthStore health, PortalOptions options, TimeProvider time, CancellationToken ct)
    {
        if (DomainName.TryNormalize(body.Name, out _) is { } problem)
        {
            return Problems.Validation("name", problem);
        }

        // A duplicate is a conflict whatever the plan: checked before the limit.
        await domains.CheckAddableAsync(caller.TenantId, body.Name!, ct);
        // The plan's limit is decided by the tenant's grain, in the same turn as the addition.
        var domain = await tenants.AddDomainAsync(caller.TenantId, body.Name!, caller.Actor, ct);
        await health.ScheduleAsync(domain.TenantId, domain.DomainId, time.GetUtcNow() + options.VerifyInitialInterval, ct);
        return Results.Created($"/api/v1/domains/{domain.DomainId}", DomainDto.From(domain, await health.GetAsync(domain.TenantId, domain.DomainId, ct)));
    }

    private static async Task<IResult> GetAsync(long id, PortalCaller caller, ITenantDirectoryStore directory, IDomainHealthStore health, CancellationToken ct)
    {
        var domain = await LoadAsync(directory, caller, id, ct);
        return Results.Ok(DomainDto.From(domain, await health.GetAsync(domain.TenantId, domain.DomainId, ct)));
    }

    private static async Task<IResult> DeleteAsync(long id, PortalCaller caller, ITenantDirectoryStore directory, DomainService domains, CancellationToken ct)
    {
        var domain = await LoadAsync(directory, caller, id, ct);
        // Through the domain's grain, whose memory answers RCPT.
        await domains.RemoveAsync(caller.TenantId, domain.Name, caller.Actor, ct);
        return Results.NoContent();
    }

    private static async Task<IResult> VerifyAsync(long id, PortalCaller caller, ITenantDirectoryStore directory, DomainService domains, DomainMonitor monitor,
        IDomainHealthStore health, CancellationToken ct)
    {
        var domain = await LoadAsync(directory, caller, id, ct);
        var result = await domains.VerifyAsync(caller.TenantId, domain.Name, caller.Actor, operatorOverride: false, ct);
        if (result.IsVerified && domain.State == DomainState.Pending)
        {
            await monitor.OnVerifiedAsync(domain.TenantId, domain.DomainId, ct);
        }

        var status = result.Probe?.Status switch
        {
            OwnershipProbeStatus.Present => "ok",
            OwnershipProbeStatus.Missing => "missing",
            OwnershipProbeStatus.Wrong => "wrong",
            OwnershipProbeStatus.TemporaryFailure => "unknown",
            _ => result.IsVerified ? "ok" : null,
        };
        var dto = DomainDto.From(result.Domain, await health.GetAsync(domain.TenantId, domain.DomainId, ct));
        return Results.Ok(new VerificationResultDto(dto, result.IsVerified, status, result.Probe?.Found ?? [], result.Domain.VerificationRecordValue, result.Probe?.Error));
    }

    private static async Task<(Domain Domain, IReadOnlyList<DnsRecordSpec> Records)> ExpectedAsync(long id, PortalCaller caller, ITenantDirectoryStore directory, DkimKeyService dkim, PortalOptions options, CancellationToken ct)
    {
        var domain = await LoadAsync(directory, caller, id, ct);
        await dkim.GetOrCreateAsync(domain.TenantId, domain.DomainId, ct);
        var keys = await directory.ListDkimKeysAsync(domain.TenantId, domain.DomainId, ct);
        var dkimValues = keys.Select(k => (k.Selector, DkimValue(k))).ToArray();
        return (domain, DomainRecords.Expected(domain.Name, options.Endpoints, dkimValues));
    }

    private static async Task<IResult> RecordsAsync(long id, PortalCaller caller, ITenantDirectoryStore directory, DkimKeyService dkim, DomainRecordChecker checker, PortalOptions options, CancellationToken ct)
    {
        var (domain, expected) = await ExpectedAsync(id, caller, directory, dkim, options, ct);
        var checkedRecords = await checker.CheckAsync(expected, domain.VerificationRecordValue, ct);
        var records = checkedRecords.Select(c => new RecordCheckDto(c.Expected.Kind, c.Expected.Type, c.Expected.Name,
            c.Expected.Kind == "ownership" ? domain.VerificationRecordValue : c.Expected.Value,
            DomainDto.Status(c.Status)!, c.Found, c.Expected.Required, c.Expected.Purpose, c.Note)).ToArray();
        return Results.Ok(new DomainRecordsDto(domain.DomainId, domain.Name, records, DomainRecords.ZoneSnippet(domain.Name, expected, domain.VerificationRecordValue)));
    }

    private static async Task<IResult> ZoneAsync(long id, PortalCaller caller, ITenantDirectoryStore directory, DkimKeyService dkim, PortalOptions options, CancellationToken ct)
    {
        var (domain, expected) = await ExpectedAsync(id, caller, directory, dkim, options, ct);
        return Results.Text(DomainRecords.ZoneSnippet(domain.Name, expected, domain.VerificationRecordValue), "text/plain; charset=utf-8");
    }

    private static async Task<IResult> ListDkimAsync(long id, PortalCaller caller, ITenantDirectoryStore directory, DkimKeyService dkim, int? offset, int? limit, CancellationToken ct)
    {
        if (!Paging.TryCreate(offset, limit, out var paging, out var problem))
        {
            return problem!;
        }

        var domain = await LoadAsync(directory, caller, id, ct);
        await dkim.GetOrCreateAsync(domain.TenantId, domain.DomainId, ct);
        var keys = await directory.ListDkimKeysAsync(domain.TenantId, domain.DomainId, ct);
        return Results.Ok(paging.Apply(keys.Select((k, i) => new DkimKeyDto(k.Selector, $"{k.Selector}._domainkey.{domain.Name}", DkimValue(k), k.CreatedAt, i == 0)).ToArray()));
    }

    private static async Task<IResult> RotateDkimAsync(long id, PortalCaller caller, ITenantDirectoryStore directory, DomainService domains, CancellationToken ct)
    {
        var domain = await LoadAsync(directory, caller, id, ct);
        // The domain's grain decides (409 when two keys are published); the key is made here, outside its turn.
        var key = await domains.RotateDkimAsync(caller.TenantId, domain.Name, DkimKeyService.NewPrivateKeyPem(), caller.Actor, ct);
        return Results.Ok(new DkimKeyDto(key.Selector, $"{key.Selector}._domainkey.{domain.Name}", DkimValue(key), key.CreatedAt, true));
    }

    private static async Task<IResult> RetireDkimAsync(long id, string selector, PortalCaller caller, ITenantDirectoryStore directory, DomainService domains, CancellationToken ct)
    {
        var domain = await LoadAsync(directory, caller, id, ct);
        // 404 for no such active selector, 409 for the only key: decided by the domain's grain.
        await domains.RetireDkimAsync(caller.TenantId, domain.Name, selector, caller.Actor, ct);
        return Results.NoContent();
    }

    private static string DkimValue(DkimKey key)
    {
        using var signing = DkimSigningKey.FromPem(key.DomainName, key.Selector, key.PrivateKeyPem);
        return signing.DnsTxtValue;
    }
}
