using System.Net;
using HostedMail.Grains.Domains;
using HostedMail.Identity.OAuth;
using HostedMail.Net;
using HostedMail.Portal;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using HostedMail.Storage.DataProtection;
using HostedMail.Storage.Migrations;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace HostedMail.Server.Node;

/// <summary>Builds the running node: one generic host with the Orleans silo, HTTP (health, portal API) and the mail listeners.</summary>
internal static class NodeHost
{
    /// <param name="overrides">Configuration over appsettings.json and the environment.</param>
    /// <param name="configureServices">Runs after the node's own registrations: tests replace a service with a faulty one.</param>
    public static WebApplication Build(IReadOnlyDictionary<string, string?>? overrides = null, Action<IServiceCollection>? configureServices = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = NodeLogging.EnvironmentName(overrides),
        });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddHostedMailSources(overrides);
        builder.AddNodeLogging();
        builder.Services.AddHostedMailTelemetry();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));
        builder.Services.AddHostedMailCore(builder.Configuration);
        builder.Services.AddMailServers(builder.Configuration);
        builder.Services.AddPortal(builder.Configuration);
        // The domains' DNS checks run from their grains' reminders, once per cluster (Portal:DomainChecks).
        builder.Services.AddDomainCheckReminders(new DomainCheckOptions
        {
            Enabled = PortalOptions.FromConfiguration(builder.Configuration).DomainMonitorEnabled,
            Period = builder.Configuration.GetValue("Portal:DomainChecks:Period", TimeSpan.FromMinutes(1)),
        });
        builder.AddHostedMailSilo();
        builder.Services.AddHostedMailDataProtection(DataProtectionKey(builder.Configuration));
        builder.Services.AddHostedMailOAuth(builder.Configuration, builder.Configuration.ConnectionString());
        configureServices?.Invoke(builder.Services);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            ListenHttp(kestrel, builder.Configuration);
            kestrel.BindMailListeners(builder.Configuration);
        });

        var app = builder.Build();
        app.UseTrustedProxyHeaders(builder.Configuration);
        MapHealth(app);
        app.MapOperatorEndpoints();
        app.MapServiceDnsHealth();
        app.MapPortalApi();
        app.MapHostedMailOAuth();
        return app;
    }

    /// <summary>
    /// <c>DataProtection:EncryptionKey</c>: base64 of 32 random bytes, the same on every node; it
    /// encrypts the shared Data Protection keys at rest. Without it keys are stored unencrypted and
    /// ASP.NET warns "No XML encryptor configured" (development only).
    /// </summary>
    private static byte[]? DataProtectionKey(ConfigurationManager configuration)
    {
        if (configuration["DataProtection:EncryptionKey"] is not { Length: > 0 } text)
        {
            return null;
        }

        var key = new byte[32];
        return Convert.TryFromBase64String(text, key, out var written) && written == 32
            ? key
            : throw new InvalidOperationException("DataProtection:EncryptionKey must be base64 of exactly 32 bytes (openssl rand -base64 32)");
    }

    /// <summary>Applies pending migrations when configured to; a changed migration stops the node here.</summary>
    public static async Task MigrateOnStartAsync(WebApplication app, CancellationToken cancellationToken)
    {
        if (!app.Configuration.GetValue("Database:MigrateOnStart", true))
        {
            return;
        }

        var applied = await app.Services.GetRequiredService<MigrationRunner>().ApplyAsync(cancellationToken);
        if (applied.Count > 0)
        {
            app.Logger.LogInformation("Applied migrations {Migrations}", string.Join(", ", applied));
        }
    }

    /// <summary>Binds <c>Http:Urls</c> (";"-separated); explicit Kestrel endpoints replace UseUrls.</summary>
    private static void ListenHttp(KestrelServerOptions kestrel, ConfigurationManager configuration)
    {
        foreach (var url in (configuration["Http:Urls"] ?? "http://127.0.0.1:8080").Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var uri = new Uri(url.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal));
            var address = uri.Host == "localhost" ? IPAddress.Loopback : IPAddress.Parse(uri.Host.Trim('[', ']'));
            kestrel.Listen(address, uri.Port);
        }
    }

    private static void MapHealth(WebApplication app)
    {
        // Liveness: the process answers. Readiness: the database answers and the schema is current.
        app.MapGet("/healthz", () => Results.Text("ok\n"));
        app.MapGet("/readyz", async (MigrationRunner migrations, CancellationToken requestAborted) =>
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(requestAborted);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            try
            {
                var status = await migrations.GetStatusAsync(timeout.Token);
                return status.IsCurrent
                    ? Results.Json(new ReadyResponse("ready", null))
                    : Results.Json(new ReadyResponse("unavailable", status.Problem), statusCode: StatusCodes.Status503ServiceUnavailable);
            }
            catch (Exception ex) when (ex is NpgsqlException or OperationCanceledException or MigrationException)
            {
                var reason = ex is OperationCanceledException ? "database did not answer within 5 s" : "database unreachable: " + ex.Message;
                return Results.Json(new ReadyResponse("unavailable", reason), statusCode: StatusCodes.Status503ServiceUnavailable);
            }
        });
    }

    internal sealed record ReadyResponse(string Status, string? Reason);
}
