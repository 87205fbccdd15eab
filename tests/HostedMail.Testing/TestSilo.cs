using System.Net;
using HostedMail.Grains;
using HostedMail.Net;
using Npgsql;
using Orleans.Configuration;
using Orleans.Hosting;

namespace HostedMail.Testing;

/// <summary>
/// The silo of a test node: clustering and grain state through Orleans' ADO.NET providers on the
/// test's database (migration 0070), free ports on loopback, and a 1 s probe timeout as in the
/// real node, so test nodes on one database form one cluster and notice a dead one quickly.
/// </summary>
public static class TestSilo
{
    public static void Configure(ISiloBuilder silo, string connectionString)
    {
        silo.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = "hostedmail-tests";
            o.ServiceId = "hostedmail-tests";
        });
        silo.ConfigureEndpoints(IPAddress.Loopback, FreePorts.Next(), FreePorts.Next());
        silo.Configure<ClusterMembershipOptions>(o => o.ProbeTimeout = TimeSpan.FromSeconds(1));
        UsePostgres(silo, connectionString, reminders: false);
    }

    /// <summary>
    /// Membership, grain state and (when asked) reminders through Orleans' ADO.NET providers on the
    /// test database, with `orleans` on the search path as the node's data source has it (Storage).
    /// </summary>
    public static void UsePostgres(ISiloBuilder silo, string connectionString, bool reminders)
    {
        var orleans = new NpgsqlConnectionStringBuilder(connectionString) { SearchPath = "public, orleans" }.ConnectionString;
        silo.UseAdoNetClustering(o =>
        {
            o.Invariant = "Npgsql";
            o.ConnectionString = orleans;
        });
        silo.AddAdoNetGrainStorage(GrainStorageNames.Default, o =>
        {
            o.Invariant = "Npgsql";
            o.ConnectionString = orleans;
        });
        if (reminders)
        {
            silo.UseAdoNetReminderService(o =>
            {
                o.Invariant = "Npgsql";
                o.ConnectionString = orleans;
            });
        }
    }
}
