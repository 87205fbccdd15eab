using System.Security.Cryptography;
using System.Text;
using HostedMail.Dns;
using HostedMail.MailAuth.Dkim;

namespace HostedMail.MailAuth.Tests.Dkim;

public sealed class DkimTests
{
    internal const string Message =
        "From: Alice <alice@example.com>\r\n" +
        "To: Bob <bob@example.net>\r\n" +
        "Subject: Lunch\r\n" +
        "Date: Sun, 22 Nov 2026 12:00:00 +0000\r\n" +
        "Message-ID: <1@example.com>\r\n" +
        "\r\n" +
        "Shall we meet at  noon?  \r\n" +
        "\r\n" +
        "-- Alice\r\n\r\n\r\n";

    private static readonly FixedTimeProvider Clock = new(new DateTimeOffset(2026, 11, 22, 12, 0, 0, TimeSpan.Zero));

    private static (DkimSigningKey Key, InMemoryResolver Resolver) NewKey(string domain = "example.com", string selector = "s2026")
    {
        var key = DkimSigningKey.Generate(domain, selector);
        return (key, new InMemoryResolver().AddTxt(key.DnsName, key.DnsTxtValue));
    }

    private static byte[] Signed(string message, DkimSigningKey key, DkimSignOptions? options = null)
    {
        var bytes = Encoding.ASCII.GetBytes(message);
        return [.. new DkimSigner(Clock).Sign(bytes, key, options), .. bytes];
    }

    private static async Task<DkimResult> VerifySingle(byte[] message, IDnsResolver resolver, DkimVerifierOptions? options = null) =>
        Assert.Single(await new DkimVerifier(resolver, options, Clock).VerifyAsync(message));

    [Theory]
    [InlineData(DkimCanonicalization.Simple, DkimCanonicalization.Simple)]
    [InlineData(DkimCanonicalization.Relaxed, DkimCanonicalization.Relaxed)]
    [InlineData(DkimCanonicalization.Relaxed, DkimCanonicalization.Simple)]
    [InlineData(DkimCanonicalization.Simple, DkimCanonicalization.Relaxed)]
    public async Task SignedMessagesVerify(DkimCanonicalization header, DkimCanonicalization body)
    {
        var (key, resolver) = NewKey();
        using (key)
        {
            var signed = Signed(Message, key, new DkimSignOptions { HeaderCanonicalization = header, BodyCanonicalization = body });
            var result = await VerifySingle(signed, resolver);
            Assert.Equal(AuthStatus.Pass, result.Status);
            Assert.Equal(("example.com", "s2026", 2048), (result.Domain, result.Selector, result.KeyBits));
        }
    }

    [Fact]
    public void TheSignatureOverSignsAndFoldsLines()
    {
        using var key = DkimSigningKey.Generate("example.com", "s1");
        var header = Encoding.ASCII.GetString(new DkimSigner(Clock).Sign(Encoding.ASCII.GetBytes(Message), key));
        Assert.StartsWith("DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com; s=s1;", header, StringComparison.Ordinal);
        Assert.All(header.Split("\r\n"), line => Assert.True(line.Length <= 78, line));
        var h = string.Concat(header.Split(';').Single(t => t.Trim().StartsWith("h=", StringComparison.Ordinal)).Where(c => !char.IsWhiteSpace(c)));
        Assert.Equal(2, h.Split(':').Count(n => n.EndsWith("From", StringComparison.Ordinal)));
        Assert.Equal(2, h.Split(':').Count(n => n == "Subject"));
        Assert.Contains("Cc", h.Split(':'));
    }

    [Fact]
    public void TheDnsValueCarriesTheSubjectPublicKeyInfo()
    {
        using var key = DkimSigningKey.Generate("Example.COM.", "sel");
        Assert.Equal("sel._domainkey.example.com", key.DnsName);
        Assert.StartsWith("v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA", key.DnsTxtValue, StringComparison.Ordinal);
        using var reloaded = DkimSigningKey.FromPem("example.com", "sel", key.ExportPrivateKeyPem());
        Assert.Equal(key.DnsTxtValue, reloaded.DnsTxtValue);
    }

    [Fact]
    public async Task RelaxedSurvivesRefoldingAndWhitespaceChanges()
    {
        var (key, resolver) = NewKey();
        using (key)
        {
            var signed = Encoding.ASCII.GetString(Signed(Message, key));
            var mangled = signed.Replace("Subject: Lunch", "subject:   Lunch ", StringComparison.Ordinal).Replace("at  noon?  ", "at noon?", StringComparison.Ordinal);
            Assert.Equal(AuthStatus.Pass, (await VerifySingle(Encoding.ASCII.GetBytes(mangled), resolver)).Status);
        }
    }

