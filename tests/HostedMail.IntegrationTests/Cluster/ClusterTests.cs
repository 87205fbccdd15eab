using System.Globalization;
using System.Text;
using HostedMail.IntegrationTests.Cli;
using HostedMail.IntegrationTests.Revocation;
using HostedMail.Net;
using HostedMail.Server.Node;
using HostedMail.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans;
using Orleans.Runtime;
using Xunit.Abstractions;

namespace HostedMail.IntegrationTests.Cluster;

/// <summary>Every node is a silo: nodes on one database form one cluster through migration 0070's tables.</summary>
public sealed class ClusterTests(ITestOutputHelper output)
{
    [Fact]
    public async Task TwoNodesOnOneDatabaseFormOneClusterThroughThePostgresMembershipTable()
    {
        await using var database = await TestDatabase.CreateMigratedAsync();
        var settings = new Dictionary<string, string?>
        {
            ["Database:ConnectionString"] = database.ConnectionString,
            ["Http:Urls"] = "http://127.0.0.1:0",
            ["Orleans:SiloPort"] = "0",
            ["Orleans:GatewayPort"] = "0",
        };
        await using var a = NodeHost.Build(settings);
        await using var b = NodeHost.Build(settings);
        await a.StartAsync();
        await b.StartAsync();
        try
        {
            var hosts = await a.Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
            Assert.Equal(2, hosts.Count);
            // SiloStatus.Active is 3: both silos are in our table, and each join moved its version.
            Assert.Equal("2", await ScalarAsync(database, "SELECT count(*)::text FROM orleans.membership WHERE status = 3"));
            Assert.Equal("true", await ScalarAsync(database, "SELECT (version >= 2)::text FROM orleans.membership_version"));
        }
        finally
        {
            await b.StopAsync();
            await a.StopAsync();
        }

        // A node that stops leaves the cluster: its row says Dead (6), not Active.
        Assert.Equal("0", await ScalarAsync(database, "SELECT count(*)::text FROM orleans.membership WHERE status = 3"));
    }

    /// <summary>
    /// Failed logins spread over two node processes lock the mailbox together, and the lockout
    /// survives SIGKILL of a node: the survivor serves the mailbox's grain from the grain storage
    /// once membership declares the dead node dead.
    /// </summary>
    [Fact]
    public async Task FailedLoginsOnTwoNodesLockTheMailboxTogetherAndTheLockSurvivesANodesDeath()
    {
        await using var database = await TestDatabase.CreateMigratedAsync();
        var cli = new CliRunner(database.ConnectionString);
        await cli.OkAsync("tenant", "create", "acme");
        await cli.OkAsync("domain", "add", "acme.example", "--tenant", "acme", "--verified");
        await cli.OkAsync("mailbox", "create", "alice@acme.example", "--tenant", "acme", "--password", MailNode.Password);
        await cli.OkAsync("mailbox", "create", "bob@acme.example", "--tenant", "acme", "--password", MailNode.Password);

        var (a, imapA) = await StartNodeAsync(database);
        await using (a)
        {
            var (b, imapB) = await StartNodeAsync(database);
            await using var survivor = b;
            // Four wrong passwords, two on each node: the threshold is four, counted once for the cluster.
            for (var i = 0; i < 4; i++)
            {
                Assert.Contains("NO [AUTHENTICATIONFAILED]", await MailLogins.ImapAsync(i % 2 == 0 ? imapA : imapB, "alice@acme.example", "wrong"), StringComparison.Ordinal);
            }

            // Locked on both nodes, even with the right password; bob (same client address) is not locked.
            Assert.Contains("NO [UNAVAILABLE]", await MailLogins.ImapAsync(imapA, "alice@acme.example", MailNode.Password), StringComparison.Ordinal);
            Assert.Contains("NO [UNAVAILABLE]", await MailLogins.ImapAsync(imapB, "alice@acme.example", MailNode.Password), StringComparison.Ordinal);
            Assert.Contains("OK", await MailLogins.ImapAsync(imapB, "bob@acme.example", MailNode.Password), StringComparison.Ordinal);

            // Kill node A. Whichever node held alice's grain, the survivor answers from the stored
            // count once A is declared dead (a 1 s probe timeout: seconds, not minutes).
            await a.KillAsync();
            var declaredDead = System.Diagnostics.Stopwatch.StartNew();
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            while (await ScalarAsync(database, "SELECT count(*)::text FROM orleans.membership WHERE status = 3") != "1")
            {
                await Task.Delay(100, deadline.Token);
            }

            // A call already on its way to the dead node may fail once (answered as a temporary
            // failure, never as a login): wait until the survivor answers bob again.
            while (!(await MailLogins.ImapAsync(imapB, "bob@acme.example", MailNode.Password)).Contains("OK", StringComparison.Ordinal))
            {
                await Task.Delay(100, deadline.Token);
            }

            output.WriteLine($"node A declared dead after {declaredDead.Elapsed.TotalSeconds:F1} s");
            Assert.Contains("NO [UNAVAILABLE]", await MailLogins.ImapAsync(imapB, "alice@acme.example", MailNode.Password), StringComparison.Ordinal);
            Assert.Contains("NO [AUTHENTICATIONFAILED]", await MailLogins.ImapAsync(imapB, "bob@acme.example", "wrong"), StringComparison.Ordinal);
        }
    }

    private static async Task<(NodeProcess Node, int ImapPort)> StartNodeAsync(TestDatabase database)
    {
        var httpPort = FreePorts.Next();
        var imapPort = FreePorts.Next();
        var settings = new Dictionary<string, string>
        {
            ["Database:ConnectionString"] = database.ConnectionString,
            ["Http:Urls"] = $"http://127.0.0.1:{httpPort}",
            ["Mail:Listeners:imap:Protocol"] = "imap",
            ["Mail:Listeners:imap:Endpoint"] = $"127.0.0.1:{imapPort}",
            ["Imap:AllowPlaintextAuthentication"] = "true",
            ["Security:PasswordHashIterations"] = "1000",
            ["Auth:Penalties:FreeFailures"] = "100",
            ["Auth:Penalties:UsernameLockoutThreshold"] = "4",
            ["Auth:Penalties:AddressLockoutThreshold"] = "1000",
            ["Dns:Servers:0"] = "127.0.0.1:9",
        };
        return (await NodeProcess.StartAsync(settings, httpPort), imapPort);
    }

    private static async Task<string?> ScalarAsync(TestDatabase database, string sql)
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToString(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }
}
