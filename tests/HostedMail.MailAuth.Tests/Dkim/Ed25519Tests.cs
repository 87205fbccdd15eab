using System.Security.Cryptography;
using System.Text;
using HostedMail.Dns;
using HostedMail.MailAuth.Dkim;
using HostedMail.MailAuth.Tests.Interop;

namespace HostedMail.MailAuth.Tests.Dkim;

/// <summary>ed25519-sha256 (RFC 8463): the RFC's own example, third-party vectors, round trips, tampering and bad keys.</summary>
public sealed class Ed25519Tests
{
    private const string BrisbaneRecord = "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
    private static readonly FixedTimeProvider Clock = new(new DateTimeOffset(2026, 11, 22, 12, 0, 0, TimeSpan.Zero));

    private static string Read(params string[] parts) => File.ReadAllText(TestDataPath.Get(["dkim", .. parts]));

    private static string Crlf(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace("\n", "\r\n", StringComparison.Ordinal);

    private static InMemoryResolver FootballResolver() => new InMemoryResolver()
        .AddTxt("brisbane._domainkey.football.example.com", BrisbaneRecord)
        .AddTxt("test._domainkey.football.example.com", Read("dkimpy", "test.txt").Trim());

    private static byte[] Signed(string message, DkimSigningKey key, DkimSignOptions? options = null)
    {
        var bytes = Encoding.ASCII.GetBytes(message);
        return [.. new DkimSigner(Clock).Sign(bytes, key, options), .. bytes];
    }

    private static async Task<DkimResult> VerifySingle(byte[] message, IDnsResolver resolver) =>
        Assert.Single(await new DkimVerifier(resolver, null, Clock).VerifyAsync(message));

    [Fact]
    public async Task Rfc8463AppendixAMessageVerifiesExactlyAsPublished()
    {
        // RFC 8463 appendix A.3: one ed25519-sha256 and one rsa-sha256 signature over the same message; both pass.
        var message = Encoding.ASCII.GetBytes(Read("dkimpy", "rfc6376.signed.msg"));
        var results = await new DkimVerifier(FootballResolver()).VerifyAsync(message);
        Assert.Equal(2, results.Count);
        var ed = results[0];
        Assert.True(ed.Status == AuthStatus.Pass, $"{ed.Status} {ed.Reason}");
        Assert.Equal(("ed25519-sha256", "brisbane", "football.example.com", 256), (ed.Algorithm, ed.Selector, ed.Domain, ed.KeyBits));
        Assert.Equal(AuthStatus.Pass, results[1].Status);
        Assert.Equal("rsa-sha256", results[1].Algorithm);
    }

    [Fact]
    public async Task Rfc8463AppendixAEd25519SignatureFailsWhenTheMessageIsChanged()
    {
        var text = Read("dkimpy", "rfc6376.signed.msg");
        var body = Encoding.ASCII.GetBytes(text.Replace("We lost the game.", "We won the game.", StringComparison.Ordinal));
        var header = Encoding.ASCII.GetBytes(text.Replace("Subject: Is dinner ready?", "Subject: Is dinner ready!", StringComparison.Ordinal));
        var bodyResult = (await new DkimVerifier(FootballResolver()).VerifyAsync(body))[0];
        var headerResult = (await new DkimVerifier(FootballResolver()).VerifyAsync(header))[0];
        Assert.Equal((AuthStatus.Fail, "body hash did not verify"), (bodyResult.Status, bodyResult.Reason));
        Assert.Equal((AuthStatus.Fail, "signature did not verify"), (headerResult.Status, headerResult.Reason));
    }

    [Fact]
    public void Rfc8463ExampleKeyReproducesThePublishedRecordAndSignatureBitForBit()
    {
        // Appendix A.1's private key is RFC 8032 section 7.1 test 1's seed. Ed25519 is deterministic, so our signing of
        // the published signature's header data must give exactly the published b=, which pins down the RFC 8463
        // section 3 construction (PureEdDSA over the SHA-256 of the header data, not Ed25519ph, not the raw data).
        using var key = DkimSigningKey.FromEd25519Seed("football.example.com", "brisbane", Convert.FromBase64String(Read("dkimpy", "rfc8032_7_1.key").Trim()));
        Assert.Equal(BrisbaneRecord, key.DnsTxtValue);
        Assert.Equal("ed25519-sha256", key.Algorithm);

        var message = RawMessage.Parse(Encoding.ASCII.GetBytes(Read("dkimpy", "rfc6376.signed.msg")));
        var field = message.Headers[0];
        Assert.True(DkimTagList.TryParse(Encoding.ASCII.GetString(field.Value), out var tags, out _));
        var names = tags["h"].Split(':').Select(n => n.Trim()).ToList();
        var data = DkimVerifier.SignedData(message, names, field, DkimCanonicalization.Simple);
        Assert.Equal(DkimTagList.StripWhitespace(tags["b"]), Convert.ToBase64String(key.SignHeaderData(data)));
    }

    [Fact]
    public async Task Rfc8463RelaxedVariantFromStalwartVerifiesBothSignatures()
    {
        var text = Read("stalwart-mail-auth", "001.txt");
        var split = text.IndexOf("\n\n", StringComparison.Ordinal);
        var resolver = new InMemoryResolver();
        foreach (var line in text[..split].Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            resolver.AddTxt(line[..space], line[(space + 1)..]);
        }

        var results = await new DkimVerifier(resolver).VerifyAsync(Encoding.ASCII.GetBytes(Crlf(text[(split + 2)..])));
        Assert.Equal(["ed25519-sha256", "rsa-sha256"], results.Select(r => r.Algorithm));
        Assert.All(results, r => Assert.True(r.Status == AuthStatus.Pass, $"{r.Algorithm}: {r.Status} {r.Reason}"));
    }

    [Fact]
    public async Task EximSignedEd25519MessageFromDkimpysVectorsVerifies()
    {
        var resolver = new InMemoryResolver().AddTxt("sed._domainkey.test.ex", Read("dkimpy", "eximtest.dns").Trim());
        var result = await VerifySingle(Encoding.ASCII.GetBytes(Crlf(Read("dkimpy", "ed25519test2.msg"))), resolver);
        Assert.True(result.Status == AuthStatus.Pass, $"{result.Status} {result.Reason}");
        Assert.Equal("ed25519-sha256", result.Algorithm);
    }

    [Fact]
    public async Task DkimpyEd25519TestKeyMatchesItsRecordAndRoundTrips()
    {
        using var key = DkimSigningKey.FromEd25519Seed("example.net", "test", Convert.FromBase64String(Read("dkimpy", "ed25519test.key").Trim()));
        var record = Read("dkimpy", "ed25519test.dns").Trim();
        Assert.EndsWith(record[record.IndexOf("p=", StringComparison.Ordinal)..], key.DnsTxtValue, StringComparison.Ordinal);
        var resolver = new InMemoryResolver().AddTxt("test._domainkey.example.net", record);
        var result = await VerifySingle(Signed(Crlf(Read("dkimpy", "ed25519test.msg")), key), resolver);
        Assert.True(result.Status == AuthStatus.Pass, $"{result.Status} {result.Reason}");
    }

    [Theory]
    [InlineData(DkimCanonicalization.Simple, DkimCanonicalization.Simple)]
    [InlineData(DkimCanonicalization.Relaxed, DkimCanonicalization.Relaxed)]
    [InlineData(DkimCanonicalization.Relaxed, DkimCanonicalization.Simple)]
    [InlineData(DkimCanonicalization.Simple, DkimCanonicalization.Relaxed)]
    public async Task GeneratedKeySignsAndVerifies(DkimCanonicalization header, DkimCanonicalization body)
    {
        using var key = DkimSigningKey.GenerateEd25519("example.com", "ed2026");
        var resolver = new InMemoryResolver().AddTxt(key.DnsName, key.DnsTxtValue);
        var signed = Signed(DkimTests.Message, key, new DkimSignOptions { HeaderCanonicalization = header, BodyCanonicalization = body });
        Assert.Contains("a=ed25519-sha256;", Encoding.ASCII.GetString(signed), StringComparison.Ordinal);
        var result = await VerifySingle(signed, resolver);
        Assert.True(result.Status == AuthStatus.Pass, $"{result.Status} {result.Reason}");
        Assert.Equal(256, result.KeyBits);
    }

    [Theory]
    [InlineData("Shall we meet at  noon?", "Shall we meet at  ten?", "body hash did not verify")]
    [InlineData("Subject: Lunch", "Subject: Lunch!", "signature did not verify")]
    [InlineData("From: Alice <alice@example.com>", "From: Mallory <alice@example.com>", "signature did not verify")]
    public async Task TamperedMessagesFail(string original, string replacement, string reason)
    {
        using var key = DkimSigningKey.GenerateEd25519("example.com", "ed2026");
        var resolver = new InMemoryResolver().AddTxt(key.DnsName, key.DnsTxtValue);
        var signed = Encoding.ASCII.GetString(Signed(DkimTests.Message, key));
        var tampered = Encoding.ASCII.GetBytes(signed.Replace(original, replacement, StringComparison.Ordinal));
        var result = await VerifySingle(tampered, resolver);
        Assert.Equal((AuthStatus.Fail, reason), (result.Status, result.Reason));
    }

    [Fact]
    public async Task AFlippedSignatureBitFails()
    {
        using var key = DkimSigningKey.GenerateEd25519("example.com", "ed2026");
        var resolver = new InMemoryResolver().AddTxt(key.DnsName, key.DnsTxtValue);
        var signed = Encoding.ASCII.GetString(Signed(DkimTests.Message, key));
        var b = signed.IndexOf(" b=", StringComparison.Ordinal) + 3;
        var tampered = signed[..b] + (signed[b] == 'A' ? 'B' : 'A') + signed[(b + 1)..];
        var result = await VerifySingle(Encoding.ASCII.GetBytes(tampered), resolver);
        Assert.Equal((AuthStatus.Fail, "signature did not verify"), (result.Status, result.Reason));
    }

    [Fact]
    public async Task DualSignedMessageCarriesBothSignaturesAndEachVerifiesOnItsOwn()
    {
        using var rsa = DkimSigningKey.Generate("example.com", "rsa2026");
        using var ed = DkimSigningKey.GenerateEd25519("example.com", "ed2026");
        var bytes = Encoding.ASCII.GetBytes(DkimTests.Message);
        byte[] signed = [.. new DkimSigner(Clock).Sign(bytes, [rsa, ed]), .. bytes];

        var both = new InMemoryResolver().AddTxt(rsa.DnsName, rsa.DnsTxtValue).AddTxt(ed.DnsName, ed.DnsTxtValue);
        var results = await new DkimVerifier(both, null, Clock).VerifyAsync(signed);
        Assert.Equal(["rsa-sha256", "ed25519-sha256"], results.Select(r => r.Algorithm));
        Assert.All(results, r => Assert.True(r.Status == AuthStatus.Pass, $"{r.Algorithm}: {r.Status} {r.Reason}"));

        // A receiver that finds only the RSA key (or cannot use Ed25519) still passes the message on RSA (RFC 8463 section 1).
        var rsaOnly = new InMemoryResolver().AddTxt(rsa.DnsName, rsa.DnsTxtValue);
        var partial = await new DkimVerifier(rsaOnly, null, Clock).VerifyAsync(signed);
        Assert.Equal([AuthStatus.Pass, AuthStatus.PermError], partial.Select(r => r.Status));
    }

    [Theory]
    [InlineData("v=DKIM1; k=rsa; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=", "key type k=rsa does not match a=ed25519-sha256")]
    [InlineData("v=DKIM1; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=", "key type k=rsa does not match a=ed25519-sha256")]
    [InlineData("v=DKIM1; k=ed25519; h=sha1; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=", "key does not allow hash sha256")]
    [InlineData("v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcH", "Ed25519 key is 30 bytes, not 32")]
    [InlineData("v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURoA", "Ed25519 key is 33 bytes, not 32")]
    [InlineData("v=DKIM1; k=ed25519; p=MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=", "Ed25519 key is 44 bytes, not 32")]
    [InlineData("v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo", "p= is not valid base64")]
    [InlineData("v=DKIM1; k=ed25519; p=", "key revoked")]
    [InlineData("v=DKIM1; k=ed25519; p=//////////////////////////////////////////8=", "p= is not a valid Ed25519 public key")]
    public async Task BadEd25519KeyRecordsArePermErrors(string record, string reason)
    {
        var message = Encoding.ASCII.GetBytes(Read("dkimpy", "rfc6376.signed.msg"));
        var resolver = new InMemoryResolver()
            .AddTxt("brisbane._domainkey.football.example.com", record)
            .AddTxt("test._domainkey.football.example.com", Read("dkimpy", "test.txt").Trim());
        var results = await new DkimVerifier(resolver).VerifyAsync(message);
        Assert.Equal(AuthStatus.PermError, results[0].Status);
        Assert.StartsWith(reason, results[0].Reason, StringComparison.Ordinal);
        Assert.Equal(AuthStatus.Pass, results[1].Status);
    }

    [Fact]
    public async Task AnRsaSignatureDoesNotVerifyAgainstAnEd25519Key()
    {
        using var rsa = DkimSigningKey.Generate("example.com", "s1");
        using var ed = DkimSigningKey.GenerateEd25519("example.com", "s1");
        var resolver = new InMemoryResolver().AddTxt(ed.DnsName, ed.DnsTxtValue);
        var result = await VerifySingle(Signed(DkimTests.Message, rsa), resolver);
        Assert.Equal((AuthStatus.PermError, "key type k=ed25519 does not match a=rsa-sha256"), (result.Status, result.Reason));
    }

    [Theory]
    [InlineData(63)]
    [InlineData(65)]
    [InlineData(256)]
    public async Task SignaturesOfTheWrongLengthFailWithoutThrowing(int length)
    {
        using var key = DkimSigningKey.GenerateEd25519("example.com", "ed2026");
        var resolver = new InMemoryResolver().AddTxt(key.DnsName, key.DnsTxtValue);
        var signed = Encoding.ASCII.GetString(Signed(DkimTests.Message, key));
        var start = signed.IndexOf(" b=", StringComparison.Ordinal) + 3;
        var end = signed.IndexOf("\r\n", start, StringComparison.Ordinal);
        while (signed[end + 2] is ' ' or '\t')
        {
            end = signed.IndexOf("\r\n", end + 2, StringComparison.Ordinal);
        }

        var forged = signed[..start] + Convert.ToBase64String(new byte[length]) + signed[end..];
        var result = await VerifySingle(Encoding.ASCII.GetBytes(forged), resolver);
        Assert.Equal((AuthStatus.Fail, $"Ed25519 signature is {length} bytes, not 64"), (result.Status, result.Reason));
    }

    [Fact]
    public void PemExportAndImportKeepTheKey()
    {
        using var key = DkimSigningKey.GenerateEd25519("Example.COM.", "ed2026");
        var pem = key.ExportPrivateKeyPem();
        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", pem, StringComparison.Ordinal);
        using var again = DkimSigningKey.FromPem("example.com", "ed2026", pem);
        Assert.Equal((DkimKeyType.Ed25519, key.DnsTxtValue, "example.com"), (again.KeyType, again.DnsTxtValue, again.Domain));

        // RSA PEMs still load as RSA.
        using var rsa = DkimSigningKey.Generate("example.com", "rsa");
        using var rsaAgain = DkimSigningKey.FromPem("example.com", "rsa", rsa.ExportPrivateKeyPem());
        Assert.Equal((DkimKeyType.Rsa, rsa.DnsTxtValue), (rsaAgain.KeyType, rsaAgain.DnsTxtValue));
    }

    [Fact]
    public async Task OpenSslEd25519KeysLoadAndTheirPublicKeyMatches()
    {
        ExternalTool.Require("/usr/bin/openssl", "openssl");
        var (exit, pem, stderr) = await ExternalTool.RunAsync("/usr/bin/openssl", ["genpkey", "-algorithm", "ed25519"], null);
        Assert.True(exit == 0, stderr);
        using var key = DkimSigningKey.FromPem("example.com", "ossl", pem);
        Assert.Equal(DkimKeyType.Ed25519, key.KeyType);

        // OpenSSL's SPKI for Ed25519 (RFC 8410) is a fixed 12-byte prefix and the raw key DKIM publishes.
        var (pubExit, spkiPem, pubErr) = await ExternalTool.RunAsync("/usr/bin/openssl", ["pkey", "-pubout"], Encoding.ASCII.GetBytes(pem));
        Assert.True(pubExit == 0, pubErr);
        var spki = Convert.FromBase64String(string.Concat(spkiPem.Split('\n').Where(l => !l.StartsWith("-----", StringComparison.Ordinal))));
        Assert.Equal("v=DKIM1; k=ed25519; p=" + Convert.ToBase64String(spki[^32..]), key.DnsTxtValue);
    }

    [Fact]
    public void SeedsOfTheWrongLengthAreRefused() =>
        Assert.Throws<ArgumentException>(() => DkimSigningKey.FromEd25519Seed("example.com", "s", RandomNumberGenerator.GetBytes(31)));
}
