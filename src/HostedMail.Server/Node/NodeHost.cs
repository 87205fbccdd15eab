using HostedMail.Portal;
using HostedMail.Storage.Migrations;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace HostedMail.Server.Node;

/// <summary>Builds the running node: HTTP (health, later the portal) and, in later issues, the mail listeners.</summary>
internal static class NodeHost
{
    public static WebApplication Build(IReadOnlyDictionary<string, string?>? overrides = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddHostedMailSources(overrides);
        builder.Logging.ClearProviders();
        builder.Logging.AddJsonConsole(o => o.UseUtcTimestamp = true);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));
        builder.Services.AddHostedMailCore(builder.Configuration);
        builder.Services.AddMailServers(builder.Configuration);
        builder.Services.AddPortal(builder.Configuration);
        builder.WebHost.ConfigureKestrel(kestrel =>
            MailListeners.Configure(kestrel, builder.Configuration, kestrel.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger("HostedMail.Node")));

        var app = builder.Build();
        MapHealth(app);
        app.MapPortalApi();
        return app;
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
