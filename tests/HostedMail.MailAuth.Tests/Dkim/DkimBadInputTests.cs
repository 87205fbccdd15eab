using System.Security.Cryptography;
using System.Text;
using HostedMail.Dns;
using HostedMail.MailAuth.Dkim;

namespace HostedMail.MailAuth.Tests.Dkim;

/// <summary>Broken signatures, keys and DNS: each gives the RFC's result, never an exception.</summary>
public sealed class DkimBadInputTests
{
    private static readonly Lazy<DkimSigningKey> Key = new(() => DkimSigningKey.Generate("example.com", "sel"));

    private static async Task<DkimResult> Verify(string signatureField, InMemoryResolver? resolver = null, TimeProvider? clock = null)
    {
        resolver ??= new InMemoryResolver().AddTxt(Key.Value.DnsName, Key.Value.DnsTxtValue);
        var message = Encoding.ASCII.GetBytes(signatureField + "\r\n" + DkimTests.Message);
        return Assert.Single(await new DkimVerifier(resolver, null, clock).VerifyAsync(message));
    }

    private static string Valid(Func<string, string>? edit = null)
    {
        var message = Encoding.ASCII.GetBytes(DkimTests.Message);
        var field = Encoding.ASCII.GetString(new DkimSigner().Sign(message, Key.Value)).TrimEnd('\r', '\n');
        return edit is null ? field : edit(field);
    }

    public static TheoryData<string, string> BrokenSignatures => new()
    {
        { "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; d=example.org; s=sel; h=From; bh=AAAA; b=AAAA", "malformed signature: duplicate tag 'd'" },
        { "DKIM-Signature: v=1; a=rsa-sha256; s=sel; h=From; bh=AAAA; b=AAAA", "signature lacks the required tag d=" },
        { "DKIM-Signature: v=2; a=rsa-sha256; d=example.com; s=sel; h=From; bh=AAAA; b=AAAA", "unsupported signature version v=2" },
        { "DKIM-Signature: v=1; a=rsa-md5; d=example.com; s=sel; h=From; bh=AAAA; b=AAAA", "unsupported algorithm a=rsa-md5" },
        { "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=sel; h=From; bh=AAAA; b=!!!", "b= is not valid base64" },
        { "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=sel; h=Subject; bh=AAAA; b=AAAA", "h= does not include From" },
        { "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=sel; h=From; i=@example.org; bh=AAAA; b=AAAA", "i= is not in the signing domain" },
        { "DKIM-Signature: v=1; a=rsa-sha256; c=fancy/simple; d=example.com; s=sel; h=From; bh=AAAA; b=AAAA", "unknown canonicalization c=fancy/simple" },
        { "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=sel; h=From; l=-5; bh=AAAA; b=AAAA", "l= is not a number" },
        { "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=sel; h=From; q=http/well-known; bh=AAAA; b=AAAA", "unsupported query method q=http/well-known" },
        { "DKIM-Signature: v=1; a=rsa-sha256; d=ex ample.com; s=sel; h=From; bh=AAAA; b=AAAA", "d= or s= is not a valid domain name" },
        { "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=sel; h=From; t=20; x=10; bh=AAAA; b=AAAA", "x= is before t=" },
        { "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=sel; h=From; x=1000; bh=AAAA; b=AAAA", "signature expired" },
        { "DKIM-Signature: garbage without tags", "malformed signature: tag without '=': 'garbage without tags'" },
        { "DKIM-Signature: v=1; 9a=x; a=rsa-sha256", "malformed signature: invalid tag name '9a'" },
    };

    [Theory]
    [MemberData(nameof(BrokenSignatures))]
    public async Task BrokenSignaturesArePermErrors(string field, string reason)
    {
        var result = await Verify(field);
        Assert.Equal((AuthStatus.PermError, reason), (result.Status, result.Reason));
    }

