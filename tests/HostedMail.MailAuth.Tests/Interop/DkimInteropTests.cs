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

    // ed25519-sha256 (RFC 8463) both ways with dkimpy, which does Ed25519 through PyNaCl (Debian's python3-nacl).
    private static readonly Lazy<byte[]> Ed25519Seed = new(() => System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    private static DkimSigningKey Ed25519Key() => DkimSigningKey.FromEd25519Seed("example.com", "interop-ed", Ed25519Seed.Value);

    private static void RequireDkimpyEd25519()
    {
        ExternalTool.Require("/usr/bin/dkimverify", "python3-dkim");
        ExternalTool.Require("/usr/lib/python3/dist-packages/nacl/__init__.py", "python3-nacl");
    }

    [Theory]
    [MemberData(nameof(Canonicalizations))]
    public async Task OurEd25519SignaturesVerifyWithDkimpy(DkimCanonicalization header, DkimCanonicalization body)
    {
        RequireDkimpyEd25519();
        using var key = Ed25519Key();
        var bytes = Encoding.ASCII.GetBytes(Message);
        byte[] signed = [.. new DkimSigner().Sign(bytes, key, new DkimSignOptions { HeaderCanonicalization = header, BodyCanonicalization = body }), .. bytes];
        await using var dns = TestDnsServer.Start();
        dns.Add(key.DnsName, TestDnsRecord.Txt(key.DnsTxtValue));
        var script = ExternalTool.DnsPrelude(dns.EndPoint) + "import runpy, sys\nsys.argv = ['dkimverify']\nrunpy.run_path('/usr/bin/dkimverify', run_name='__main__')\n";
        var (exit, stdout, stderr) = await ExternalTool.RunAsync(ExternalTool.Python, ["-c", script], signed);
        Assert.True(exit == 0 && stdout.Contains("signature ok", StringComparison.Ordinal), $"dkimverify exit {exit}: {stdout} {stderr}");
        Assert.Contains(dns.Queries, q => q.Name.Equals(key.DnsName, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task OurDualSignaturesBothVerifyWithDkimpy()
    {
        RequireDkimpyEd25519();
        using var ed = Ed25519Key();
        var bytes = Encoding.ASCII.GetBytes(Message);
        byte[] signed = [.. new DkimSigner().Sign(bytes, [Key.Value, ed]), .. bytes];
        await using var dns = TestDnsServer.Start();
        dns.Add(Key.Value.DnsName, TestDnsRecord.Txt(Key.Value.DnsTxtValue));
        dns.Add(ed.DnsName, TestDnsRecord.Txt(ed.DnsTxtValue));
        // dkimverify checks only the first signature; dkim.DKIM.verify(idx=) checks each one.
        var script = ExternalTool.DnsPrelude(dns.EndPoint) + string.Join('\n',
            "import dkim, sys",
            "message = sys.stdin.buffer.read()",
            "d = dkim.DKIM(message)",
            "print(' '.join(str(d.verify(idx=i)) for i in range(2)))",
            string.Empty);
        var (exit, stdout, stderr) = await ExternalTool.RunAsync(ExternalTool.Python, ["-c", script], signed);
        Assert.True(exit == 0 && stdout.Trim() == "True True", $"dkimpy exit {exit}: {stdout} {stderr}");
    }

    [Theory]
    [InlineData("simple", "simple")]
    [InlineData("relaxed", "relaxed")]
    [InlineData("relaxed", "simple")]
    [InlineData("simple", "relaxed")]
    public async Task DkimpyEd25519SignaturesVerifyWithUs(string header, string body)
    {
        RequireDkimpyEd25519();
        ExternalTool.Require("/usr/bin/dkimsign", "python3-dkim");
        using var key = Ed25519Key();
        // dkimpy's Ed25519 key file is the base64 of the 32-byte seed.
        var keyFile = Path.Combine(Path.GetTempPath(), $"hostedmail-dkim-ed-{Guid.NewGuid():N}.key");
        await File.WriteAllTextAsync(keyFile, Convert.ToBase64String(Ed25519Seed.Value) + "\n");
        try
        {
            var (exit, stdout, stderr) = await ExternalTool.RunAsync("/usr/bin/dkimsign",
                ["--signalg", "ed25519-sha256", "--hcanon", header, "--bcanon", body, "interop-ed", "example.com", keyFile], Encoding.ASCII.GetBytes(Message));
            Assert.True(exit == 0, $"dkimsign exit {exit}: {stderr}");
            Assert.Contains("a=ed25519-sha256", stdout, StringComparison.Ordinal);
            await using var dns = TestDnsServer.Start();
            dns.Add(key.DnsName, TestDnsRecord.Txt(key.DnsTxtValue));
            var resolver = new DnsResolver(new DnsResolverOptions { Servers = [dns.EndPoint] });
            var result = Assert.Single(await new DkimVerifier(resolver).VerifyAsync(Encoding.ASCII.GetBytes(stdout)));
            Assert.True(result.Status == AuthStatus.Pass, $"{result.Status} {result.Reason}\n{stdout}");
            Assert.Equal("ed25519-sha256", result.Algorithm);
        }
        finally
        {
            File.Delete(keyFile);
        }
    }
}
