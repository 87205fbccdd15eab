using HostedMail.Server.Node;
using HostedMail.Storage.Stores;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Orleans;
using Orleans.Configuration;
using Orleans.Hosting;

namespace HostedMail.Server.Cli;

/// <summary>
/// An operator command's way into a running cluster: an Orleans client through the nodes'
/// gateways, so tenant changes go through the tenant's grain and directory changes reach the
/// domains' grains (whose memory answers RCPT) exactly as the portal's do. When no node runs
/// there is no grain memory to keep true, and the command writes to the database alone.
/// </summary>
internal sealed class CliCluster : IAsyncDisposable
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(15);

    private readonly IHost _host;

    private CliCluster(IHost host) => _host = host;

    public IGrainFactory Grains => _host.Services.GetRequiredService<IClusterClient>();

    /// <summary>A connected client, or null when no node of the configured cluster is alive.</summary>
    public static async Task<CliCluster?> TryConnectAsync(IConfiguration configuration, CancellationToken cancellationToken)
    {
        var settings = configuration.GetSection("Orleans").Get<SiloSettings>() ?? new SiloSettings();
        var connectionString = new NpgsqlConnectionStringBuilder(configuration.ConnectionString()) { SearchPath = "public, orleans" }.ConnectionString;
        await using (var dataSource = NpgsqlDataSource.Create(connectionString))
        {
            try
            {
                if (!await ClusterMembership.HasLiveGatewayAsync(dataSource, settings.ClusterId, cancellationToken))
                {
                    return null;
                }
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UndefinedTable)
            {
                // Not migrated yet: no node has run on this database.
                return null;
            }
        }

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = settings.ClusterId;
                o.ServiceId = settings.ServiceId;
            });
            client.UseAdoNetClustering(o =>
            {
                o.Invariant = "Npgsql";
                o.ConnectionString = connectionString;
            });
        });
        var host = builder.Build();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ConnectTimeout);
        try
        {
            await host.StartAsync(timeout.Token);
            return new CliCluster(host);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // A node listed alive but unreachable (killed moments ago): no grain there to tell either.
            host.Dispose();
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