    [Fact]
    public async Task KeyLookupFailuresAreTempErrorsAndMissingKeysPermErrors()
    {
        var timeout = await Verify(Valid(), new InMemoryResolver().Fail("sel._domainkey.example.com", DnsStatus.Timeout));
        Assert.Equal(AuthStatus.TempError, timeout.Status);
        var servfail = await Verify(Valid(), new InMemoryResolver().Fail("sel._domainkey.example.com", DnsStatus.ServerFailure));
        Assert.Equal(AuthStatus.TempError, servfail.Status);
        var missing = await Verify(Valid(), new InMemoryResolver());
        Assert.Equal((AuthStatus.PermError, "no key for signature"), (missing.Status, missing.Reason));
    }

    public static TheoryData<string, string> BrokenKeys => new()
    {
        { "v=DKIM1; k=rsa; p=", "key revoked" },
        { "v=DKIM1; k=rsa; p=%%%%", "p= is not valid base64" },
        { "v=DKIM1; k=rsa; p=AAAAAAAA", "p= is not an RSA public key" },
        { "v=DKIM1; p=abc; p=def", "malformed key record: duplicate tag 'p'" },
        { "v=DKIM2; p=abc", "key record version v=DKIM2 is not DKIM1" },
        { "v=DKIM1; k=rsa; h=sha1; p=abc", "key does not allow hash sha256 (h=sha1)" },
        { "v=DKIM1; k=rsa; p=" + new string('A', 2000), "key too large" },
        { "junk that is not a key record", "malformed key record: tag without '=': 'junk that is not a key record'" },
    };

    [Theory]
    [MemberData(nameof(BrokenKeys))]
    public async Task BrokenKeysArePermErrors(string record, string reason)
    {
        var result = await Verify(Valid(), new InMemoryResolver().AddTxt("sel._domainkey.example.com", record));
        Assert.Equal((AuthStatus.PermError, reason), (result.Status, result.Reason));
    }

    [Fact]
    public async Task UndersizeKeysArePermErrors()
    {
        using var rsa = RSA.Create(768);
        var record = "v=DKIM1; p=" + Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo());
        var result = await Verify(Valid(), new InMemoryResolver().AddTxt("sel._domainkey.example.com", record));
        Assert.Equal(AuthStatus.PermError, result.Status);
        Assert.Contains("768 bits", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OversizeKeysArePermErrors()
    {
        using var rsa = RSA.Create(4096);
        var record = "v=DKIM1; p=" + Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo());
        var resolver = new InMemoryResolver().AddTxt("sel._domainkey.example.com", record);
        var message = Encoding.ASCII.GetBytes(Valid() + "\r\n" + DkimTests.Message);
        var result = Assert.Single(await new DkimVerifier(resolver, new DkimVerifierOptions { MaxRsaKeyBits = 2048 }).VerifyAsync(message));
        Assert.Equal(AuthStatus.PermError, result.Status);
    }

    [Fact]
    public async Task AWrongKeyFails()
    {
        using var other = DkimSigningKey.Generate("example.com", "sel");
        var result = await Verify(Valid(), new InMemoryResolver().AddTxt("sel._domainkey.example.com", other.DnsTxtValue));
        Assert.Equal((AuthStatus.Fail, "signature did not verify"), (result.Status, result.Reason));
    }

    [Fact]
    public async Task RandomMutationsOfASignatureNeverThrow()
    {
        var valid = Valid();
        var random = new Random(6376);
        var resolver = new InMemoryResolver().AddTxt(Key.Value.DnsName, Key.Value.DnsTxtValue);
        for (var i = 0; i < 300; i++)
        {
            var chars = valid.ToCharArray();
            for (var j = 0; j < 3; j++)
            {
                chars[random.Next(16, chars.Length)] = "=;: \t\r\nab1/+"[random.Next(12)];
            }

            var message = Encoding.ASCII.GetBytes(new string(chars) + "\r\n" + DkimTests.Message);
            var results = await new DkimVerifier(resolver).VerifyAsync(message);
            Assert.All(results, r => Assert.True(Enum.IsDefined(r.Status)));
        }
    }
}
