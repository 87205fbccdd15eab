using System.Security.Cryptography.X509Certificates;
using HostedMail.Testing;
using HostedMail.Testing.Dns;

namespace HostedMail.IntegrationTests.Outbound;

/// <summary>Opportunistic STARTTLS, MTA-STS (RFC 8461) enforcement and REQUIRETLS (RFC 8689) against a scripted peer.</summary>
public sealed class TlsPolicyTests : IClassFixture<MailNode>, IAsyncLifetime
{
    private readonly MailNode node;
    private readonly string directory = Directory.CreateTempSubdirectory("hm-tls-").FullName;
    private readonly PolicyHttpServer policies = new();
    private X509Certificate2 certificate = null!;

    public TlsPolicyTests(MailNode node)
    {
        this.node = node;
        OutboundTestKit.PauseNodeWorker(node);
    }

    public Task InitializeAsync()
    {
        var (cert, key) = TestCertificates.WritePemPair(directory, "peer.test");
        certificate = X509Certificate2.CreateFromPemFile(cert, key);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        certificate.Dispose();
        await policies.DisposeAsync();
        Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public async Task OpportunisticStartTlsIsUsedAndTheCipherIsLogged()
    {
        await using var peer = new ScriptedSmtpPeer(certificate);
        OutboundTestKit.RouteToLoopback(node, "tls.example");
        var clock = new ManualClock();
        var id = await OutboundTestKit.EnqueueAsync(node, clock, "alice@acme.example", ["t@tls.example"], "tls-" + Guid.NewGuid());

        await Processor(clock, peer).ProcessDueAsync(CancellationToken.None);

        Assert.True(Assert.Single(peer.Received).OverTls);
        Assert.Matches(@"^TLSv1\.[23] ", await node.QueryAsync("SELECT tls_protocol || ' ' || tls_cipher FROM outbound_delivery_log WHERE queue_id = @q", ("q", id)));
    }

    [Fact]
    public async Task MtaStsEnforceDefersOnAnInvalidCertificateAndNeverSendsInClear()
    {
        await using var peer = new ScriptedSmtpPeer(certificate);
        Publish("sts-cert.example", "enforce", "mx.sts-cert.example");
        var clock = new ManualClock();
        var id = await OutboundTestKit.EnqueueAsync(node, clock, "alice@acme.example", ["s@sts-cert.example"], "sts-" + Guid.NewGuid());

        await Processor(clock, peer).ProcessDueAsync(CancellationToken.None);

        Assert.Equal("s@sts-cert.example=queued/1", await OutboundTestKit.StatesAsync(node, id));
        Assert.Contains("TLS handshake failed", await node.QueryAsync("SELECT last_reply FROM outbound_recipients WHERE queue_id = @q", ("q", id)), StringComparison.Ordinal);
        Assert.Contains("STARTTLS", peer.Commands);
        Assert.DoesNotContain(peer.Commands, c => c.StartsWith("MAIL", StringComparison.Ordinal));
        Assert.Empty(peer.Received);
    }

    [Fact]
    public async Task MtaStsEnforceDefersWhenStartTlsIsNotOffered()
    {
        await using var peer = new ScriptedSmtpPeer();
        Publish("sts-plain.example", "enforce", "mx.sts-plain.example");
        var clock = new ManualClock();
        var id = await OutboundTestKit.EnqueueAsync(node, clock, "alice@acme.example", ["s@sts-plain.example"], "sts-" + Guid.NewGuid());

        await Processor(clock, peer).ProcessDueAsync(CancellationToken.None);

        Assert.Equal("s@sts-plain.example=queued/1", await OutboundTestKit.StatesAsync(node, id));
        Assert.Contains("4.7.5", await node.QueryAsync("SELECT last_reply FROM outbound_recipients WHERE queue_id = @q", ("q", id)), StringComparison.Ordinal);
        Assert.DoesNotContain(peer.Commands, c => c.StartsWith("MAIL", StringComparison.Ordinal));
    }

    [Fact]
    public async Task MtaStsEnforceNeverConnectsToMxHostsOutsideThePolicy()
    {
        await using var peer = new ScriptedSmtpPeer(certificate);
        Publish("sts-mx.example", "enforce", "*.elsewhere.example");
        var clock = new ManualClock();
        var id = await OutboundTestKit.EnqueueAsync(node, clock, "alice@acme.example", ["s@sts-mx.example"], "sts-" + Guid.NewGuid());

        await Processor(clock, peer).ProcessDueAsync(CancellationToken.None);

        Assert.Equal("s@sts-mx.example=queued/1", await OutboundTestKit.StatesAsync(node, id));
        Assert.Equal(0, peer.Connections);
    }

    [Fact]
    public async Task MtaStsTestingModeStillDeliversOverOpportunisticTls()
    {
        await using var peer = new ScriptedSmtpPeer(certificate);
        Publish("sts-testing.example", "testing", "mx.sts-testing.example");
        var clock = new ManualClock();
        var id = await OutboundTestKit.EnqueueAsync(node, clock, "alice@acme.example", ["s@sts-testing.example"], "sts-" + Guid.NewGuid());

        await Processor(clock, peer).ProcessDueAsync(CancellationToken.None);

        Assert.Equal("s@sts-testing.example=delivered/1", await OutboundTestKit.StatesAsync(node, id));
        Assert.True(Assert.Single(peer.Received).OverTls);
    }

    [Fact]
    public async Task RequireTlsMessagesBounceWhenNoHostHonoursIt()
    {
        var marker = "requiretls-" + Guid.NewGuid();
        await using var peer = new ScriptedSmtpPeer(certificate);
        OutboundTestKit.RouteToLoopback(node, "reqtls.example");
        var clock = new ManualClock();
        var id = await OutboundTestKit.EnqueueAsync(node, clock, "alice@acme.example", ["r@reqtls.example"], marker, requireTls: true);

        await Processor(clock, peer).ProcessDueAsync(CancellationToken.None);

        Assert.Equal("r@reqtls.example=failed/1", await OutboundTestKit.StatesAsync(node, id));
        Assert.DoesNotContain(peer.Commands, c => c.StartsWith("MAIL", StringComparison.Ordinal));
        Assert.Contains("Status: 5.7.30", Assert.Single(await OutboundTestKit.AliceMessagesWithAsync(node, marker)), StringComparison.Ordinal);
    }

    private HostedMail.Smtp.Outbound.OutboundQueueProcessor Processor(ManualClock clock, ScriptedSmtpPeer peer) =>
        OutboundTestKit.Processor(node, clock, peer.Port, configure: o => o.MtaSts.PolicyUrl = policies.UrlTemplate);

    private void Publish(string domain, string mode, string mx)
    {
        OutboundTestKit.RouteToLoopback(node, domain);
        node.Dns.Add("_mta-sts." + domain, TestDnsRecord.Txt("v=STSv1; id=" + Guid.NewGuid().ToString("N")[..10]));
        policies.Policies[domain] = $"version: STSv1\r\nmode: {mode}\r\nmx: {mx}\r\nmax_age: 86400\r\n";
    }
}
