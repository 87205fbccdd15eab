using System.Text;
using HostedMail.Server.Node;
using HostedMail.Smtp.Outbound;
using Microsoft.Extensions.DependencyInjection;

namespace HostedMail.IntegrationTests.Outbound;

/// <summary>Two nodes on one database work one queue: every recipient is delivered exactly once.</summary>
public sealed class TwoNodeQueueTests : IClassFixture<MailNode>
{
    private readonly MailNode node;

    public TwoNodeQueueTests(MailNode node)
    {
        this.node = node;
        OutboundTestKit.PauseNodeWorker(node);
    }

    [Fact]
    public async Task TwoNodesDeliverEveryMessageExactlyOnce()
    {
        const int count = 60;
        await using var peer = new ScriptedSmtpPeer();
        OutboundTestKit.RouteToLoopback(node, "cluster.example");
        var clock = new ManualClock();
        var ids = new List<long>();
        for (var i = 0; i < count; i++)
        {
            ids.Add(await OutboundTestKit.EnqueueAsync(node, clock, "alice@acme.example", [$"c{i}@cluster.example"], $"cluster-{i}"));
        }

        // A second node: its own composition, data source and connections, on the same database.
        var settings = node.Settings();
        settings["Outbound:Enabled"] = "false";
        var second = NodeHost.Build(settings);
        await second.StartAsync();
        try
        {
            // Small batches so the two nodes interleave their claims.
            var a = OutboundTestKit.Processor(node, clock, peer.Port, "node-a", o => o.BatchSize = 7);
            var b = OutboundHosting.CreateProcessor(second.Services, clock, "node-b", new OutboundOptions { DestinationPort = peer.Port, BatchSize = 7 });
            var done = await Task.WhenAll(Task.Run(() => a.ProcessDueAsync(CancellationToken.None)), Task.Run(() => b.ProcessDueAsync(CancellationToken.None)));
            Assert.Equal(count, done.Sum());
        }
        finally
        {
            await second.StopAsync();
            await second.DisposeAsync();
        }

        var subjects = peer.Received.Select(m => Encoding.UTF8.GetString(m.Data).Split("\r\n").Single(l => l.StartsWith("Subject: ", StringComparison.Ordinal))).ToList();
        Assert.Equal(count, subjects.Count);
        Assert.Equal(count, subjects.Distinct().Count());
        foreach (var id in ids)
        {
            Assert.EndsWith("=delivered/1", await OutboundTestKit.StatesAsync(node, id), StringComparison.Ordinal);
        }

        Assert.Equal("node-a,node-b", await node.QueryAsync("SELECT string_agg(DISTINCT node, ',' ORDER BY node) FROM outbound_delivery_log l JOIN outbound_recipients r USING (tenant_id, queue_id, recipient) WHERE r.domain = 'cluster.example'"));
        Assert.Equal(count.ToString(System.Globalization.CultureInfo.InvariantCulture), await node.QueryAsync("SELECT count(*) FROM outbound_delivery_log l JOIN outbound_recipients r USING (tenant_id, queue_id, recipient) WHERE r.domain = 'cluster.example'"));
    }

    /// <summary>
    /// Outbound connections to one destination are bounded across the cluster (issue 14): two
    /// nodes working one queue to a slow receiver never hold more than the limit between them,
    /// each node able to use the whole limit on its own (20 jobs in parallel per node).
    /// </summary>
    [Fact]
    public async Task PerDestinationConcurrencyHoldsAcrossTwoNodes()
    {
        const int count = 24;
        await using var peer = new ScriptedSmtpPeer { DataDelay = TimeSpan.FromMilliseconds(150) };
        OutboundTestKit.RouteToLoopback(node, "limited.example");
        var clock = new ManualClock();
        for (var i = 0; i < count; i++)
        {
            await OutboundTestKit.EnqueueAsync(node, clock, "alice@acme.example", [$"l{i}@limited.example"], $"limited-{i}");
        }

        var settings = node.Settings();
        settings["Outbound:Enabled"] = "false";
        var second = NodeHost.Build(settings);
        await second.StartAsync();
        try
        {
            // One message per connection, so every message is a job that wants a slot of its own.
            void Options(OutboundOptions o)
            {
                o.BatchSize = 6;
                o.MaxMessagesPerConnection = 1;
                o.PerDestinationConcurrency = 2;
            }

            var a = OutboundTestKit.Processor(node, clock, peer.Port, "node-a", Options);
            var bOptions = new OutboundOptions { DestinationPort = peer.Port };
            Options(bOptions);
            var b = OutboundHosting.CreateProcessor(second.Services, clock, "node-b", bOptions);
            var done = await Task.WhenAll(Task.Run(() => a.ProcessDueAsync(CancellationToken.None)), Task.Run(() => b.ProcessDueAsync(CancellationToken.None)));
            Assert.Equal(count, done.Sum());
        }
        finally
        {
            await second.StopAsync();
            await second.DisposeAsync();
        }

        Assert.Equal(count, peer.Received.Count);
        Assert.InRange(peer.MaxConcurrentTransactions, 1, 2);
        Assert.Equal("node-a,node-b", await node.QueryAsync("SELECT string_agg(DISTINCT node, ',' ORDER BY node) FROM outbound_delivery_log l JOIN outbound_recipients r USING (tenant_id, queue_id, recipient) WHERE r.domain = 'limited.example'"));
    }
}
