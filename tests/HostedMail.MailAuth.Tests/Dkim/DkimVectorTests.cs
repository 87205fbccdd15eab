using System.Text;
using HostedMail.Dns;
using HostedMail.MailAuth.Dkim;

namespace HostedMail.MailAuth.Tests.Dkim;

/// <summary>Third-party signed messages and keys from TestData/dkim (dkimpy and stalwart mail-auth).</summary>
public sealed class DkimVectorTests
{
    private static string Read(params string[] parts) => File.ReadAllText(TestDataPath.Get(["dkim", .. parts]));

    [Theory]
    [InlineData("001.txt")]
    [InlineData("002.txt")]
    [InlineData("003.txt")]
    [InlineData("004.txt")]
    [InlineData("005.txt")]
    [InlineData("006.txt")]
    public async Task StalwartRealWorldSignaturesVerify(string file)
    {
        var text = Read("stalwart-mail-auth", file);
        var split = text.IndexOf("\n\n", StringComparison.Ordinal);
        var resolver = new InMemoryResolver();
        foreach (var line in text[..split].Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            resolver.AddTxt(line[..space], line[(space + 1)..]);
        }

        var message = Encoding.UTF8.GetBytes(text[(split + 2)..].Replace("\r\n", "\n", StringComparison.Ordinal).Replace("\n", "\r\n", StringComparison.Ordinal));
        var clock = new FixedTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1667843664));
        var results = await new DkimVerifier(resolver, null, clock).VerifyAsync(message);
        var last = results[^1];
        Assert.True(last.Status == AuthStatus.Pass, $"{file}: {last.Status} {last.Reason}");
    }

    [Fact]
    public async Task DkimpyTestKeySignsAndVerifies()
    {
        using var key = DkimSigningKey.FromPem("example.com", "test", Read("dkimpy", "test.private"));
        var resolver = new InMemoryResolver().AddTxt("test._domainkey.example.com", Read("dkimpy", "test.txt").Trim());
        var message = Encoding.ASCII.GetBytes(Read("dkimpy", "test.message").Replace("\r\n", "\n", StringComparison.Ordinal).Replace("\n", "\r\n", StringComparison.Ordinal));
        byte[] signed = [.. new DkimSigner().Sign(message, key), .. message];
        Assert.Equal(AuthStatus.Pass, Assert.Single(await new DkimVerifier(resolver).VerifyAsync(signed)).Status);
    }

    [Theory]
    [InlineData("badk.txt", "does not match")]
    [InlineData("badversion.txt", "version")]
    [InlineData("test_bad.txt", "")]
    [InlineData("test_tlsrpt.txt", "not for email")]
    public async Task BrokenKeyRecordsArePermErrors(string keyFile, string reason)
    {
        using var key = DkimSigningKey.FromPem("example.com", "test", Read("dkimpy", "test.private"));
        var resolver = new InMemoryResolver().AddTxt("test._domainkey.example.com", Read("dkimpy", keyFile).Trim());
        var message = Encoding.ASCII.GetBytes(DkimTests.Message);
        byte[] signed = [.. new DkimSigner().Sign(message, key), .. message];
        var result = Assert.Single(await new DkimVerifier(resolver).VerifyAsync(signed));
        Assert.True(result.Status is AuthStatus.PermError or AuthStatus.Fail, $"{result.Status} {result.Reason}");
        Assert.Contains(reason, result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void AMessageWithoutFromCannotBeSigned()
    {
        using var key = DkimSigningKey.FromPem("example.com", "test", Read("dkimpy", "test.private"));
        var message = Encoding.ASCII.GetBytes(Read("dkimpy", "test_nofrom.message"));
        Assert.Throws<ArgumentException>(() => new DkimSigner().Sign(message, key));
    }
}
