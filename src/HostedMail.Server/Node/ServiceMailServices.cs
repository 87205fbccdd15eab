using System.Net;
using HostedMail.Core.Domains;
using HostedMail.Dns;
using HostedMail.Portal;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace HostedMail.Server.Node;

/// <summary>The service's own mail identity: the portal sender, the node's names and addresses, its DKIM key and the DNS check.</summary>
internal static class ServiceMailServices
{
    public static IServiceCollection AddServiceMail(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(Identity(configuration));
        services.AddSingleton<ServiceDkim>();
        // The check needs the node's resolver, registered with the mail servers; operator commands build their own.
        services.AddSingleton(sp => new ServiceDnsCheck(sp.GetRequiredService<ServiceMailIdentity>(), sp.GetRequiredService<ServiceDkim>(),
            sp.GetRequiredService<IDnsResolver>(), sp.GetRequiredService<TimeProvider>()));
        return services;
    }

    /// <summary>
    /// <c>GET /healthz/dns</c>: the service's DNS records (what <c>hostedmail check-dns</c> prints), 200
    /// when every required one is right, 503 with the problems otherwise. Kept apart from /readyz,
    /// which stays cheap and never takes a node out of a balancer for a DNS record.
    /// </summary>
    public static void MapServiceDnsHealth(this WebApplication app)
    {
        app.MapGet("/healthz/dns", async (ServiceDnsCheck check, CancellationToken requestAborted) =>
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(requestAborted);
            timeout.CancelAfter(TimeSpan.FromSeconds(20));
            IReadOnlyList<ServiceDnsFinding> findings;
            try
            {
                findings = await check.RunAsync(timeout.Token);
            }
            catch (Exception ex) when (ex is Npgsql.NpgsqlException or OperationCanceledException)
            {
                // The DKIM key comes from the database; without it nothing can be compared.
                var reason = ex is OperationCanceledException ? "the check did not finish within 20 s" : "database unreachable: " + ex.Message;
                return Results.Json(new DnsHealthResponse("unknown", [reason], []), statusCode: StatusCodes.Status503ServiceUnavailable);
            }

            var problems = findings.Where(f => f.IsProblem).Select(f => $"{f.Kind}: {f.Type} {f.Name} {f.Status.ToString().ToLowerInvariant()} ({f.Detail}); publish {f.Expected}").ToList();
            var records = findings.Select(f => new DnsRecordStatus(f.Kind, f.Type, f.Name, f.Status.ToString().ToLowerInvariant(), f.Required, f.Expected, f.Detail)).ToList();
            return Results.Json(new DnsHealthResponse(problems.Count == 0 ? "ok" : "problems", problems, records),
                statusCode: problems.Count == 0 ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
        });
    }

    internal sealed record DnsHealthResponse(string Status, IReadOnlyList<string> Problems, IReadOnlyList<DnsRecordStatus> Records);

    internal sealed record DnsRecordStatus(string Kind, string Type, string Name, string Status, bool Required, string Expected, string Found);

    /// <summary>
    /// The same names the rest of the node uses: the portal's sender and endpoints (PortalOptions),
    /// and the EHLO name of the outbound client (<c>Smtp:Hostname</c>, else <c>Mail:Hostname</c>, as SmtpHosting reads it).
    /// </summary>
    public static ServiceMailIdentity Identity(IConfiguration configuration)
    {
        var portal = PortalOptions.FromConfiguration(configuration);
        var helo = configuration["Smtp:Hostname"] is { Length: > 0 } s ? s : configuration["Mail:Hostname"] ?? "localhost";
        var addresses = (configuration.GetSection("Mail:PublicAddresses").Get<List<string>>() ?? []).Select(IPAddress.Parse).ToList();
        return new ServiceMailIdentity(portal.MailFrom, portal.Endpoints.Hostname, helo.TrimEnd('.').ToLowerInvariant(), portal.Endpoints.SpfInclude, addresses);
    }
}
