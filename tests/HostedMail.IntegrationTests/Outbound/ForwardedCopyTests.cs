using System.Text;
using HostedMail.Testing;

namespace HostedMail.IntegrationTests.Outbound;

/// <summary>
/// A message for an alias with a local and an external target, end to end: in over SMTP, the local
/// copy stored, the forward delivered by the queue to a receiving SMTP server on loopback.
/// </summary>
public sealed class ForwardedCopyTests(MailNode node) : IClassFixture<MailNode>
{
    [Fact]
    public async Task TheLocalCopyHasReturnPathAndTheForwardHasNoneAndAnSrsSender()
    {
        var (local, forwarded) = await SendThroughSplitAliasAsync(node, "srs-on");

        Assert.StartsWith("Return-Path: <origin@outside.example>\r\n", local, StringComparison.Ordinal);
        var data = Encoding.UTF8.GetString(forwarded.Data);
        // RFC 5321 section 4.4: Return-Path is the final delivery MTA's; a relayed copy carries none.
        Assert.DoesNotContain("Return-Path:", data, StringComparison.OrdinalIgnoreCase);
        Assert.StartsWith("Authentication-Results: mx.hostedmail.test;", data, StringComparison.Ordinal);
        Assert.Contains("Received: from client.example", data, StringComparison.Ordinal);
        // The forward is the local copy without its first line: one blob, nothing else changed.
        Assert.Equal(local[local.IndexOf('\n', StringComparison.Ordinal)..].TrimStart('\n'), data);
        Assert.Matches(@"^SRS0=[A-Za-z0-9_-]{4}=[A-Z2-7]{2}=outside\.example=origin@acme\.example$", forwarded.From);
        Assert.Contains($"SIZE={forwarded.Data.Length}", forwarded.MailCommand, StringComparison.Ordinal);
    }

    /// <summary>Sends a message for split-TAG@acme.example (bob and friend@TAG.example), delivers the queue, and returns bob's copy and what the peer received.</summary>
    internal static async Task<(string Local, PeerMessage Forwarded)> SendThroughSplitAliasAsync(MailNode node, string tag)
    {
        OutboundTestKit.PauseNodeWorker(node);
        var marker = "split-" + Guid.NewGuid();
        await node.Cli.OkAsync("alias", "create", $"split-{tag}@acme.example", "bob@acme.example", $"friend@{tag}.example", "--tenant", "acme");
        OutboundTestKit.RouteToLoopback(node, tag + ".example");
        await using var peer = new ScriptedSmtpPeer();

        await using (var client = await LineClient.ConnectAsync(node.SmtpPort))
        {
            await client.ReadSmtpReplyAsync();
            await client.SmtpAsync("EHLO client.example");
            Assert.StartsWith("250 ", await client.SmtpAsync("MAIL FROM:<origin@outside.example>"), StringComparison.Ordinal);
            Assert.StartsWith("250 ", await client.SmtpAsync($"RCPT TO:<split-{tag}@acme.example>"), StringComparison.Ordinal);
            Assert.StartsWith("354 ", await client.SmtpAsync("DATA"), StringComparison.Ordinal);
            Assert.StartsWith("250 ", await client.SmtpAsync($"From: <origin@outside.example>\r\nSubject: {marker}\r\n\r\nforward me\r\n."), StringComparison.Ordinal);
        }

        await OutboundTestKit.Processor(node, new ManualClock(), peer.Port).ProcessDueAsync(CancellationToken.None);

        var local = (await node.MessagesAsync("bob@acme.example")).Select(Encoding.UTF8.GetString).Single(m => m.Contains(marker, StringComparison.Ordinal));
        var forwarded = Assert.Single(peer.Received);
        Assert.Equal([$"friend@{tag}.example"], forwarded.Recipients);
        return (local, forwarded);
    }
}

/// <summary>The same flow with SRS off: the forward keeps the original envelope sender.</summary>
public sealed class ForwardedCopyWithoutSrsTests(ForwardedCopyWithoutSrsTests.NodeWithoutSrs node) : IClassFixture<ForwardedCopyWithoutSrsTests.NodeWithoutSrs>
{
    [Fact]
    public async Task TheForwardKeepsTheOriginalSenderAndHasNoReturnPath()
    {
        var (local, forwarded) = await ForwardedCopyTests.SendThroughSplitAliasAsync(node, "srs-off");

        Assert.StartsWith("Return-Path: <origin@outside.example>\r\n", local, StringComparison.Ordinal);
        Assert.DoesNotContain("Return-Path:", Encoding.UTF8.GetString(forwarded.Data), StringComparison.OrdinalIgnoreCase);
        Assert.Equal("origin@outside.example", forwarded.From);
    }

    public sealed class NodeWithoutSrs : MailNode
    {
        public override Dictionary<string, string?> Settings()
        {
            var settings = base.Settings();
            settings.Remove("Outbound:Srs:Domain");
            settings.Remove("Outbound:Srs:Secret");
            return settings;
        }
    }
}
