using HostedMail.MailAuth.Dkim;
using HostedMail.MailAuth.Dmarc;
using HostedMail.MailAuth.Spf;

namespace HostedMail.MailAuth.Tests;

public sealed class AuthenticationResultsTests
{
    [Fact]
    public void WrittenResultsParseBackTheSame()
    {
        var spf = new SpfResult(AuthStatus.SoftFail, "matched ~all in the record of example.com") { Domain = "example.com" };
        var dkim = new DkimResult(AuthStatus.Pass, "signature verified") { Domain = "example.com", Selector = "s1", Identity = "@example.com", Algorithm = "rsa-sha256", SignatureData = "aB+/cdEFgh12" };
        var dmarc = new DmarcResult(AuthStatus.Pass, "aligned DKIM pass") { FromDomain = "example.com", Record = new DmarcRecord() };
        var field = AuthenticationResultsHeader.Write("mx.hostedmail.example",
            AuthenticationResultsHeader.FromSpf(spf, "alice@example.com", "mail.example.com"),
            AuthenticationResultsHeader.FromDkim(dkim),
            AuthenticationResultsHeader.FromDmarc(dmarc));
        Assert.StartsWith("Authentication-Results: mx.hostedmail.example;\r\n\tspf=softfail reason=\"matched ~all", field, StringComparison.Ordinal);
        Assert.EndsWith("\r\n", field, StringComparison.Ordinal);

        Assert.True(AuthenticationResultsHeader.TryParse(field.TrimEnd(), out var parsed));
        Assert.Equal("mx.hostedmail.example", parsed.AuthServId);
        Assert.Equal(["spf", "dkim", "dmarc"], parsed.Results.Select(r => r.Method));
        Assert.Equal("softfail", parsed.Results[0].Result);
        Assert.Equal("alice@example.com", parsed.Results[0].Property("smtp", "mailfrom"));
        Assert.Equal("aB+/cdEF", parsed.Results[1].Property("header", "b"));
        Assert.Equal("s1", parsed.Results[1].Property("header", "s"));
        Assert.Equal("none", parsed.Results[2].Property("policy", "dmarc"));
        Assert.Equal(spf.Reason, parsed.Results[0].Reason);
    }

    [Theory]
    [InlineData("example.com; none", 0)]
    [InlineData("example.com 1; none", 0)]
    [InlineData("mail-router.example.net; dkim=pass (good signature) header.d=newyork.example.com header.b=oINEO8hg; dkim=fail (bad signature) header.d=newyork.example.com header.b=EToRSuvU", 2)]
    [InlineData("example.com; auth=pass (cram-md5) smtp.auth=sender@example.net; spf=pass smtp.mailfrom=example.net", 2)]
    [InlineData("example.com; sender-id=fail header.from=example.com; dkim=pass (good signature) header.d=example.com", 2)]
    [InlineData("example.com (a comment (nested)); spf/1=pass reason=\"quoted \\\"reason\\\"\" smtp.mailfrom=\"user@example.com\"", 1)]
    public void Rfc8601ExamplesParse(string value, int count)
    {
        Assert.True(AuthenticationResultsHeader.TryParse(value, out var parsed));
        Assert.Equal(count, parsed.Results.Count);
    }

    [Theory]
    [InlineData("")]
    [InlineData("example.com; spf")]
    [InlineData("example.com; spf=")]
    [InlineData("example.com; spf=pass smtp.mailfrom")]
    [InlineData("example.com; spf=pass (unclosed comment")]
    [InlineData("example.com; spf=pass nodot=value")]
    public void MalformedValuesAreRejected(string value) =>
        Assert.False(AuthenticationResultsHeader.TryParse(value, out _));

    [Fact]
    public void NoResultsIsWrittenAsNone() =>
        Assert.Equal("Authentication-Results: mx.example; none\r\n", AuthenticationResultsHeader.Write(new AuthenticationResults("mx.example", [])));
}
