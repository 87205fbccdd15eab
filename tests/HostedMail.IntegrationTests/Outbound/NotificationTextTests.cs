using System.Text;
using HostedMail.Mime;
using HostedMail.Testing.Dns;

namespace HostedMail.IntegrationTests.Outbound;

/// <summary>
/// Bounces and delay warnings a person can read (RFC 3464 section 2: the first part is for
/// people), in the sender tenant's language, while the machine-readable parts stay exact.
/// </summary>
public sealed class NotificationTextTests : IClassFixture<MailNode>
{
    private readonly MailNode node;

    public NotificationTextTests(MailNode node)
    {
        this.node = node;
        OutboundTestKit.PauseNodeWorker(node);
    }

    [Fact]
    public async Task AnEnglishBounceNamesTheRecipientAndQuotesTheRemoteServer()
    {
        var marker = "en-bounce-" + Guid.NewGuid();
        var report = await BounceFromRemoteServerAsync(marker, "en-bounce.example");

        Assert.Equal("Undelivered Mail Returned to Sender", report.Subject);
        var text = report.Entities.First(e => e.ContentType.MimeType == "text/plain").GetText();
        Assert.Contains($"Your message \"{marker}\" could not be delivered", text, StringComparison.Ordinal);
        Assert.Contains("<nobody@en-bounce.example>", text, StringComparison.Ordinal);
        Assert.Contains("The mail server mx.en-bounce.example, which takes mail for en-bounce.example, refused it and answered:", text, StringComparison.Ordinal);
        Assert.Contains("550 5.1.1 no such user", text, StringComparison.Ordinal);
        AssertMachinePartsOfRemoteFailure(report, "en-bounce.example");
    }

    [Fact]
    public async Task AGermanTenantsBounceIsInGermanAndItsMachinePartsAreUnchanged()
    {
        await node.Cli.OkAsync("tenant", "language", "acme", "de");
        try
        {
            var marker = "de-bounce-" + Guid.NewGuid();
            var report = await BounceFromRemoteServerAsync(marker, "de-bounce.example");

            Assert.Equal("Unzustellbare Nachricht an den Absender zurückgeschickt", report.Subject);
            var part = report.Entities.First(e => e.ContentType.MimeType == "text/plain");
            Assert.Equal("de", part.Headers.GetValue("Content-Language"));
            var text = part.GetText();
            Assert.Contains($"Ihre Nachricht \"{marker}\" konnte an die folgenden Empfänger nicht zugestellt werden.", text, StringComparison.Ordinal);
            Assert.Contains("<nobody@de-bounce.example>", text, StringComparison.Ordinal);
            Assert.Contains("Der Mailserver mx.de-bounce.example, der E-Mail für de-bounce.example annimmt, hat sie abgelehnt und antwortete:", text, StringComparison.Ordinal);
            Assert.Contains("550 5.1.1 no such user", text, StringComparison.Ordinal);
            AssertMachinePartsOfRemoteFailure(report, "de-bounce.example");
        }
        finally
        {
            await node.Cli.OkAsync("tenant", "language", "acme", "default");
        }
    }

