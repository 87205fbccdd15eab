using System.Text;
using HostedMail.IntegrationTests.Outbound;
using HostedMail.Testing;

namespace HostedMail.IntegrationTests.Smtp;

/// <summary>A real Postfix from Debian as the sending MTA, relaying to our MX on loopback.</summary>
public sealed class PostfixRelayTests(MailNode node) : IClassFixture<MailNode>
{
    [Fact]
    public async Task PostfixRelaysToOurMxAndTheMessageLandsIntact()
    {
        var postfix = new PostfixInstance { ExtraConfiguration = $"relayhost = [127.0.0.1]:{node.SmtpPort}\nsmtp_tls_security_level = may" };
        await postfix.InitializeAsync();
        try
        {
            var subject = "via-postfix-" + Guid.NewGuid().ToString("N")[..8];
            var body = $"From: sender@postfix.test\r\nTo: bob@acme.example\r\nSubject: {subject}\r\nMessage-ID: <{subject}@postfix.test>\r\n\r\nRelayed by Postfix.\r\n..dot line\r\n";
            var script = $$"""
                import smtplib, sys
                s = smtplib.SMTP('127.0.0.1', {{postfix.Port}}, timeout=30)
                print(s.sendmail('sender@postfix.test', ['bob@acme.example'], sys.stdin.read().encode()))
                s.quit()
                """;
            var sent = await ExternalProcess.RunAsync("python3", ["-c", script], body);
            Assert.True(sent.ExitCode == 0, sent.ToString());

            await node.WaitForSubjectAsync(subject, TimeSpan.FromSeconds(60));
            var stored = (await node.MessagesAsync("bob@acme.example")).Select(Encoding.UTF8.GetString).Single(m => m.Contains(subject, StringComparison.Ordinal));
            Assert.Contains("Received: from postfix.test ([127.0.0.1])", stored, StringComparison.Ordinal);
            Assert.Contains("Return-Path: <sender@postfix.test>", stored, StringComparison.Ordinal);
            // Postfix took STARTTLS (smtp_tls_security_level = may) with our certificate.
            Assert.Contains("with ESMTPS", stored, StringComparison.Ordinal);
            Assert.EndsWith("\r\n\r\nRelayed by Postfix.\r\n..dot line\r\n", stored, StringComparison.Ordinal);
        }
        finally
        {
            await postfix.DisposeAsync();
        }
    }
}
