using HostedMail.Core.Security;
using HostedMail.Testing;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.TestingHost;

namespace HostedMail.Grains.Tests;

/// <summary>
/// An <see cref="InProcessTestCluster"/> whose membership, reminders and grain state go through
/// Orleans' ADO.NET providers to a migrated PostgreSQL database: the queries of migration 0070,
/// not the test cluster's in-memory stand-ins.
/// </summary>
public static class PostgresCluster
{
    public const string ServiceId = "grains-tests";

    public static async Task<InProcessTestCluster> StartAsync(TestDatabase database, short silos, AuthPenaltyOptions? penalties = null, Action<IServiceCollection>? configure = null, MailboxCoordinationOptions? coordination = null)
    {
        var builder = new InProcessTestClusterBuilder(silos);
        builder.Options.ConfigureFileLogging = false;
        builder.Options.ServiceId = ServiceId;
        builder.ConfigureSilo((_, silo) =>
        {
            // Registering ADO.NET clustering replaces the test cluster's in-memory membership table.
            TestSilo.UsePostgres(silo, database.ConnectionString, reminders: true);
            silo.Configure<ReminderOptions>(o => o.MinimumReminderPeriod = TimeSpan.FromSeconds(1));
            silo.Configure<ClusterMembershipOptions>(o => o.ProbeTimeout = TimeSpan.FromSeconds(1));
            silo.ConfigureServices(services =>
            {
                // Before the grains' registrations, so their TryAdd defaults yield to the test's.
                configure?.Invoke(services);
                services.AddSingleton(coordination ?? new MailboxCoordinationOptions());
                services.AddHostedMailGrains(penalties);
                services.AddSingleton<ReminderLog>();
            });
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }
}