    [Fact]
    public async Task ADomainThatDoesNotExistBouncesWithATextDiagnosticCode()
    {
        var marker = "nxdomain-" + Guid.NewGuid();
        var clock = new ManualClock();
        await OutboundTestKit.EnqueueAsync(node, clock, "alice@acme.example", ["x@no-such-domain.example"], marker);

        await OutboundTestKit.Processor(node, clock, 9).ProcessDueAsync(CancellationToken.None);

        var report = MimeMessage.Parse(Encoding.UTF8.GetBytes(Assert.Single(await OutboundTestKit.AliceMessagesWithAsync(node, marker))));
        Assert.Equal("Undelivered Mail Returned to Sender", report.Subject);
        var status = Status(report);
        Assert.Contains("Final-Recipient: rfc822;x@no-such-domain.example\r\nAction: failed\r\nStatus: 5.1.2\r\n", status, StringComparison.Ordinal);
        // RFC 3464 section 2.3.6: "smtp" is for SMTP replies; ours is text under an X- type, and no Remote-MTA was reached.
        Assert.Contains("Diagnostic-Code: X-HostedMail; domain no-such-domain.example does not exist (DNS: NXDOMAIN for its MX record)\r\n", status, StringComparison.Ordinal);
        Assert.DoesNotContain("Remote-MTA", status, StringComparison.Ordinal);
        Assert.DoesNotContain("smtp;", status, StringComparison.Ordinal);
        var text = report.Entities.First(e => e.ContentType.MimeType == "text/plain").GetText();
        Assert.Contains("<x@no-such-domain.example>", text, StringComparison.Ordinal);
        Assert.Contains("The domain no-such-domain.example does not exist, or it has no mail server in DNS.", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AFailingNameServerGivesADelayWarningInGermanWithADiagnosticCode()
    {
        await node.Cli.OkAsync("tenant", "language", "acme", "de");
        try
        {
            var marker = "servfail-" + Guid.NewGuid();
            node.Dns.Fail("servfail.example", TestDnsFailure.ServerFailure);
            var clock = new ManualClock();
            var processor = OutboundTestKit.Processor(node, clock, 9);
            var id = await OutboundTestKit.EnqueueAsync(node, clock, "alice@acme.example", ["y@servfail.example"], marker);

            await processor.ProcessDueAsync(CancellationToken.None);
            clock.Advance(TimeSpan.FromHours(5));
            await processor.ProcessDueAsync(CancellationToken.None);

            Assert.StartsWith("y@servfail.example=queued/", await OutboundTestKit.StatesAsync(node, id), StringComparison.Ordinal);
            var report = MimeMessage.Parse(Encoding.UTF8.GetBytes(Assert.Single(await OutboundTestKit.AliceMessagesWithAsync(node, marker))));
            Assert.Equal("Verzögerte Zustellung (wird weiter versucht)", report.Subject);
            var status = Status(report);
            Assert.Contains("Action: delayed\r\nStatus: 4.4.3\r\n", status, StringComparison.Ordinal);
            Assert.Contains("Diagnostic-Code: X-HostedMail; DNS lookup of the MX records of servfail.example failed (SERVFAIL: its name servers could not answer)\r\n", status, StringComparison.Ordinal);
            var text = report.Entities.First(e => e.ContentType.MimeType == "text/plain").GetText();
            Assert.Contains("<y@servfail.example>", text, StringComparison.Ordinal);
            Assert.Contains("Die DNS-Abfrage nach den Mailservern von servfail.example ist fehlgeschlagen", text, StringComparison.Ordinal);
            Assert.Contains("Sie müssen sie nicht erneut senden", text, StringComparison.Ordinal);
        }
        finally
        {
            await node.Cli.OkAsync("tenant", "language", "acme", "default");
        }
    }

    private async Task<MimeMessage> BounceFromRemoteServerAsync(string marker, string domain)
    {
        await using var peer = new ScriptedSmtpPeer { OnRcpt = a => a.StartsWith("nobody", StringComparison.Ordinal) ? "550 5.1.1 no such user" : "250 2.1.5 OK" };
        OutboundTestKit.RouteToLoopback(node, domain);
        var clock = new ManualClock();
        await OutboundTestKit.EnqueueAsync(node, clock, "alice@acme.example", ["nobody@" + domain], marker);
        await OutboundTestKit.Processor(node, clock, peer.Port).ProcessDueAsync(CancellationToken.None);
        return MimeMessage.Parse(Encoding.UTF8.GetBytes(Assert.Single(await OutboundTestKit.AliceMessagesWithAsync(node, marker))));
    }

    private static void AssertMachinePartsOfRemoteFailure(MimeMessage report, string domain)
    {
        Assert.Equal("multipart/report", report.Root.ContentType.MimeType);
        Assert.Equal("delivery-status", report.Root.ContentType.Parameters["report-type"]);
        var status = Status(report);
        Assert.StartsWith("Reporting-MTA: dns; mx.hostedmail.test\r\n", status, StringComparison.Ordinal);
        // RFC 3464 section 2.3.1: the ORCPT as given ("rfc822;" once), then the fields in order.
        Assert.Contains($"\r\n\r\nOriginal-Recipient: rfc822;nobody@{domain}\r\nFinal-Recipient: rfc822;nobody@{domain}\r\nAction: failed\r\nStatus: 5.1.1\r\n" +
            $"Remote-MTA: dns; mx.{domain}\r\nDiagnostic-Code: smtp; 550 5.1.1 no such user\r\n", status, StringComparison.Ordinal);
    }

    private static string Status(MimeMessage report) => report.Entities.Single(e => e.ContentType.MimeType == "message/delivery-status").GetText();
}