    [Theory]
    [InlineData("Subject: Lunch", "Subject: Dinner", "signature did not verify")]
    [InlineData("-- Alice", "-- Mallory", "body hash did not verify")]
    [InlineData("Subject: Lunch\r\n", "Subject: Lunch\r\nFrom: mallory@example.org\r\n", "signature did not verify")]
    [InlineData("Subject: Lunch\r\n", "Subject: Lunch\r\nCc: eve@example.org\r\n", "signature did not verify")]
    public async Task TamperingFails(string from, string to, string reason)
    {
        var (key, resolver) = NewKey();
        using (key)
        {
            var signed = Encoding.ASCII.GetString(Signed(Message, key)).Replace(from, to, StringComparison.Ordinal);
            var result = await VerifySingle(Encoding.ASCII.GetBytes(signed), resolver);
            Assert.Equal((AuthStatus.Fail, reason), (result.Status, result.Reason));
        }
    }

    [Fact]
    public async Task BareLfMessagesAreCanonicalisedAsCrLf()
    {
        var (key, resolver) = NewKey();
        using (key)
        {
            var signed = Encoding.ASCII.GetString(Signed(Message, key)).Replace("\r\n", "\n", StringComparison.Ordinal);
            Assert.Equal(AuthStatus.Pass, (await VerifySingle(Encoding.ASCII.GetBytes(signed), resolver)).Status);
        }
    }

    [Fact]
    public async Task EverySignatureIsReportedInOrder()
    {
        var (key1, resolver) = NewKey("example.com", "a");
        using var key2 = DkimSigningKey.Generate("example.org", "b");
        resolver.AddTxt(key2.DnsName, key2.DnsTxtValue);
        using (key1)
        {
            var bytes = Encoding.ASCII.GetBytes(Message);
            var once = new DkimSigner(Clock).Sign(bytes, key1);
            byte[] twice = [.. new DkimSigner(Clock).Sign(bytes, key2), .. once, .. bytes];
            var results = await new DkimVerifier(resolver, null, Clock).VerifyAsync(twice);
            Assert.Equal(["example.org", "example.com"], results.Select(r => r.Domain));
            Assert.All(results, r => Assert.Equal(AuthStatus.Pass, r.Status));
        }
    }

    [Fact]
    public async Task UnsignedMessagesGiveNoResults() =>
        Assert.Empty(await new DkimVerifier(new InMemoryResolver()).VerifyAsync(Encoding.ASCII.GetBytes(Message)));

    [Fact]
    public async Task BodyLengthLimitVerifiesThePrefixAndSaysSo()
    {
        var (key, resolver) = NewKey();
        using (key)
        {
            // Hand-made l= signature: sign, then check that appended content still passes but is flagged.
            var bytes = Encoding.ASCII.GetBytes(Message);
            var signature = SignWithLength(bytes, key, out var canonicalLength);
            byte[] appended = [.. signature, .. bytes, .. "Appended by a list\r\n"u8.ToArray()];
            var result = await VerifySingle(appended, resolver);
            Assert.Equal(AuthStatus.Pass, result.Status);
            Assert.True(result.BodyLengthLimited);
            var strict = await VerifySingle(appended, resolver, new DkimVerifierOptions { RejectBodyLengthLimit = true });
            Assert.Equal(AuthStatus.Neutral, strict.Status);
            Assert.True(canonicalLength > 0);
        }
    }

    /// <summary>Builds an l= signature by hand with the internals, since the signer never emits l= (RFC 6376 section 8.2).</summary>
    private static byte[] SignWithLength(byte[] message, DkimSigningKey key, out int length)
    {
        var parsed = RawMessage.Parse(message);
        var body = DkimCanonicalizer.Body(parsed.Body.Span, DkimCanonicalization.Relaxed);
        length = body.Length;
        var field = $"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d={key.Domain}; s={key.Selector}; l={length}; h=From:Subject; bh={Convert.ToBase64String(SHA256.HashData(body))}; b=\r\n";
        var header = RawMessage.Parse(Encoding.ASCII.GetBytes(field + "\r\n")).Headers[0];
        var data = DkimVerifier.SignedData(parsed, ["From", "Subject"], header, DkimCanonicalization.Relaxed);
        var b = Convert.ToBase64String(key.SignHeaderData(data));
        return Encoding.ASCII.GetBytes(field.Replace("b=\r\n", "b=" + b + "\r\n", StringComparison.Ordinal));
    }
}
