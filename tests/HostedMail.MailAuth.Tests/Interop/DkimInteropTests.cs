using System.Net;
using System.Text;
using HostedMail.MailAuth.Dkim;
using HostedMail.Testing.Dns;
using HostedMail.Dns;

namespace HostedMail.MailAuth.Tests.Interop;

/// <summary>DKIM against python3-dkim (dkimsign, dkimverify) and OpenDKIM (opendkim-testmsg), with keys served over loopback DNS.</summary>
public sealed class DkimInteropTests
{
    private const string Message =
        "From: Alice <alice@example.com>\r\n" +
        "To: Bob <bob@example.net>\r\n" +
        "Cc: carol@example.org\r\n" +
        "Subject: Interop  test\r\n" +
        "Date: Sun, 22 Nov 2026 12:00:00 +0000\r\n" +
        "Message-ID: <interop@example.com>\r\n" +
        "MIME-Version: 1.0\r\n" +
        "Content-Type: text/plain; charset=utf-8\r\n" +
        "\r\n" +
        "Hello  Bob,\t\r\n" +
        "\r\n" +
        "trailing whitespace and blank lines follow   \r\n\r\n\r\n";

    private static readonly Lazy<DkimSigningKey> Key = new(() => DkimSigningKey.Generate("example.com", "interop"));

    public static TheoryData<DkimCanonicalization, DkimCanonicalization> Canonicalizations => new()
    {
        { DkimCanonicalization.Simple, DkimCanonicalization.Simple },
        { DkimCanonicalization.Relaxed, DkimCanonicalization.Relaxed },
        { DkimCanonicalization.Relaxed, DkimCanonicalization.Simple },
        { DkimCanonicalization.Simple, DkimCanonicalization.Relaxed },
    };

    private static byte[] SignOurs(DkimCanonicalization header, DkimCanonicalization body)
    {
        var bytes = Encoding.ASCII.GetBytes(Message);
        var options = new DkimSignOptions { HeaderCanonicalization = header, BodyCanonicalization = body };
        return [.. new DkimSigner().Sign(bytes, Key.Value, options), .. bytes];
    }

    [Theory]
    [MemberData(nameof(Canonicalizations))]
    public async Task OurSignaturesVerifyWithDkimpy(DkimCanonicalization header, DkimCanonicalization body)
    {
        ExternalTool.Require("/usr/bin/dkimverify", "python3-dkim");
        await using var dns = TestDnsServer.Start();
        dns.Add(Key.Value.DnsName, TestDnsRecord.Txt(Key.Value.DnsTxtValue));
        var script = ExternalTool.DnsPrelude(dns.EndPoint) + "import runpy, sys\nsys.argv = ['dkimverify']\nrunpy.run_path('/usr/bin/dkimverify', run_name='__main__')\n";
        var (exit, stdout, stderr) = await ExternalTool.RunAsync(ExternalTool.Python, ["-c", script], SignOurs(header, body));
        Assert.True(exit == 0 && stdout.Contains("signature ok", StringComparison.Ordinal), $"dkimverify exit {exit}: {stdout} {stderr}");
    }

    [Theory]
    [MemberData(nameof(Canonicalizations))]
    public async Task OurSignaturesVerifyWithOpenDkim(DkimCanonicalization header, DkimCanonicalization body)
    {
        ExternalTool.Require("/usr/sbin/opendkim-testmsg", "opendkim-tools");
        ExternalTool.Require("/usr/bin/unshare", "util-linux");
        // opendkim-testmsg resolves through libc, which reads /etc/resolv.conf and always uses port 53: serve on a
        // spare loopback address and show the tool a private resolv.conf in its own mount namespace (needs root).
        TestDnsServer dns;
        try
        {
            dns = TestDnsServer.Start(IPAddress.Parse("127.0.0.153"), 53);
        }
        catch (System.Net.Sockets.SocketException ex)
        {
            Assert.Fail($"opendkim-testmsg needs a DNS server on 127.0.0.153:53 and the right to bind it (run as root): {ex.Message}");
            return;
        }

        await using (dns)
        {
            dns.Add(Key.Value.DnsName, TestDnsRecord.Txt(Key.Value.DnsTxtValue));
            var resolvConf = Path.Combine(Path.GetTempPath(), $"hostedmail-resolv-{Guid.NewGuid():N}.conf");
            await File.WriteAllTextAsync(resolvConf, "nameserver 127.0.0.153\noptions timeout:2 attempts:1\n");
            try
            {
                var (exit, stdout, stderr) = await ExternalTool.RunAsync("/usr/bin/unshare",
                    ["-m", "sh", "-c", $"mount --bind '{resolvConf}' /etc/resolv.conf && exec /usr/sbin/opendkim-testmsg"],
                    SignOurs(header, body));
                Assert.True(exit == 0 && stdout.Length == 0 && stderr.Length == 0, $"opendkim-testmsg exit {exit}: {stdout} {stderr}");
                Assert.Contains(dns.Queries, q => q.Name.Equals(Key.Value.DnsName, StringComparison.OrdinalIgnoreCase));
            }
            finally
            {
                File.Delete(resolvConf);
            }
        }
    }

    [Theory]
    [InlineData("simple", "simple")]
    [InlineData("relaxed", "relaxed")]
    [InlineData("relaxed", "simple")]
    [InlineData("simple", "relaxed")]
    public async Task DkimpySignaturesVerifyWithUs(string header, string body)
    {
        ExternalTool.Require("/usr/bin/dkimsign", "python3-dkim");
        var keyFile = Path.Combine(Path.GetTempPath(), $"hostedmail-dkim-{Guid.NewGuid():N}.pem");
        await File.WriteAllTextAsync(keyFile, Key.Value.ExportPrivateKeyPem());
        try
        {
            var (exit, stdout, stderr) = await ExternalTool.RunAsync("/usr/bin/dkimsign",
                ["--hcanon", header, "--bcanon", body, "interop", "example.com", keyFile], Encoding.ASCII.GetBytes(Message));
            Assert.True(exit == 0, $"dkimsign exit {exit}: {stderr}");
            await using var dns = TestDnsServer.Start();
            dns.Add(Key.Value.DnsName, TestDnsRecord.Txt(Key.Value.DnsTxtValue));
            var resolver = new DnsResolver(new DnsResolverOptions { Servers = [dns.EndPoint] });
            var result = Assert.Single(await new DkimVerifier(resolver).VerifyAsync(Encoding.ASCII.GetBytes(stdout)));
            Assert.True(result.Status == AuthStatus.Pass, $"{result.Status} {result.Reason}\n{stdout}");
            Assert.Contains($"c={header}/{body}", stdout, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(keyFile);
        }
    }
}
