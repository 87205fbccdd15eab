using System.Text;
using HostedMail.Mime;
using HostedMail.Testing.Dns;

namespace HostedMail.IntegrationTests.Outbound;

/// <summary>Retries, bounces and the delivery log, against a scripted SMTP peer on loopback, with time moved by hand.</summary>
public sealed class DeliveryFailureTests : IClassFixture<MailNode>
{
    private readonly MailNode node;

    public DeliveryFailureTests(MailNode node)
    {
        this.node = node;
        OutboundTestKit.PauseNodeWorker(node);
    }

    [Fact]
    public async Task FourHundredThenSuccessIsRetriedOnScheduleAndDeliveredOnce()
    {
        await using var peer = new ScriptedSmtpPeer { OnData = n => n == 0 ? "451 4.3.0 try later" : "250 2.0.0 queued as X" };
        OutboundTestKit.RouteToLoopback(node, "retry.example");
        var clock = new ManualClock();
        var processor = OutboundTestKit.Processor(node, clock, peer.Port);
        var id = await OutboundTestKit.EnqueueAsync(node, clock, "alice@acme.example", ["rcpt@retry.example"], "retry-" + Guid.NewGuid());

        await processor.ProcessDueAsync(CancellationToken.None);
        Assert.Equal("rcpt@retry.example=queued/1", await OutboundTestKit.StatesAsync(node, id));
        Assert.Contains("451 4.3.0 try later", await node.QueryAsync("SELECT last_reply FROM outbound_recipients WHERE queue_id = @q", ("q", id)), StringComparison.Ordinal);
        Assert.Empty(peer.Received);

        // Not due yet: a pass changes nothing.
        clock.Advance(TimeSpan.FromMinutes(4));
        await processor.ProcessDueAsync(CancellationToken.None);
        Assert.Equal("rcpt@retry.example=queued/1", await OutboundTestKit.StatesAsync(node, id));

        clock.Advance(TimeSpan.FromMinutes(2));
        await processor.ProcessDueAsync(CancellationToken.None);
        Assert.Equal("rcpt@retry.example=delivered/2", await OutboundTestKit.StatesAsync(node, id));
        var received = Assert.Single(peer.Received);
        Assert.Equal("alice@acme.example", received.From);
        Assert.Contains("\r\n.a line that starts with a dot\r\n", Encoding.UTF8.GetString(received.Data), StringComparison.Ordinal);
        Assert.Contains("SIZE=", received.MailCommand, StringComparison.Ordinal);

        Assert.Equal("deferred,delivered", await node.QueryAsync("SELECT string_agg(outcome, ',' ORDER BY log_id) FROM outbound_delivery_log WHERE queue_id = @q", ("q", id)));
        Assert.Equal("mx.retry.example 127.0.0.1", await node.QueryAsync("SELECT remote_host || ' ' || remote_ip FROM outbound_delivery_log WHERE queue_id = @q AND outcome = 'delivered'", ("q", id)));
        Assert.NotNull(await node.QueryAsync("SELECT finished_at FROM outbound_messages WHERE queue_id = @q", ("q", id)));
    }

