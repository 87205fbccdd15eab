using System.Globalization;
using HostedMail.IntegrationTests.Outbound;

namespace HostedMail.IntegrationTests.Cli;

/// <summary>
/// Issue 18 item 10: <c>hostedmail queue list|show|retry|delete</c>, the real command line against a
/// node's database, with messages queued as submission queues them and attempts made by a real
/// outbound processor against a scripted SMTP peer.
/// </summary>
public sealed class QueueCommandTests : IClassFixture<MailNode>
{
    private readonly MailNode node;

    public QueueCommandTests(MailNode node)
    {
        this.node = node;
        OutboundTestKit.PauseNodeWorker(node);
    }

    [Fact]
    public async Task ListFiltersAndPagesShowTellsTheAttemptsRetryMakesDueAndDeleteDropsSilently()
    {
        var marker = "queue-cli-" + Guid.NewGuid().ToString("N")[..8];
        await using var peer = new ScriptedSmtpPeer { OnData = n => n == 0 ? "451 4.3.0 greylisted, try later" : "250 2.0.0 queued as Q1" };
        OutboundTestKit.RouteToLoopback(node, "slow.example");
        var clock = new ManualClock();
        var processor = OutboundTestKit.Processor(node, clock, peer.Port);
        var deferred = await OutboundTestKit.EnqueueAsync(node, clock, "alice@acme.example", ["rcpt@slow.example"], marker + "-a");
        await processor.ProcessDueAsync(CancellationToken.None);
        // Queued after the pass, so never attempted (its domain is not routed anywhere).
        var waiting = await OutboundTestKit.EnqueueAsync(node, clock, "alice@acme.example", ["someone@unrouted.example"], marker + "-b");
        var a = Id(deferred);
        var b = Id(waiting);

        var all = await node.Cli.OkAsync("queue", "list");
        Assert.Contains(Rows(all), r => r[0] == a && r[5] == "1" && r[6] == "1" && r[10] == "1" && r[11].Contains("451 4.3.0 greylisted", StringComparison.Ordinal));
        Assert.Contains(Rows(all), r => r[0] == b && r[10] == "0");
        Assert.Equal([a], Rows(await node.Cli.OkAsync("queue", "list", "--domain", "SLOW.example")).Select(r => r[0]));
        Assert.DoesNotContain(Rows(await node.Cli.OkAsync("queue", "list", "--tenant", "other")), r => r[0] == a || r[0] == b);
        Assert.DoesNotContain(Rows(await node.Cli.OkAsync("queue", "list", "--state", "delivered")), r => r[0] == a || r[0] == b);

        // Paging: one per page, in queue-id order, each full page names the next.
        var first = await node.Cli.OkAsync("queue", "list", "--domain", "slow.example", "--limit", "1", "--after", Id(deferred - 1));
        Assert.Equal([a], Rows(first).Select(r => r[0]));
        Assert.Contains("more: --after " + a, first, StringComparison.Ordinal);
        Assert.Empty(Rows(await node.Cli.OkAsync("queue", "list", "--domain", "slow.example", "--limit", "1", "--after", a)));

        var shown = await node.Cli.OkAsync("queue", "show", a);
        Assert.Contains("from         <alice@acme.example>", shown, StringComparison.Ordinal);
        Assert.Matches(@"rcpt@slow\.example\s+queued\s+1\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ\s+-\s+451 4\.3\.0 greylisted, try later", shown);
        Assert.Matches(@"rcpt@slow\.example\s+deferred\s+node-a\s+mx\.slow\.example \[127\.0\.0\.1\]", shown);
        Assert.Contains("no delivery attempts yet", await node.Cli.OkAsync("queue", "show", b), StringComparison.Ordinal);

        // Delete (before the next pass, which would bounce it: its domain does not exist): gone with
        // its recipients, its blob reference released, audited, and no bounce to the sender.
        var blob = (await node.QueryAsync("SELECT encode(blob_sha256, 'hex') FROM outbound_messages WHERE queue_id = @q", ("q", waiting)))!;
        var blobRefs = await BlobRefsAsync(blob);
        Assert.Equal($"deleted message {b}\n", await node.Cli.OkAsync("queue", "delete", b));
        Assert.Equal(blobRefs - 1, await BlobRefsAsync(blob));
        Assert.Equal("0", await node.QueryAsync("SELECT count(*) FROM outbound_recipients WHERE queue_id = @q", ("q", waiting)));
        Assert.Equal($"error: no queued message {b}", await node.Cli.FailsAsync("queue", "show", b));
        Assert.Equal($"error: no queued message {b}", await node.Cli.FailsAsync("queue", "delete", b));
        Assert.Equal("queue.delete operator:cli", await node.QueryAsync("SELECT action || ' ' || actor FROM audit_log WHERE action = 'queue.delete' AND target = @t", ("t", b)));

        // Retry makes it due although its schedule says five minutes; the same clock delivers it now.
        Assert.Equal($"message {a}: 1 recipient(s) due now\n", await node.Cli.OkAsync("queue", "retry", a));
        await processor.ProcessDueAsync(CancellationToken.None);
        Assert.Equal("rcpt@slow.example=delivered/2", await OutboundTestKit.StatesAsync(node, deferred));
        Assert.Contains("has no recipient waiting", await node.Cli.OkAsync("queue", "retry", a), StringComparison.Ordinal);
        Assert.Contains(Rows(await node.Cli.OkAsync("queue", "list", "--state", "delivered")), r => r[0] == a);

        // The pass above would have bounced the deleted message to alice: nothing came.
        Assert.Empty(await OutboundTestKit.AliceMessagesWithAsync(node, marker + "-b"));
    }

    [Theory]
    [InlineData(new[] { "queue", "show", "abc" }, "error: 'abc' is not a queue id (a positive number from queue list)")]
    [InlineData(new[] { "queue", "retry", "0" }, "error: '0' is not a queue id (a positive number from queue list)")]
    [InlineData(new[] { "queue", "retry", "987654321" }, "error: no queued message 987654321")]
    [InlineData(new[] { "queue", "list", "--state", "stuck" }, "error: --state must be one of queued, delivered, failed, expired, all")]
    [InlineData(new[] { "queue", "list", "--limit", "0" }, "error: --limit must be between 1 and 1000")]
    [InlineData(new[] { "queue", "list", "--domain", "bad_label.example" }, "error: 'bad_label.example' is not a valid domain name")]
    [InlineData(new[] { "queue", "list", "--tenant", "nobody-such" }, "error: unknown tenant 'nobody-such'")]
    public async Task BadInputIsOneClearLine(string[] args, string expected)
    {
        Assert.Equal(expected, await node.Cli.FailsAsync(args));
    }

    private static string Id(long id) => id.ToString(CultureInfo.InvariantCulture);

    /// <summary>The table's data rows split into cells (cells hold no double space; the last cell may).</summary>
    private static List<string[]> Rows(string output) => output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
        .Skip(1).Where(l => !l.StartsWith("more:", StringComparison.Ordinal))
        .Select(l => System.Text.RegularExpressions.Regex.Split(l, " {2,}")).ToList();

    private async Task<int> BlobRefsAsync(string sha256Hex) => int.Parse(
        (await node.QueryAsync("SELECT ref_count FROM blobs WHERE sha256 = decode(@h, 'hex')", ("h", sha256Hex)))!, CultureInfo.InvariantCulture);
}
