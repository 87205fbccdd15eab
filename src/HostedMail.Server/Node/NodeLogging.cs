using HostedMail.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace HostedMail.Server.Node;

/// <summary>
/// The node's environment and console logs: one readable line per event in Development, one JSON
/// object per line elsewhere (for collectors); <c>Logging:Format</c> ("simple" or "json") overrides.
/// </summary>
internal static class NodeLogging
{
    /// <summary>
    /// The environment name: <c>Environment</c> in the node's configuration (appsettings.json,
    /// <c>HOSTEDMAIL__ENVIRONMENT</c>, test overrides), else ASP.NET's own <c>DOTNET_ENVIRONMENT</c> /
    /// <c>ASPNETCORE_ENVIRONMENT</c>, else Production. The node clears the host's configuration
    /// sources for its own, so nothing else can name it.
    /// </summary>
    public static string? EnvironmentName(IReadOnlyDictionary<string, string?>? overrides) =>
        NodeConfiguration.Build(overrides)["Environment"] is { Length: > 0 } name ? name : null;

    public static void AddNodeLogging(this WebApplicationBuilder builder)
    {
        builder.Logging.ClearProviders();
        var format = builder.Configuration["Logging:Format"] ?? (builder.Environment.IsDevelopment() ? "simple" : "json");
        if (format.Equals("json", StringComparison.OrdinalIgnoreCase))
        {
            builder.Logging.AddJsonConsole(o =>
            {
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
                o.IncludeScopes = true;
            });
        }
        else
        {
            builder.Logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "HH:mm:ss.fff ";
            });
        }

        // Orleans narrates every lifecycle stage at Information; its warnings and errors still show.
        builder.Logging.AddFilter("Orleans", LogLevel.Warning);
        // Orleans' placement runs through a Polly pipeline that logs every attempt at Information.
        builder.Logging.AddFilter("Polly", LogLevel.Warning);
        // The host's "Now listening on: http://..." names every Kestrel endpoint http, mail ports
        // included; NodeAnnouncer says what each listener is instead.
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);
        builder.Services.AddHostedService<NodeAnnouncer>();
    }
}

/// <summary>Logs, once the node has started, its environment and what listens where: HTTP and each mail listener as what it is.</summary>
internal sealed class NodeAnnouncer(
    IHostApplicationLifetime lifetime,
    IHostEnvironment environment,
    IServer server,
    MailListenerRegistry mailListeners,
    MailNetServices net,
    IConfiguration configuration,
    ILogger<NodeAnnouncer> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStarted.Register(Announce);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void Announce()
    {
        var mailPorts = mailListeners.Names.Select(n => mailListeners.EndPoint(n).Port).ToHashSet();
        foreach (var address in server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [])
        {
            if (Uri.TryCreate(address, UriKind.Absolute, out var uri) && !mailPorts.Contains(uri.Port))
            {
                var operators = configuration["Operator:Token"] is { Length: > 0 } ? "/metrics and /dashboard with the operator token" : "operator endpoints off (no Operator:Token)";
                NodeLog.HttpListening(logger, address, operators);
            }
        }

        var tls = net.Certificates?.HasCertificates == true;
        foreach (var name in mailListeners.Names)
        {
            NodeLog.MailListening(logger, mailListeners.Describe(name, tls));
        }

        NodeLog.Started(logger, environment.EnvironmentName);
    }
}

internal static partial class NodeLog
{
    [LoggerMessage(9000, LogLevel.Information, "HTTP listening on {Address} (portal, /healthz, /readyz; {Operators})")]
    public static partial void HttpListening(ILogger logger, string address, string operators);

    [LoggerMessage(9001, LogLevel.Information, "{Listener}")]
    public static partial void MailListening(ILogger logger, string listener);

    [LoggerMessage(9002, LogLevel.Information, "HostedMail node started in the {Environment} environment; SIGTERM or Ctrl+C stops it")]
    public static partial void Started(ILogger logger, string environment);
}
