using System.Net;
using HostedMail.Grains;
using HostedMail.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Orleans.Configuration;
using Orleans.Dashboard;
using Orleans.Hosting;

namespace HostedMail.Server.Node;

/// <summary>The node's Orleans silo settings (<c>Orleans:...</c>).</summary>
internal sealed class SiloSettings
{
    /// <summary>Nodes with the same cluster id on one database form one cluster.</summary>
    public string ClusterId { get; set; } = "hostedmail";

    /// <summary>Names the grain state and reminders; the same for every node of the service.</summary>
    public string ServiceId { get; set; } = "hostedmail";

    /// <summary>Silo-to-silo port; 0 picks a free port (tests).</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>Port for Orleans clients (none yet); 0 picks a free port (tests).</summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>The address other nodes reach this one at; loopback by default, like every other listener.</summary>
    public string AdvertisedAddress { get; set; } = "127.0.0.1";

    /// <summary>Listen on every local address instead of only <see cref="AdvertisedAddress"/> (behind NAT or in containers).</summary>
    public bool ListenOnAnyAddress { get; set; }

    /// <summary>
    /// How long a silo waits for a probe answer. Three missed probes declare a node dead, so a
    /// killed node's grains move to the survivors within about three times this (issue 14 measured
    /// ~3 s with 1 s, ~12 s with Orleans' default).
    /// </summary>
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The shortest reminder period Orleans accepts (its default, one minute; tests lower it to run domain checks every second).</summary>
    public TimeSpan MinimumReminderPeriod { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>
/// Every node is an Orleans silo (ARCHITECTURE.md): clustering, reminders and grain storage on
/// the node's PostgreSQL through Orleans' ADO.NET providers, sharing the stores' data source; the
/// tables and the providers' queries are migration 0070.
/// </summary>
internal static class SiloHosting
{
    private const string Invariant = "Npgsql";

    public static void AddHostedMailSilo(this WebApplicationBuilder builder)
    {
        var settings = builder.Configuration.GetSection("Orleans").Get<SiloSettings>() ?? new SiloSettings();
        var advertised = IPAddress.Parse(settings.AdvertisedAddress);
        var siloPort = settings.SiloPort == 0 ? FreePorts.Next(advertised) : settings.SiloPort;
        var gatewayPort = settings.GatewayPort == 0 ? FreePorts.Next(advertised) : settings.GatewayPort;
        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = settings.ClusterId;
                o.ServiceId = settings.ServiceId;
            });
            silo.ConfigureEndpoints(advertised, siloPort, gatewayPort, settings.ListenOnAnyAddress);
            silo.Configure<ClusterMembershipOptions>(o =>
            {
                o.ProbeTimeout = settings.ProbeTimeout;
                o.NumMissedProbesLimit = 3;
            });
            silo.UseAdoNetClustering(o => o.Configure<NpgsqlDataSource>((options, dataSource) =>
            {
                options.Invariant = Invariant;
                options.DataSource = dataSource;
            }));
            silo.Configure<ReminderOptions>(o => o.MinimumReminderPeriod = settings.MinimumReminderPeriod);
            silo.UseAdoNetReminderService(o => o.Configure<NpgsqlDataSource>((options, dataSource) =>
            {
                options.Invariant = Invariant;
                options.DataSource = dataSource;
            }));
            if (builder.Configuration.GetValue("Operator:Dashboard", true))
            {
                // Served at /dashboard to operators only (OperatorEndpoints).
                silo.AddDashboard();
            }

            silo.AddAdoNetGrainStorage(GrainStorageNames.Default, o => o.Configure<NpgsqlDataSource>((options, dataSource) =>
            {
                options.Invariant = Invariant;
                options.DataSource = dataSource;
            }));
        });
    }

}