    [Fact]
    public async Task FiveHundredBouncesToTheSenderAndTheDsnParses()
    {
        var marker = "bounce-" + Guid.NewGuid();
        await using var peer = new ScriptedSmtpPeer { OnRcpt = a => a.StartsWith("nobody", StringComparison.Ordinal) ? "550 5.1.1 no such user" : "250 2.1.5 OK" };
        OutboundTestKit.RouteToLoopback(node, "bounce.example");
        var clock = new ManualClock();
        var id = await OutboundTestKit.EnqueueAsync(node, clock, "alice@acme.example", ["nobody@bounce.example", "someone@bounce.example"], marker, envId: "env-42");

        await OutboundTestKit.Processor(node, clock, peer.Port).ProcessDueAsync(CancellationToken.None);

        Assert.Equal("nobody@bounce.example=failed/1,someone@bounce.example=delivered/1", await OutboundTestKit.StatesAsync(node, id));
        Assert.Equal(["someone@bounce.example"], Assert.Single(peer.Received).Recipients);
        var bounce = Assert.Single(await OutboundTestKit.AliceMessagesWithAsync(node, marker));
        Assert.StartsWith("Return-Path: <>\r\n", bounce, StringComparison.Ordinal);

        var dsn = MimeMessage.Parse(Encoding.UTF8.GetBytes(bounce));
        Assert.Equal("multipart/report", dsn.Root.ContentType.MimeType);
        Assert.Equal("auto-replied", dsn.Headers.GetValue("Auto-Submitted"));
        var status = dsn.Entities.Single(e => e.ContentType.MimeType == "message/delivery-status").GetText();
        Assert.Contains("Original-Envelope-Id: env-42", status, StringComparison.Ordinal);
        Assert.Contains("Final-Recipient: rfc822;nobody@bounce.example", status, StringComparison.Ordinal);
        Assert.Contains("Action: failed", status, StringComparison.Ordinal);
        Assert.Contains("Status: 5.1.1", status, StringComparison.Ordinal);
        Assert.Contains("Diagnostic-Code: smtp; 550 5.1.1 no such user", status, StringComparison.Ordinal);
        Assert.DoesNotContain("someone@bounce.example", status, StringComparison.Ordinal);
        var headers = dsn.Entities.Single(e => e.ContentType.MimeType == "text/rfc822-headers").GetText();
        Assert.Contains("Subject: " + marker, headers, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NullSenderFailuresAreNeverBounced()
    {
        var marker = "nullsender-" + Guid.NewGuid();
        await using var peer = new ScriptedSmtpPeer { OnRcpt = _ => "550 5.1.1 no such user" };
        OutboundTestKit.RouteToLoopback(node, "nullsender.example");
        var clock = new ManualClock();
        var id = await OutboundTestKit.EnqueueAsync(node, clock, string.Empty, ["x@nullsender.example"], marker);

        await OutboundTestKit.Processor(node, clock, peer.Port).ProcessDueAsync(CancellationToken.None);

        Assert.Equal("x@nullsender.example=failed/1", await OutboundTestKit.StatesAsync(node, id));
        Assert.Contains(peer.Commands, c => c == "MAIL FROM:<> SIZE=" + OutboundTestKit.Message(marker, "x@nullsender.example").Length);
        Assert.Empty(await OutboundTestKit.AliceMessagesWithAsync(node, marker));
        Assert.Equal("0", await node.QueryAsync("SELECT count(*) FROM outbound_messages WHERE envelope_from = '' AND queue_id > @q", ("q", id)));
    }

    [Fact]
    public async Task ConnectionRefusedIsDeferredThenExpiresWithOneBounce()
    {
        var marker = "refused-" + Guid.NewGuid();
        OutboundTestKit.RouteToLoopback(node, "refused.example");
        int closedPort;
        using (var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
        {
            probe.Start();
            closedPort = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        }

        var clock = new ManualClock();
        var processor = OutboundTestKit.Processor(node, clock, closedPort);
        var id = await OutboundTestKit.EnqueueAsync(node, clock, "alice@acme.example", ["r@refused.example"], marker, notify: "FAILURE", lifetime: TimeSpan.FromDays(1));

        await processor.ProcessDueAsync(CancellationToken.None);
        Assert.Equal("r@refused.example=queued/1", await OutboundTestKit.StatesAsync(node, id));
        Assert.Contains("ConnectionRefused", await node.QueryAsync("SELECT last_reply FROM outbound_recipients WHERE queue_id = @q", ("q", id)), StringComparison.Ordinal);

        // Walk the retry schedule past the lifetime; NOTIFY=FAILURE means no delay warning on the way.
        for (var i = 0; i < 40 && await OutboundTestKit.StatesAsync(node, id) is { } s && s.Contains("queued", StringComparison.Ordinal); i++)
        {
            clock.Advance(TimeSpan.FromHours(1));
            await processor.ProcessDueAsync(CancellationToken.None);
        }

        Assert.StartsWith("r@refused.example=expired/", await OutboundTestKit.StatesAsync(node, id), StringComparison.Ordinal);
        var bounce = Assert.Single(await OutboundTestKit.AliceMessagesWithAsync(node, marker));
        var status = MimeMessage.Parse(Encoding.UTF8.GetBytes(bounce)).Entities.Single(e => e.ContentType.MimeType == "message/delivery-status").GetText();
        Assert.Contains("Action: failed", status, StringComparison.Ordinal);
        Assert.Contains("Status: 5.4.", status, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ADelayWarningIsSentOnceAfterFourHours()
    {
        var marker = "delay-" + Guid.NewGuid();
        await using var peer = new ScriptedSmtpPeer { OnRcpt = _ => "450 4.2.1 mailbox busy" };
        OutboundTestKit.RouteToLoopback(node, "delay.example");
        var clock = new ManualClock();
        var processor = OutboundTestKit.Processor(node, clock, peer.Port);
        var id = await OutboundTestKit.EnqueueAsync(node, clock, "alice@acme.example", ["d@delay.example"], marker);

        for (var i = 0; i < 12; i++)
        {
            await processor.ProcessDueAsync(CancellationToken.None);
            clock.Advance(TimeSpan.FromHours(1));
        }

        Assert.StartsWith("d@delay.example=queued/", await OutboundTestKit.StatesAsync(node, id), StringComparison.Ordinal);
        var warning = Assert.Single(await OutboundTestKit.AliceMessagesWithAsync(node, marker));
        var status = MimeMessage.Parse(Encoding.UTF8.GetBytes(warning)).Entities.Single(e => e.ContentType.MimeType == "message/delivery-status").GetText();
        Assert.Contains("Action: delayed", status, StringComparison.Ordinal);
        Assert.Contains("Will-Retry-Until: ", status, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NullMxAndMissingDomainsFailAtOnceWithoutConnecting()
    {
        var marker = "nullmx-" + Guid.NewGuid();
        node.Dns.Add("nullmx.example", TestDnsRecord.Mx(0, "."));
        var clock = new ManualClock();
        var id = await OutboundTestKit.EnqueueAsync(node, clock, "alice@acme.example", ["a@nullmx.example", "b@does-not-exist.example"], marker);

        await OutboundTestKit.Processor(node, clock, 9).ProcessDueAsync(CancellationToken.None);

        Assert.Equal("a@nullmx.example=failed/1,b@does-not-exist.example=failed/1", await OutboundTestKit.StatesAsync(node, id));
        // One notification per destination attempt: the two domains are two jobs.
        var status = string.Concat((await OutboundTestKit.AliceMessagesWithAsync(node, marker))
            .Select(b => MimeMessage.Parse(Encoding.UTF8.GetBytes(b)).Entities.Single(e => e.ContentType.MimeType == "message/delivery-status").GetText()));
        Assert.Contains("Status: 5.1.10", status, StringComparison.Ordinal);
        Assert.Contains("Status: 5.1.2", status, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ManyMessagesToOneDomainShareOneConnectionWithPipeliningOrChunking()
    {
        await using var peer = new ScriptedSmtpPeer { Chunking = true };
        OutboundTestKit.RouteToLoopback(node, "bulk.example");
        var clock = new ManualClock();
        var ids = new List<long>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add(await OutboundTestKit.EnqueueAsync(node, clock, "alice@acme.example", [$"u{i}@bulk.example"], "bulk-" + Guid.NewGuid()));
        }

        await OutboundTestKit.Processor(node, clock, peer.Port).ProcessDueAsync(CancellationToken.None);

        Assert.Equal(5, peer.Received.Count);
        Assert.Equal(1, peer.Connections);
        Assert.Contains(peer.Commands, c => c.StartsWith("BDAT ", StringComparison.Ordinal) && c.EndsWith(" LAST", StringComparison.Ordinal));
        foreach (var id in ids)
        {
            Assert.EndsWith("=delivered/1", await OutboundTestKit.StatesAsync(node, id), StringComparison.Ordinal);
        }
    }
}
