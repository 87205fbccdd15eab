using System.Text;
using HostedMail.Testing;
using HostedMail.Testing.Dns;

namespace HostedMail.IntegrationTests.Smtp;

public sealed class MxTests(MailNode node) : IClassFixture<MailNode>
{
    [Fact]
    public async Task GreetingAndEhloAdvertiseTheExtensions()
    {
        await using var client = await LineClient.ConnectAsync(node.SmtpPort);
        Assert.Equal("220 mx.hostedmail.test ESMTP HostedMail", await client.ReadSmtpReplyAsync());
        var ehlo = await client.SmtpAsync("EHLO client.example");
        foreach (var extension in new[] { "PIPELINING", "SIZE 52428800", "8BITMIME", "SMTPUTF8", "ENHANCEDSTATUSCODES", "CHUNKING", "DSN", "STARTTLS" })
        {
            Assert.Contains("250-" + extension, ehlo.Replace("250 ", "250-", StringComparison.Ordinal), StringComparison.Ordinal);
        }

        Assert.DoesNotContain("AUTH", ehlo, StringComparison.Ordinal);
        Assert.DoesNotContain("REQUIRETLS", ehlo, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PythonSmtplibDeliversAndTheStoredBytesAreTheMessageWithTraceHeaders()
    {
        var body = "From: Sender <sender@outside.example>\r\nTo: alice@acme.example\r\nSubject: hello from smtplib\r\nMessage-ID: <m1@outside.example>\r\n\r\nLine one\r\n.leading dot\r\n";
        var script = $$"""
            import smtplib, sys
            s = smtplib.SMTP('127.0.0.1', {{node.SmtpPort}}, timeout=30)
            s.ehlo('client.outside.example')
            r = s.sendmail('sender@outside.example', ['alice@acme.example'], sys.stdin.read().encode())
            s.quit()
            print('refused', r)
            """;
        var result = await ExternalProcess.RunAsync("python3", ["-c", script], body);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("refused {}", result.Output, StringComparison.Ordinal);

        var stored = Encoding.UTF8.GetString((await node.MessagesAsync("alice@acme.example")).Single(m => Encoding.UTF8.GetString(m).Contains("hello from smtplib", StringComparison.Ordinal)));
        Assert.StartsWith("Return-Path: <sender@outside.example>\r\nAuthentication-Results: mx.hostedmail.test;\r\n\tspf=none", stored, StringComparison.Ordinal);
        Assert.Contains("Received: from client.outside.example ([127.0.0.1])\r\n\tby mx.hostedmail.test (HostedMail) with ESMTP\r\n", stored, StringComparison.Ordinal);
        Assert.Contains("\r\n\tfor <alice@acme.example>;", stored, StringComparison.Ordinal);
        Assert.EndsWith("\r\n" + body, stored, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AliasesFanOutOnceToEachMailboxAndCountersMove()
    {
        var before = int.Parse((await node.QueryAsync("SELECT message_count FROM folders f JOIN mailboxes m USING (tenant_id, mailbox_id) WHERE m.address = 'bob@acme.example' AND f.name = 'INBOX'"))!, System.Globalization.CultureInfo.InvariantCulture);
        await using var client = await ConnectedAsync();
        Assert.StartsWith("250 ", await client.SmtpAsync("MAIL FROM:<x@outside.example>"), StringComparison.Ordinal);
        Assert.StartsWith("250 ", await client.SmtpAsync("RCPT TO:<team@acme.example>"), StringComparison.Ordinal);
        Assert.StartsWith("250 ", await client.SmtpAsync("RCPT TO:<bob+news@acme.example>"), StringComparison.Ordinal);
        Assert.StartsWith("354 ", await client.SmtpAsync("DATA"), StringComparison.Ordinal);
        var reply = await client.SmtpAsync("Subject: fan-out\r\n\r\nhi\r\n.");
        Assert.Matches(@"^250 2\.0\.0 OK id=[A-Z2-9]{12}$", reply);
        var after = int.Parse((await node.QueryAsync("SELECT message_count FROM folders f JOIN mailboxes m USING (tenant_id, mailbox_id) WHERE m.address = 'bob@acme.example' AND f.name = 'INBOX'"))!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(before + 1, after);
        Assert.Single(await node.MessagesAsync("alice@acme.example"), m => Encoding.UTF8.GetString(m).Contains("fan-out", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("<nobody@acme.example>", "550 5.1.1")]
    [InlineData("<someone@elsewhere.example>", "550 5.7.1")]
    [InlineData("<alice@pending.example>", "550 5.7.1")]
    [InlineData("<@acme.example:someone@elsewhere.example>", "550 5.7.1")]
    [InlineData("<someone%elsewhere.example@acme.example>", "550 5.1.1")]
    [InlineData("<\"someone@elsewhere.example\"@acme.example>", "550 5.7.1")]
    [InlineData("<someone@[127.0.0.1]>", "550 5.7.1")]
    [InlineData("<someone@elsewhere.example.>", "550 5.7.1")]
    public async Task RelayAttemptsAndUnknownRecipientsAreRefused(string recipient, string expected)
    {
        await using var client = await ConnectedAsync();
        Assert.StartsWith("250 ", await client.SmtpAsync("MAIL FROM:<x@outside.example>"), StringComparison.Ordinal);
        var reply = await client.SmtpAsync("RCPT TO:" + recipient);
        Assert.True(reply.StartsWith(expected, StringComparison.Ordinal) || (expected == "550 5.7.1" && reply.StartsWith("501 ", StringComparison.Ordinal)), reply);
        Assert.StartsWith("554 5.5.1", await client.SmtpAsync("DATA"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PostmasterWithoutDomainIsAccepted()
    {
        await using var client = await ConnectedAsync();
        await client.SmtpAsync("MAIL FROM:<>");
        Assert.StartsWith("250 ", await client.SmtpAsync("RCPT TO:<Postmaster>"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\n.\n")]
    [InlineData("\r.\r")]
    [InlineData("\n.\r\n")]
    [InlineData("\r\n.\n")]
    [InlineData("\r\n.\r")]
    [InlineData("\n.\r\nMAIL FROM:<evil@outside.example>\r\n")]
    public async Task SmugglingPayloadsAreRefusedAndNothingIsStored(string payload)
    {
        await using var client = await ConnectedAsync();
        await client.SmtpAsync("MAIL FROM:<x@outside.example>");
        await client.SmtpAsync("RCPT TO:<bob@acme.example>");
        Assert.StartsWith("354", await client.SmtpAsync("DATA"), StringComparison.Ordinal);
        var marker = "smuggle-" + Guid.NewGuid().ToString("N");
        await client.SendAsync($"Subject: {marker}\r\n\r\nbody{payload}RCPT TO:<carol@other.example>\r\nDATA\r\n\r\nsmuggled\r\n.\r\n");
        Assert.StartsWith("550 5.5.2", await client.ReadSmtpReplyAsync(), StringComparison.Ordinal);
        Assert.StartsWith("250 ", await client.SmtpAsync("NOOP"), StringComparison.Ordinal);
        Assert.Equal("0", await node.QueryAsync("SELECT count(*) FROM messages WHERE subject = @s", ("s", marker)));
        Assert.DoesNotContain(await node.MessagesAsync("carol@other.example"), m => Encoding.UTF8.GetString(m).Contains("smuggled", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CommandsPipelinedBehindStartTlsAreDiscarded()
    {
        await using var client = await LineClient.ConnectAsync(node.SmtpPort);
        await client.ReadSmtpReplyAsync();
        await client.SmtpAsync("EHLO client.example");
        await client.SendAsync("STARTTLS\r\nMAIL FROM:<injected@outside.example>\r\n");
        Assert.StartsWith("220 2.0.0", await client.ReadSmtpReplyAsync(), StringComparison.Ordinal);
        await client.StartTlsAsync();
        // State is reset: MAIL before EHLO is a sequence error, so the injected MAIL did not run.
        Assert.StartsWith("503 5.5.1", await client.SmtpAsync("MAIL FROM:<x@outside.example>"), StringComparison.Ordinal);
        var ehlo = await client.SmtpAsync("EHLO client.example");
        Assert.Contains("REQUIRETLS", ehlo, StringComparison.Ordinal);
        Assert.DoesNotContain("STARTTLS", ehlo, StringComparison.Ordinal);
        Assert.StartsWith("250 ", await client.SmtpAsync("MAIL FROM:<x@outside.example>"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task BdatChunksAreJoinedAndStored()
    {
        await using var client = await ConnectedAsync();
        await client.SmtpAsync("MAIL FROM:<x@outside.example> BODY=8BITMIME");
        await client.SmtpAsync("RCPT TO:<bob@acme.example>");
        var first = "Subject: chunked\r\n\r\nPart one, ";
        var second = "part two.\r\n";
        await client.SendAsync($"BDAT {Encoding.UTF8.GetByteCount(first)}\r\n{first}BDAT {Encoding.UTF8.GetByteCount(second)} LAST\r\n{second}");
        Assert.StartsWith("250 2.0.0", await client.ReadSmtpReplyAsync(), StringComparison.Ordinal);
        Assert.StartsWith("250 2.0.0 OK id=", await client.ReadSmtpReplyAsync(), StringComparison.Ordinal);
        var stored = (await node.MessagesAsync("bob@acme.example")).Select(Encoding.UTF8.GetString).Single(m => m.Contains("chunked", StringComparison.Ordinal));
        Assert.EndsWith("Subject: chunked\r\n\r\nPart one, part two.\r\n", stored, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SequenceErrorsAndLimitsGetTheRightCodes()
    {
        await using var client = await LineClient.ConnectAsync(node.SmtpPort);
        await client.ReadSmtpReplyAsync();
        Assert.StartsWith("503 5.5.1", await client.SmtpAsync("MAIL FROM:<x@outside.example>"), StringComparison.Ordinal);
        await client.SmtpAsync("EHLO client.example");
        Assert.StartsWith("503 5.5.1", await client.SmtpAsync("RCPT TO:<bob@acme.example>"), StringComparison.Ordinal);
        Assert.StartsWith("552 5.3.4", await client.SmtpAsync("MAIL FROM:<x@outside.example> SIZE=999999999999"), StringComparison.Ordinal);
        Assert.StartsWith("553 5.6.7", await client.SmtpAsync("MAIL FROM:<δοκιμή@outside.example>"), StringComparison.Ordinal);
        Assert.StartsWith("250 ", await client.SmtpAsync("MAIL FROM:<x@outside.example>"), StringComparison.Ordinal);
        Assert.StartsWith("503 5.5.1", await client.SmtpAsync("MAIL FROM:<x@outside.example>"), StringComparison.Ordinal);
        Assert.StartsWith("502 5.5.1", await client.SmtpAsync("AUTH PLAIN"), StringComparison.Ordinal);
        Assert.StartsWith("252 ", await client.SmtpAsync("VRFY alice"), StringComparison.Ordinal);
        Assert.StartsWith("500 5.5.1", await client.SmtpAsync("FOO bar"), StringComparison.Ordinal);
        // RFC 5321 section 4.5.3.1.4: a too-long line gets 500 and the rest of it is discarded;
        // the session goes on (Postfix does the same), and the error counts.
        Assert.StartsWith("500 5.5.6", await client.SmtpAsync("NOOP " + new string('x', 2000)), StringComparison.Ordinal);
        Assert.StartsWith("250 ", await client.SmtpAsync("NOOP"), StringComparison.Ordinal);
        Assert.StartsWith("221 2.7.0", await client.SmtpAsync("GET / HTTP/1.1"), StringComparison.Ordinal);
        Assert.True(await client.IsClosedAsync());
    }

    [Fact]
    public async Task ASuspendedTenantsMailIsDeferredAndAFullMailboxGets452()
    {
        await node.Cli.OkAsync("tenant", "create", "paused");
        await node.Cli.OkAsync("domain", "add", "paused.example", "--tenant", "paused", "--verified");
        await node.Cli.OkAsync("mailbox", "create", "pat@paused.example", "--tenant", "paused", "--password", MailNode.Password);
        await node.Cli.OkAsync("mailbox", "create", "full@paused.example", "--tenant", "paused", "--password", MailNode.Password, "--quota", "1M");
        await node.QueryAsync("UPDATE mailboxes SET used_bytes = quota_bytes WHERE address = 'full@paused.example'");
        await using var client = await ConnectedAsync();
        await client.SmtpAsync("MAIL FROM:<x@outside.example> SIZE=2000000");
        Assert.StartsWith("552 5.2.2", await client.SmtpAsync("RCPT TO:<full@paused.example>"), StringComparison.Ordinal);
        await client.SmtpAsync("RSET");
        await client.SmtpAsync("MAIL FROM:<x@outside.example>");
        Assert.StartsWith("452 4.2.2", await client.SmtpAsync("RCPT TO:<full@paused.example>"), StringComparison.Ordinal);
        // Through the tenant's grain, as every suspension goes: the domain's grain, which answers RCPT from memory, is told.
        await node.Cli.OkAsync("tenant", "suspend", "paused");
        Assert.StartsWith("450 4.2.1", await client.SmtpAsync("RCPT TO:<pat@paused.example>"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DmarcRejectFailuresAreRefusedAndQuarantineGoesToJunk()
    {
        node.Dns.Add("strict.example", TestDnsRecord.Txt("v=spf1 -all"));
        node.Dns.Add("_dmarc.strict.example", TestDnsRecord.Txt("v=DMARC1; p=reject"));
        node.Dns.Add("lenient.example", TestDnsRecord.Txt("v=spf1 -all"));
        node.Dns.Add("_dmarc.lenient.example", TestDnsRecord.Txt("v=DMARC1; p=quarantine"));
        await using var client = await ConnectedAsync();
        await client.SmtpAsync("MAIL FROM:<ceo@strict.example>");
        await client.SmtpAsync("RCPT TO:<alice@acme.example>");
        await client.SmtpAsync("DATA");
        Assert.StartsWith("550 5.7.1 Message refused: DMARC policy of strict.example", await client.SmtpAsync("From: ceo@strict.example\r\nSubject: wire money\r\n\r\nnow\r\n."), StringComparison.Ordinal);

        await client.SmtpAsync("MAIL FROM:<news@lenient.example>");
        await client.SmtpAsync("RCPT TO:<alice@acme.example>");
        await client.SmtpAsync("DATA");
        Assert.StartsWith("250 ", await client.SmtpAsync("From: news@lenient.example\r\nSubject: quarantined\r\n\r\nhi\r\n."), StringComparison.Ordinal);
        var junk = (await node.MessagesAsync("alice@acme.example", "Junk")).Select(Encoding.UTF8.GetString).Single(m => m.Contains("quarantined", StringComparison.Ordinal));
        Assert.Contains("spf=fail", junk, StringComparison.Ordinal);
        Assert.Contains("dmarc=fail", junk, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ForgedAuthenticationResultsWithOurNameAreRemoved()
    {
        await using var client = await ConnectedAsync();
        await client.SmtpAsync("MAIL FROM:<x@outside.example>");
        await client.SmtpAsync("RCPT TO:<bob@acme.example>");
        await client.SmtpAsync("DATA");
        Assert.StartsWith("250 ", await client.SmtpAsync("Authentication-Results: mx.hostedmail.test; dkim=pass header.d=bank.example\r\nAuthentication-Results: other.example; spf=pass\r\nSubject: forged-ar\r\n\r\nx\r\n."), StringComparison.Ordinal);
        var stored = (await node.MessagesAsync("bob@acme.example")).Select(Encoding.UTF8.GetString).Single(m => m.Contains("forged-ar", StringComparison.Ordinal));
        Assert.DoesNotContain("header.d=bank.example", stored, StringComparison.Ordinal);
        Assert.Contains("Authentication-Results: other.example; spf=pass", stored, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ForwardsLeaveWithAnSrsSenderAndBouncesToItFindTheOriginalSender()
    {
        await node.Cli.OkAsync("alias", "create", "fwd@acme.example", "friend@remote.example", "--tenant", "acme");
        await using var client = await ConnectedAsync();
        await client.SmtpAsync("MAIL FROM:<origin@outside.example>");
        Assert.StartsWith("250 ", await client.SmtpAsync("RCPT TO:<fwd@acme.example>"), StringComparison.Ordinal);
        await client.SmtpAsync("DATA");
        Assert.StartsWith("250 ", await client.SmtpAsync("Subject: srs-forward\r\n\r\nx\r\n."), StringComparison.Ordinal);
        var rewritten = await node.QueryAsync("SELECT o.envelope_from FROM outbound_messages o JOIN outbound_recipients r USING (tenant_id, queue_id) WHERE r.recipient = 'friend@remote.example' ORDER BY o.queue_id DESC LIMIT 1");
        Assert.Matches(@"^SRS0=[A-Za-z0-9_-]{4}=[A-Z2-7]{2}=outside\.example=origin@acme\.example$", rewritten);

        // The remote side bounces to the SRS address: it goes back to the original sender.
        await client.SmtpAsync("MAIL FROM:<>");
        Assert.StartsWith("250 ", await client.SmtpAsync($"RCPT TO:<{rewritten}>"), StringComparison.Ordinal);
        await client.SmtpAsync("DATA");
        Assert.StartsWith("250 ", await client.SmtpAsync("Subject: srs-bounce\r\n\r\nundeliverable\r\n."), StringComparison.Ordinal);
        Assert.Equal("1", await node.QueryAsync("SELECT count(*) FROM outbound_recipients WHERE recipient = 'origin@outside.example'"));
        var forged = rewritten!.Replace("=origin@", "=victim@", StringComparison.Ordinal);
        await client.SmtpAsync("RSET");
        await client.SmtpAsync("MAIL FROM:<>");
        Assert.StartsWith("550 5.1.1", await client.SmtpAsync($"RCPT TO:<{forged}>"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ACatchAllTakesUnknownAddressesOfItsDomainOnly()
    {
        await node.Cli.OkAsync("tenant", "create", "catchall-co");
        await node.Cli.OkAsync("domain", "add", "catchall.example", "--tenant", "catchall-co", "--verified");
        await node.Cli.OkAsync("mailbox", "create", "inbox@catchall.example", "--tenant", "catchall-co", "--password", MailNode.Password);
        await node.Cli.OkAsync("alias", "create", "*@catchall.example", "inbox@catchall.example", "--tenant", "catchall-co");
        await using var client = await ConnectedAsync();
        await client.SmtpAsync("MAIL FROM:<x@outside.example>");
        Assert.StartsWith("250 ", await client.SmtpAsync("RCPT TO:<anything-at-all@catchall.example>"), StringComparison.Ordinal);
        Assert.StartsWith("550 5.1.1", await client.SmtpAsync("RCPT TO:<anything-at-all@acme.example>"), StringComparison.Ordinal);
        await client.SmtpAsync("DATA");
        Assert.StartsWith("250 ", await client.SmtpAsync("Subject: caught\r\n\r\nx\r\n."), StringComparison.Ordinal);
        Assert.Contains(await node.MessagesAsync("inbox@catchall.example"), m => Encoding.UTF8.GetString(m).Contains("Subject: caught", StringComparison.Ordinal));
    }

    // Most mail on the internet has a Date: with a non-zero offset or an obsolete zone (RFC 5322
    // 3.3, 4.3); each one must be acknowledged, stored and read back byte-exact.
    [Theory]
    [InlineData("Sat, 05 Dec 2026 10:00:00 +0200")]
    [InlineData("Fri, 4 Dec 2026 23:59:59 -0800 (PST)")]
    [InlineData("5 Dec 2026 03:30:00 +0530")]
    [InlineData("Sat, 05 Dec 2026 10:00:00 +1400")]
    [InlineData("Sat, 05 Dec 2026 10:00:00 -1200")]
    [InlineData("Sat, 05 Dec 26 10:00:00 EST")]
    [InlineData("Sat, 05 Dec 2026 10:00:00 UT")]
    [InlineData("Sat, 05 Dec 2026 10:00:00 Z")]
    [InlineData("Sat, 05 Dec 2026 10:00:00 -0000")]
    [InlineData("yesterday at noon")]
    public async Task MessagesWithAnyDateOffsetAreAcceptedAndStoredExactly(string date)
    {
        var subject = "date-" + Guid.NewGuid().ToString("N");
        var body = $"From: Sender <sender@outside.example>\r\nTo: alice@acme.example\r\nSubject: {subject}\r\nDate: {date}\r\n\r\nDated.\r\n";
        await using var client = await ConnectedAsync();
        Assert.StartsWith("250 ", await client.SmtpAsync("MAIL FROM:<sender@outside.example>"), StringComparison.Ordinal);
        Assert.StartsWith("250 ", await client.SmtpAsync("RCPT TO:<alice@acme.example>"), StringComparison.Ordinal);
        Assert.StartsWith("354 ", await client.SmtpAsync("DATA"), StringComparison.Ordinal);
        Assert.StartsWith("250 2.0.0 ", await client.SmtpAsync(body + "."), StringComparison.Ordinal);
        Assert.StartsWith("250 ", await client.SmtpAsync("NOOP"), StringComparison.Ordinal);

        var stored = Encoding.UTF8.GetString((await node.MessagesAsync("alice@acme.example")).Single(m => Encoding.UTF8.GetString(m).Contains(subject, StringComparison.Ordinal)));
        Assert.EndsWith("\r\n" + body, stored, StringComparison.Ordinal);
    }

    private async Task<LineClient> ConnectedAsync()
    {
        var client = await LineClient.ConnectAsync(node.SmtpPort);
        await client.ReadSmtpReplyAsync();
        await client.SmtpAsync("EHLO client.example");
        return client;
    }
}
