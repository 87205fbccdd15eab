using System.Text;
using HostedMail.Testing;

namespace HostedMail.IntegrationTests.Outbound;

/// <summary>Mail submitted to the node is delivered by the outbound queue to a real Postfix, byte for byte, with a DKIM signature that verifies there.</summary>
public sealed class PostfixInteropTests : IClassFixture<MailNode>, IClassFixture<PostfixInstance>
{
    private readonly MailNode node;
    private readonly PostfixInstance postfix;

    public PostfixInteropTests(MailNode node, PostfixInstance postfix)
    {
        this.node = node;
        this.postfix = postfix;
        OutboundTestKit.PauseNodeWorker(node);
    }

    [Fact]
    public async Task SubmittedMailReachesPostfixUnchangedOverTlsAndItsDkimSignatureVerifies()
    {
        OutboundTestKit.RouteToLoopback(node, "interop.example");
        var marker = "interop-" + Guid.NewGuid();
        var script = $$"""
            import smtplib, ssl
            from email.message import EmailMessage
            m = EmailMessage()
            m['From'] = 'Alice <alice@acme.example>'
            m['To'] = 'friend@interop.example, other@interop.example'
            m['Subject'] = '{{marker}}'
            m.set_content('Hello from HostedMail.\n.A line with a leading dot.\nGrüße, naïve café.\n')
            s = smtplib.SMTP('127.0.0.1', {{node.SubmissionPort}}, timeout=30)
            s.starttls(context=ssl._create_unverified_context())
            s.login('alice@acme.example', '{{MailNode.Password}}')
            print('refused', s.send_message(m))
            s.quit()
            """;
        var submitted = await ExternalProcess.RunAsync("python3", ["-c", script]);
        Assert.True(submitted.ExitCode == 0, submitted.ToString());

        var processor = OutboundTestKit.Processor(node, TimeProvider.System, postfix.Port);
        await processor.ProcessDueAsync(CancellationToken.None);

        var queueId = await node.QueryAsync("SELECT o.queue_id FROM outbound_messages o JOIN blobs b ON b.tenant_id = o.tenant_id AND b.sha256 = o.blob_sha256 WHERE convert_from(b.data, 'UTF8') LIKE '%' || @m || '%'", ("m", marker));
        Assert.Equal("friend@interop.example=delivered/1,other@interop.example=delivered/1", await OutboundTestKit.StatesAsync(node, long.Parse(queueId!, System.Globalization.CultureInfo.InvariantCulture)));
        var log = await node.QueryAsync("SELECT string_agg(DISTINCT tls_protocol || ' ' || reply, ';') FROM outbound_delivery_log WHERE queue_id = @q", ("q", long.Parse(queueId!, System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Matches(@"^TLSv1\.[23] 250 2\.0\.0 Ok: (\d+ bytes )?queued as ", log);

        var queued = Encoding.UTF8.GetString(Convert.FromHexString((await node.QueryAsync(
            "SELECT encode(b.data, 'hex') FROM outbound_messages o JOIN blobs b ON b.tenant_id = o.tenant_id AND b.sha256 = o.blob_sha256 WHERE o.queue_id = @q", ("q", long.Parse(queueId!, System.Globalization.CultureInfo.InvariantCulture))))!));
        // Postfix keeps one copy per recipient in the maildir, with LF line ends and its own trace headers on top.
        var stored = await postfix.WaitForMessageAsync(t => t.Contains(marker, StringComparison.Ordinal), TimeSpan.FromSeconds(60));
        Assert.StartsWith("Return-Path: <alice@acme.example>\n", stored, StringComparison.Ordinal);
        Assert.EndsWith("\n" + queued.Replace("\r\n", "\n", StringComparison.Ordinal), stored, StringComparison.Ordinal);
        Assert.Contains("\n.A line with a leading dot.\n", stored, StringComparison.Ordinal);

        var selector = await node.QueryAsync("SELECT selector FROM dkim_keys k JOIN domains d USING (tenant_id, domain_id) WHERE d.name = 'acme.example'");
        var pem = await node.QueryAsync("SELECT private_key_pem FROM dkim_keys k JOIN domains d USING (tenant_id, domain_id) WHERE d.name = 'acme.example'");
        using var key = HostedMail.MailAuth.Dkim.DkimSigningKey.FromPem("acme.example", selector!, pem!);
        var file = Path.GetTempFileName();
        await File.WriteAllTextAsync(file, stored);
        // python3-dkim (Debian's, hence /usr/bin/python3) verifies what Postfix stored; the key comes from our database.
        var verify = $$"""
            import dkim, sys
            msg = open(sys.argv[1], 'rb').read().replace(b'\n', b'\r\n')
            txt = sys.argv[2].encode()
            ok = dkim.verify(msg, dnsfunc=lambda name, timeout=5: txt if name == b'{{selector}}._domainkey.acme.example.' or name == b'{{selector}}._domainkey.acme.example' else None)
            print('verified' if ok else 'failed')
            """;
        var check = await ExternalProcess.RunAsync("/usr/bin/python3", ["-c", verify, file, key.DnsTxtValue]);
        File.Delete(file);
        Assert.True(check.Output.Trim() == "verified", check.ToString());
    }
}
