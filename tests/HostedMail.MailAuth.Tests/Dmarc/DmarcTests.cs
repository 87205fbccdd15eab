using System.Net;
using HostedMail.Dns;
using HostedMail.MailAuth.Dkim;
using HostedMail.MailAuth.Dmarc;
using HostedMail.MailAuth.Spf;

namespace HostedMail.MailAuth.Tests.Dmarc;

public sealed class DmarcTests
{
    private static readonly SpfResult SpfPass = new(AuthStatus.Pass, "ok") { Domain = "bounce.example.com" };
    private static readonly SpfResult SpfFail = new(AuthStatus.Fail, "no") { Domain = "example.com" };

    private static DkimResult Dkim(string domain, AuthStatus status = AuthStatus.Pass) => new(status, "x") { Domain = domain, Selector = "s" };

    private static DmarcVerifier Verifier(InMemoryResolver resolver, int sample = 0) => new(resolver, null, () => sample);

    [Theory]
    [InlineData("example.com", "example.com")]
    [InlineData("mail.example.com", "example.com")]
    [InlineData("a.b.example.co.uk", "example.co.uk")]
    [InlineData("example.co.uk", "example.co.uk")]
    [InlineData("co.uk", "co.uk")]
    [InlineData("alice.github.io", "alice.github.io")]
    [InlineData("x.y.example.com.au", "example.com.au")]
    [InlineData("foo.bar.ck", "foo.bar.ck")]
    [InlineData("a.www.ck", "www.ck")]
    [InlineData("host.unlisted-tld", "host.unlisted-tld")]
    [InlineData("A.Example.COM.", "example.com")]
    public void OrganisationalDomainsComeFromThePublicSuffixList(string domain, string expected) =>
        Assert.Equal(expected, PublicSuffixList.Default.GetOrganizationalDomain(domain));

    [Fact]
    public async Task RelaxedAlignmentPassesOnSubdomains()
    {
        var resolver = new InMemoryResolver().AddTxt("_dmarc.example.com", "v=DMARC1; p=reject");
        var result = await Verifier(resolver).EvaluateAsync("example.com", SpfPass, null, []);
        Assert.Equal((AuthStatus.Pass, true, false), (result.Status, result.SpfAligned, result.DkimAligned));
        Assert.Equal(DmarcPolicy.None, result.Disposition);
    }

    [Fact]
    public async Task StrictAlignmentNeedsTheExactDomain()
    {
        var resolver = new InMemoryResolver().AddTxt("_dmarc.example.com", "v=DMARC1; p=reject; aspf=s; adkim=s");
        var result = await Verifier(resolver).EvaluateAsync("example.com", SpfPass, null, [Dkim("mail.example.com")]);
        Assert.Equal((AuthStatus.Fail, DmarcPolicy.Reject), (result.Status, result.Disposition));
        var exact = await Verifier(resolver).EvaluateAsync("example.com", SpfFail, null, [Dkim("example.com")]);
        Assert.Equal(AuthStatus.Pass, exact.Status);
        Assert.True(exact.DkimAligned);
    }

    [Fact]
    public async Task FailingDkimOrUnalignedPassesDoNotCount()
    {
        var resolver = new InMemoryResolver().AddTxt("_dmarc.example.com", "v=DMARC1; p=quarantine");
        var result = await Verifier(resolver).EvaluateAsync("example.com", SpfFail, null, [Dkim("example.com", AuthStatus.Fail), Dkim("example.net")]);
        Assert.Equal((AuthStatus.Fail, DmarcPolicy.Quarantine), (result.Status, result.Disposition));
    }

    [Fact]
    public async Task SubdomainsFallBackToTheOrganisationalRecordAndItsSp()
    {
        var resolver = new InMemoryResolver().AddTxt("_dmarc.example.com", "v=DMARC1; p=none; sp=reject");
        var result = await Verifier(resolver).EvaluateAsync("news.example.com", SpfFail, null, []);
        Assert.Equal(("example.com", DmarcPolicy.Reject, DmarcPolicy.Reject), (result.RecordDomain, result.RequestedPolicy, result.Disposition));
        var apex = await Verifier(resolver).EvaluateAsync("example.com", SpfFail, null, []);
        Assert.Equal(DmarcPolicy.None, apex.Disposition);
    }

