using System.Text;
using HostedMail.Testing;

namespace HostedMail.IntegrationTests.Smtp;

public sealed class SubmissionTests(MailNode node) : IClassFixture<MailNode>
{
    private static string PlainAuth(string user, string password) => Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{user}\0{password}"));

    [Fact]
    public async Task NoAuthBeforeTlsAndNoMailBeforeAuth()
    {
        await using var client = await LineClient.ConnectAsync(node.SubmissionPort);
        await client.ReadSmtpReplyAsync();
        var ehlo = await client.SmtpAsync("EHLO laptop.example");
        Assert.Contains("STARTTLS", ehlo, StringComparison.Ordinal);
        Assert.DoesNotContain("AUTH", ehlo, StringComparison.Ordinal);
        Assert.StartsWith("530 5.7.0 Must issue a STARTTLS", await client.SmtpAsync("AUTH PLAIN " + PlainAuth("alice@acme.example", MailNode.Password)), StringComparison.Ordinal);
        Assert.StartsWith("530 5.7.0 Authentication required", await client.SmtpAsync("MAIL FROM:<alice@acme.example>"), StringComparison.Ordinal);
        await client.SmtpAsync("STARTTLS");
        await client.StartTlsAsync();
        Assert.Contains("AUTH PLAIN LOGIN", await client.SmtpAsync("EHLO laptop.example"), StringComparison.Ordinal);
        Assert.StartsWith("530 5.7.0 Authentication required", await client.SmtpAsync("MAIL FROM:<alice@acme.example>"), StringComparison.Ordinal);
        Assert.StartsWith("535 5.7.8", await client.SmtpAsync("AUTH PLAIN " + PlainAuth("alice@acme.example", "wrong password here")), StringComparison.Ordinal);
        Assert.StartsWith("535 5.7.8", await client.SmtpAsync("AUTH PLAIN " + PlainAuth("nobody@acme.example", MailNode.Password)), StringComparison.Ordinal);
        Assert.StartsWith("504 5.5.4", await client.SmtpAsync("AUTH CRAM-MD5"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuthLoginWithChallengesWorksOverImplicitTls()
    {
        await using var client = await LineClient.ConnectAsync(node.SubmissionsPort, implicitTls: true);
        Assert.StartsWith("220 ", await client.ReadSmtpReplyAsync(), StringComparison.Ordinal);
        Assert.Contains("AUTH PLAIN LOGIN", await client.SmtpAsync("EHLO laptop.example"), StringComparison.Ordinal);
        Assert.Equal("334 VXNlcm5hbWU6", await client.SmtpAsync("AUTH LOGIN"));
        Assert.Equal("334 UGFzc3dvcmQ6", await client.SmtpAsync(Convert.ToBase64String(Encoding.UTF8.GetBytes("bob@acme.example"))));
        Assert.StartsWith("235 2.7.0", await client.SmtpAsync(Convert.ToBase64String(Encoding.UTF8.GetBytes(MailNode.Password))), StringComparison.Ordinal);
        Assert.StartsWith("503 5.5.1", await client.SmtpAsync("AUTH PLAIN " + PlainAuth("bob@acme.example", MailNode.Password)), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("carol@other.example")]
    [InlineData("bob@acme.example")]
    [InlineData("ceo@bank.example")]
    public async Task TheEnvelopeSenderMustBeTheMailboxOrItsAlias(string sender)
    {
        await using var client = await AuthenticatedAsync("alice@acme.example");
        Assert.StartsWith("553 5.7.1", await client.SmtpAsync($"MAIL FROM:<{sender}>"), StringComparison.Ordinal);
        Assert.StartsWith("250 ", await client.SmtpAsync("MAIL FROM:<sales@acme.example>"), StringComparison.Ordinal);
        await client.SmtpAsync("RSET");
        Assert.StartsWith("250 ", await client.SmtpAsync("MAIL FROM:<Alice+lists@ACME.example>"), StringComparison.Ordinal);
        await client.SmtpAsync("RSET");
        Assert.StartsWith("553 5.7.1", await client.SmtpAsync("MAIL FROM:<>"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AForgedFromHeaderIsRefused()
    {
        await using var client = await AuthenticatedAsync("alice@acme.example");
        await client.SmtpAsync("MAIL FROM:<alice@acme.example>");
        await client.SmtpAsync("RCPT TO:<bob@acme.example>");
        await client.SmtpAsync("DATA");
        Assert.StartsWith("553 5.7.1 From: address carol@other.example", await client.SmtpAsync("From: carol@other.example\r\nSubject: spoof\r\n\r\nx\r\n."), StringComparison.Ordinal);
        await client.SmtpAsync("MAIL FROM:<alice@acme.example>");
        await client.SmtpAsync("RCPT TO:<bob@acme.example>");
        await client.SmtpAsync("DATA");
        Assert.StartsWith("554 5.6.0", await client.SmtpAsync("Subject: no from\r\n\r\nx\r\n."), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PythonSmtplibSubmitsLocallyAndQueuesRemoteRecipientsSignedWithDkim()
    {
        var marker = "submit-" + Guid.NewGuid().ToString("N")[..8];
        var script = $$"""
            import smtplib, ssl
            from email.message import EmailMessage
            m = EmailMessage()
            m['From'] = 'Alice <alice@acme.example>'
            m['To'] = 'bob@acme.example, friend@remote.example'
            m['Subject'] = '{{marker}}'
            m.set_content('Hello Bob, hello friend.\n')
            s = smtplib.SMTP('127.0.0.1', {{node.SubmissionPort}}, timeout=30)
            s.starttls(context=ssl._create_unverified_context())
            s.login('alice@acme.example', '{{MailNode.Password}}')
            print('refused', s.send_message(m))
            s.quit()
            """;
        var result = await ExternalProcess.RunAsync("python3", ["-c", script]);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("refused {}", result.Output, StringComparison.Ordinal);

        var delivered = (await node.MessagesAsync("bob@acme.example")).Single(m => Encoding.UTF8.GetString(m).Contains(marker, StringComparison.Ordinal));
        var text = Encoding.UTF8.GetString(delivered);
        Assert.StartsWith("DKIM-Signature: v=1; a=rsa-sha256;", text, StringComparison.Ordinal);
        Assert.Contains("with ESMTPSA", text, StringComparison.Ordinal);
        // RFC 8314 section 4.3: the TLS version, named the usual way (issue 18, item 10).
        Assert.Matches(@"\(version=TLSv1\.[23] cipher=TLS_[A-Z0-9_]+\)", text);
        Assert.Contains("Message-ID: <", text, StringComparison.Ordinal);
        Assert.Equal("friend@remote.example queued alice@acme.example",
            await node.QueryAsync("SELECT r.recipient || ' ' || r.state || ' ' || o.envelope_from FROM outbound_recipients r JOIN outbound_messages o USING (tenant_id, queue_id) JOIN messages m ON m.tenant_id = o.tenant_id AND m.blob_sha256 = o.blob_sha256 WHERE m.subject = @s LIMIT 1", ("s", marker)));

        // The signature verifies with an independent implementation (python3-dkim), key from our database.
        var selector = await node.QueryAsync("SELECT selector FROM dkim_keys k JOIN domains d USING (tenant_id, domain_id) WHERE d.name = 'acme.example'");
        var pem = await node.QueryAsync("SELECT private_key_pem FROM dkim_keys k JOIN domains d USING (tenant_id, domain_id) WHERE d.name = 'acme.example'");
        using var key = HostedMail.MailAuth.Dkim.DkimSigningKey.FromPem("acme.example", selector!, pem!);
        var file = Path.GetTempFileName();
        await File.WriteAllBytesAsync(file, delivered);
        var verify = $$"""
            import dkim, sys
            msg = open(sys.argv[1], 'rb').read()
            txt = sys.argv[2].encode()
            print('verified' if dkim.verify(msg, dnsfunc=lambda name, timeout=5: txt if name.startswith(b'{{selector}}._domainkey.acme.example') else None) else 'failed')
            """;
        var check = await ExternalProcess.RunAsync("/usr/bin/python3", ["-c", verify, file, key.DnsTxtValue]);
        File.Delete(file);
        Assert.True(check.Output.Trim() == "verified", check.ToString());
    }

    [Fact]
    public async Task SwaksSubmitsWithStartTlsAndAuth()
    {
        var swaks = ExternalProcess.Require("swaks", "swaks");
        var result = await ExternalProcess.RunAsync(swaks, ["--server", "127.0.0.1", "--port", node.SubmissionPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--tls", "--auth", "PLAIN", "--auth-user", "bob@acme.example", "--auth-password", MailNode.Password,
            "--from", "bob@acme.example", "--to", "alice@acme.example", "--header", "Subject: via swaks", "--body", "swaks body"]);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains(await node.MessagesAsync("alice@acme.example"), m => Encoding.UTF8.GetString(m).Contains("via swaks", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CurlSubmitsOverImplicitTls()
    {
        var curl = ExternalProcess.Require("curl", "curl");
        var message = "From: bob@acme.example\r\nTo: alice@acme.example\r\nSubject: via curl\r\n\r\ncurl body\r\n";
        var result = await ExternalProcess.RunAsync(curl, ["-sS", "-k", $"smtps://127.0.0.1:{node.SubmissionsPort}", "--mail-from", "bob@acme.example", "--mail-rcpt", "alice@acme.example",
            "--user", $"bob@acme.example:{MailNode.Password}", "--upload-file", "-"], message);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains(await node.MessagesAsync("alice@acme.example"), m => Encoding.UTF8.GetString(m).EndsWith("Subject: via curl\r\n\r\ncurl body\r\n", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AfterARotationTheNewKeySignsOnlyOnceItsRecordIsPublished()
    {
        // The resolver caches "no such record" for the SOA's negative TTL (RFC 2308); the test publishes within seconds.
        node.Dns.NegativeTtl = 0;
        await node.Cli.OkAsync("tenant", "create", "rotate");
        await node.Cli.OkAsync("domain", "add", "rotate.example", "--tenant", "rotate", "--verified");
        await node.Cli.OkAsync("mailbox", "create", "rita@rotate.example", "--tenant", "rotate", "--password", MailNode.Password);
        Assert.Contains("s=hm", await SubmitAndReadSignatureAsync("first"), StringComparison.Ordinal);
        var oldSelector = await node.QueryAsync("SELECT selector FROM dkim_keys k JOIN domains d USING (tenant_id, domain_id) WHERE d.name = 'rotate.example'");
        using (var old = HostedMail.MailAuth.Dkim.DkimSigningKey.FromPem("rotate.example", oldSelector!, (await node.QueryAsync("SELECT private_key_pem FROM dkim_keys WHERE selector = @s", ("s", oldSelector!)))!))
        {
            node.Dns.Add(old.DnsName, HostedMail.Testing.Dns.TestDnsRecord.Txt(old.DnsTxtValue));
        }

        using var rsa = System.Security.Cryptography.RSA.Create(2048);
        await node.QueryAsync("""
            INSERT INTO dkim_keys (tenant_id, domain_id, selector, private_key_pem, created_at)
            SELECT tenant_id, domain_id, 'rotated', @pem, now() + interval '1 minute' FROM domains WHERE name = 'rotate.example'
            """, ("pem", rsa.ExportPkcs8PrivateKeyPem()));
        Assert.Contains($"s={oldSelector};", await SubmitAndReadSignatureAsync("before-publish"), StringComparison.Ordinal);

        using var rotated = HostedMail.MailAuth.Dkim.DkimSigningKey.FromPem("rotate.example", "rotated", rsa.ExportPkcs8PrivateKeyPem());
        node.Dns.Add(rotated.DnsName, HostedMail.Testing.Dns.TestDnsRecord.Txt(rotated.DnsTxtValue));
        Assert.Contains("s=rotated;", await SubmitAndReadSignatureAsync("after-publish"), StringComparison.Ordinal);
    }

    private async Task<string> SubmitAndReadSignatureAsync(string subject)
    {
        await using var client = await AuthenticatedAsync("rita@rotate.example");
        await client.SmtpAsync("MAIL FROM:<rita@rotate.example>");
        await client.SmtpAsync("RCPT TO:<rita@rotate.example>");
        await client.SmtpAsync("DATA");
        Assert.StartsWith("250 ", await client.SmtpAsync($"From: rita@rotate.example\r\nSubject: {subject}\r\n\r\nx\r\n."), StringComparison.Ordinal);
        var stored = (await node.MessagesAsync("rita@rotate.example")).Select(Encoding.UTF8.GetString).Single(m => m.Contains("Subject: " + subject, StringComparison.Ordinal));
        return stored[..stored.IndexOf("\r\n", StringComparison.Ordinal)] + stored[(stored.IndexOf("\r\n", StringComparison.Ordinal) + 2)..].Split("\r\n").TakeWhile(l => l.StartsWith('\t') || l.StartsWith(' ')).Aggregate(string.Empty, (a, b) => a + b);
    }

    private async Task<LineClient> AuthenticatedAsync(string user)
    {
        var client = await LineClient.ConnectAsync(node.SubmissionsPort, implicitTls: true);
        await client.ReadSmtpReplyAsync();
        await client.SmtpAsync("EHLO laptop.example");
        Assert.StartsWith("235 ", await client.SmtpAsync("AUTH PLAIN " + PlainAuth(user, MailNode.Password)), StringComparison.Ordinal);
        return client;
    }
}
