using HostedMail.Core.Accounts;
using HostedMail.Core.OAuth;
using HostedMail.Identity.OAuth;
using HostedMail.Portal.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace HostedMail.Portal.Endpoints;

internal sealed record CreateOAuthClientBody(string? Name, string? Role);

internal sealed record OAuthClientDto(string ClientId, string Name, [property: JsonValues("admin", "billing", "read_only")] string Role, DateTimeOffset CreatedAt, string CreatedBy)
{
    public static OAuthClientDto From(TenantOAuthClient c) => new(c.ClientId, c.Name, c.Role.Name(), c.CreatedAt, c.CreatedBy);
}

/// <summary>The new client with its secret (shown this once) and where to get tokens.</summary>
internal sealed record CreatedOAuthClientDto(OAuthClientDto Client, string ClientSecret, string TokenEndpoint, string Scope);

/// <summary>The tenant's confidential OAuth clients for its own automation (client credentials grant, docs/api.md).</summary>
internal static class OAuthClientEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        var clients = api.MapGroup("/oauth/clients").WithTags("OAuth clients");
        clients.MapGet("/", ListAsync).Require(Area.OAuthClients, write: false).Produces<ListDto<OAuthClientDto>>()
            .WithSummary("The tenant's confidential OAuth clients (no secrets).");
        clients.MapPost("/", CreateAsync).Require(Area.OAuthClients, write: true).Produces<CreatedOAuthClientDto>(StatusCodes.Status201Created)
            .WithSummary("Creates a client for the client credentials grant acting with the given role (admin, billing or read_only) in this tenant; the secret is in this response only.");
        clients.MapDelete("/{clientId}", DeleteAsync).Require(Area.OAuthClients, write: true).Produces(StatusCodes.Status204NoContent)
            .WithSummary("Deletes the client; its tokens stop working at once.");
    }

    private static async Task<IResult> ListAsync(PortalCaller caller, HttpContext http, int? offset, int? limit, CancellationToken ct)
    {
        if (Service(http) is not { } service)
        {
            return NotEnabled();
        }

        return Paging.TryCreate(offset, limit, out var paging, out var problem)
            ? Results.Ok(paging.Apply(await service.ListAsync(caller.TenantId, ct), OAuthClientDto.From))
            : problem!;
    }

    private static async Task<IResult> CreateAsync(CreateOAuthClientBody body, PortalCaller caller, HttpContext http, CancellationToken ct)
    {
        if (Service(http) is not { } service)
        {
            return NotEnabled();
        }

        var (client, secret) = await service.CreateAsync(caller.TenantId, body.Name, body.Role, caller.Actor, ct);
        var issuer = http.RequestServices.GetRequiredService<OAuthServerOptions>().Issuer!;
        return Results.Created($"/api/v1/oauth/clients/{client.ClientId}",
            new CreatedOAuthClientDto(OAuthClientDto.From(client), secret, new Uri(issuer, "connect/token").AbsoluteUri, ApiOAuth.ApiScope));
    }

    private static async Task<IResult> DeleteAsync(string clientId, PortalCaller caller, HttpContext http, CancellationToken ct)
    {
        if (Service(http) is not { } service)
        {
            return NotEnabled();
        }

        // Another tenant's client answers like no client at all.
        return await service.DeleteAsync(caller.TenantId, clientId, caller.Actor, ct)
            ? Results.NoContent()
            : Problems.Result(404, "not found", "No such OAuth client in this tenant.");
    }

    private static TenantOAuthClientService? Service(HttpContext http) => http.RequestServices.GetService<TenantOAuthClientService>();

    private static IResult NotEnabled() =>
        Problems.Result(404, "OAuth is off", "This node runs no authorization server (OAuth:Issuer is not set).");
}