    [Fact]
    public async Task ASubdomainsOwnRecordWinsOverTheOrganisationalOne()
    {
        // RFC 7489 section 6.6.3: the organisational domain is asked only when the From domain has
        // no record (both are looked up at once; the From domain's answer still decides).
        var resolver = new InMemoryResolver()
            .AddTxt("_dmarc.example.com", "v=DMARC1; p=reject; sp=reject")
            .AddTxt("_dmarc.news.example.com", "v=DMARC1; p=none");
        var result = await Verifier(resolver).EvaluateAsync("news.example.com", SpfFail, null, []);
        Assert.Equal(("news.example.com", DmarcPolicy.None, DmarcPolicy.None), (result.RecordDomain, result.RequestedPolicy, result.Disposition));
    }

    [Fact]
    public async Task PctSamplingAppliesTheNextLowerPolicy()
    {
        var resolver = new InMemoryResolver().AddTxt("_dmarc.example.com", "v=DMARC1; p=reject; pct=25");
        var inside = await Verifier(resolver, sample: 10).EvaluateAsync("example.com", SpfFail, null, []);
        Assert.Equal((DmarcPolicy.Reject, false), (inside.Disposition, inside.SampledOut));
        var outside = await Verifier(resolver, sample: 80).EvaluateAsync("example.com", SpfFail, null, []);
        Assert.Equal((DmarcPolicy.Quarantine, true), (outside.Disposition, outside.SampledOut));
    }

    [Theory]
    [InlineData(null, AuthStatus.None)]
    [InlineData("v=spf1 -all", AuthStatus.None)]
    [InlineData("v=DMARC1; p=bogus", AuthStatus.PermError)]
    [InlineData("v=DMARC1", AuthStatus.PermError)]
    public async Task MissingOrUnusableRecords(string? record, AuthStatus expected)
    {
        var resolver = new InMemoryResolver();
        if (record is not null)
        {
            resolver.AddTxt("_dmarc.example.com", record);
        }

        Assert.Equal(expected, (await Verifier(resolver).EvaluateAsync("example.com", SpfPass, null, [])).Status);
    }

    [Fact]
    public async Task MultipleRecordsMeanNoPolicyAndRuaAloneMeansNone()
    {
        var two = new InMemoryResolver().AddTxt("_dmarc.example.com", "v=DMARC1; p=reject", "v=DMARC1; p=none");
        Assert.Equal(AuthStatus.None, (await Verifier(two).EvaluateAsync("example.com", SpfFail, null, [])).Status);
        var ruaOnly = new InMemoryResolver().AddTxt("_dmarc.example.com", "v=DMARC1; rua=mailto:d@example.com");
        var result = await Verifier(ruaOnly).EvaluateAsync("example.com", SpfFail, null, []);
        Assert.Equal((AuthStatus.Fail, DmarcPolicy.None), (result.Status, result.Disposition));
    }

    [Fact]
    public async Task DnsFailuresAreTempErrors()
    {
        var resolver = new InMemoryResolver().Fail("_dmarc.example.com", DnsStatus.ServerFailure);
        Assert.Equal(AuthStatus.TempError, (await Verifier(resolver).EvaluateAsync("example.com", SpfPass, null, [])).Status);
    }

    [Fact]
    public async Task AggregateReportsCountIdenticalRows()
    {
        var resolver = new InMemoryResolver().AddTxt("_dmarc.example.com", "v=DMARC1; p=quarantine; rua=mailto:dmarc@example.com");
        var collector = new DmarcReportCollector();
        var verifier = Verifier(resolver);
        var dkim = new[] { Dkim("example.com") };
        for (var i = 0; i < 3; i++)
        {
            var pass = await verifier.EvaluateAsync("example.com", SpfPass, null, dkim);
            collector.Add(IPAddress.Parse("192.0.2.1"), "bounce.example.com", pass, SpfPass, dkim);
        }

        var fail = await verifier.EvaluateAsync("example.com", SpfFail, null, []);
        collector.Add(IPAddress.Parse("198.51.100.7"), "example.com", fail, SpfFail, []);
        var report = Assert.Single(collector.Drain("HostedMail", "dmarc@hostedmail.example", DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddDays(1)));
        Assert.Equal("example.com", report.PolicyDomain);
        Assert.Equal([3, 1], report.Rows.OrderByDescending(r => r.Count).Select(r => r.Count));
        var xml = report.ToXml().ToString();
        Assert.Contains("<disposition>quarantine</disposition>", xml, StringComparison.Ordinal);
        Assert.Contains("<source_ip>198.51.100.7</source_ip>", xml, StringComparison.Ordinal);
        Assert.Empty(collector.Drain("HostedMail", "x", DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch));
    }
}
