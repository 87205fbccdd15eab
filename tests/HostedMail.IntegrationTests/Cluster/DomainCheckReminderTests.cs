using System.Diagnostics;
using HostedMail.Server.Node;
using HostedMail.Testing.Dns;
using Microsoft.AspNetCore.Builder;

namespace HostedMail.IntegrationTests.Cluster;

/// <summary>
/// Two nodes (two silos of one cluster in this process, one database) with domain checks on:
/// node A plus a second node built from the same settings. The checks run from the domain grain's
/// reminder, so the test DNS server sees a pending domain's ownership lookup once per interval,
/// not once per node.
/// </summary>
public sealed class CheckingCluster : MailNode, IAsyncLifetime
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    private WebApplication? nodeB;

    public override Dictionary<string, string?> Settings()
    {
        var settings = base.Settings();
        settings["Portal:DomainChecks:Enabled"] = "true";
        settings["Portal:DomainChecks:Period"] = "00:00:01";
        // A flat schedule: every check of a pending domain is due one interval after the last.
        settings["Portal:DomainChecks:VerifyInitialInterval"] = "00:00:02";
        settings["Portal:DomainChecks:VerifyMaxInterval"] = "00:00:02";
        settings["Portal:DnsServers"] = Dns.EndPoint.ToString();
        settings["Orleans:MinimumReminderPeriod"] = "00:00:01";
        return settings;
    }

    public new async Task InitializeAsync()
    {
        await base.InitializeAsync();
        nodeB = NodeHost.Build(Settings());
        await nodeB.StartAsync();
    }

    public new async Task DisposeAsync()
    {
        if (nodeB is not null)
        {
            await nodeB.StopAsync();
            await nodeB.DisposeAsync();
        }

        await base.DisposeAsync();
    }
}

public sealed class DomainCheckReminderTests(CheckingCluster cluster) : IClassFixture<CheckingCluster>
{
    [Fact]
    public async Task APendingDomainIsCheckedOncePerIntervalByTheClusterNotOncePerNode()
    {
        const string Domain = "checkme.example";
        const string Record = "_hostedmail." + Domain;
        // A wrong token with TTL 0: the domain stays pending, and no node's resolver caches the answer.
        cluster.Dns.Add(Record, TestDnsRecord.Txt("hostedmail-verification=not-this-one") with { Ttl = 0 });
        int Lookups() => cluster.Dns.Queries.Count(q => q.Name.TrimEnd('.').Equals(Record, StringComparison.OrdinalIgnoreCase) && q.Type == TestDnsRecordType.TXT);

        // Added through the CLI, a cluster client: the domain's grain registers its reminder.
        await cluster.Cli.OkAsync("domain", "add", Domain, "--tenant", "acme");
        var watch = Stopwatch.StartNew();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        while (Lookups() < 5)
        {
            await Task.Delay(200, deadline.Token);
        }

        var lookups = Lookups();
        var elapsed = watch.Elapsed;
        // Once per interval for the cluster (plus the first, due at once); two nodes each checking would double it.
        var bound = (int)(elapsed / CheckingCluster.Interval) + 2;
        Assert.True(lookups <= bound, $"{lookups} ownership lookups in {elapsed.TotalSeconds:F1} s; at most {bound} expected from one reminder");
        Assert.Equal("1", await cluster.QueryAsync("SELECT count(*) FROM orleans.reminders WHERE grain_id LIKE @g AND reminder_name = 'dns-check'", ("g", "%/" + Domain)));
        Assert.Equal("pending", await cluster.QueryAsync("SELECT state FROM domains WHERE name = @n", ("n", Domain)));
    }
}
