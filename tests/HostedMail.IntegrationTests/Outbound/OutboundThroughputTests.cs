using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using HostedMail.Net;
using HostedMail.Testing;
using Xunit.Abstractions;

namespace HostedMail.IntegrationTests.Outbound;

/// <summary>
/// Throughput of the queue worker to Postfix's smtp-sink (plain) and to a TLS peer, on loopback.
/// As a test it sends a few hundred messages and checks all were delivered; bench/outbound/run.sh
/// runs it with HOSTEDMAIL_BENCH_MESSAGES set for the recorded figures.
/// </summary>
[Trait("Category", "Bench")]
public sealed class OutboundThroughputTests : IClassFixture<MailNode>
{
    private const int Domains = 10;
    private readonly MailNode node;
    private readonly ITestOutputHelper output;
    private readonly int messages = int.TryParse(Environment.GetEnvironmentVariable("HOSTEDMAIL_BENCH_MESSAGES"), CultureInfo.InvariantCulture, out var n) ? n : 200;

    public OutboundThroughputTests(MailNode node, ITestOutputHelper output)
    {
        this.node = node;
        this.output = output;
        OutboundTestKit.PauseNodeWorker(node);
    }

    [Fact]
    public async Task OutboundThroughputToSmtpSinkAndToATlsPeer()
    {
        var sink = ExternalProcess.Require("smtp-sink", "postfix");
        var port = FreePorts.Next();
        using var sinkProcess = Process.Start(new ProcessStartInfo(sink, ["-u", "postfix", $"127.0.0.1:{port}", "1024"]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        try
        {
            await WaitForPortAsync(port, sinkProcess);
            var plain = await MeasureAsync("sink", port);
            output.WriteLine($"outbound to smtp-sink (plain): {messages} messages in {plain.TotalSeconds:F2} s = {messages / plain.TotalSeconds:F0} msg/s");
        }
        finally
        {
            sinkProcess.Kill();
            await sinkProcess.WaitForExitAsync();
        }

        var directory = Directory.CreateTempSubdirectory("hm-bench-").FullName;
        var (cert, key) = TestCertificates.WritePemPair(directory, "peer.test");
        using var certificate = X509Certificate2.CreateFromPemFile(cert, key);
        await using var peer = new ScriptedSmtpPeer(certificate);
        var tls = await MeasureAsync("tls", peer.Port);
        Directory.Delete(directory, recursive: true);
        output.WriteLine($"outbound to TLS peer (STARTTLS, TLS 1.3): {messages} messages in {tls.TotalSeconds:F2} s = {messages / tls.TotalSeconds:F0} msg/s");
        Assert.Equal(messages, peer.Received.Count);
        Assert.All(peer.Received, m => Assert.True(m.OverTls));
    }

    private async Task<TimeSpan> MeasureAsync(string label, int port)
    {
        var clock = new ManualClock();
        for (var d = 0; d < Domains; d++)
        {
            OutboundTestKit.RouteToLoopback(node, $"{label}{d}.bench.example");
        }

        for (var i = 0; i < messages; i += 50)
        {
            await Task.WhenAll(Enumerable.Range(i, Math.Min(50, messages - i)).Select(j =>
                OutboundTestKit.EnqueueAsync(node, clock, "alice@acme.example", [$"u{j}@{label}{j % Domains}.bench.example"], $"bench {label} {j}")));
        }

        var processor = OutboundTestKit.Processor(node, clock, port, configure: o => o.BatchSize = 500);
        var watch = Stopwatch.StartNew();
        var done = await processor.ProcessDueAsync(CancellationToken.None);
        watch.Stop();
        Assert.Equal(messages, done);
        Assert.Equal(messages.ToString(CultureInfo.InvariantCulture), await node.QueryAsync(
            "SELECT count(*) FROM outbound_recipients WHERE domain LIKE @d AND state = 'delivered'", ("d", label + "%.bench.example")));
        return watch.Elapsed;
    }


    /// <summary>Waits (up to 30 s) until smtp-sink accepts connections: it is an external process with its own start-up time.</summary>
    private static async Task WaitForPortAsync(int port, Process process)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"smtp-sink exited with {process.ExitCode}: {await process.StandardError.ReadToEndAsync()}");
            }

            using var client = new System.Net.Sockets.TcpClient();
            try
            {
                await client.ConnectAsync(System.Net.IPAddress.Loopback, port, deadline.Token);
                return;
            }
            catch (System.Net.Sockets.SocketException)
            {
                // Not listening yet; poll the external process again shortly.
                await Task.Delay(50, deadline.Token);
            }
        }
    }
}
