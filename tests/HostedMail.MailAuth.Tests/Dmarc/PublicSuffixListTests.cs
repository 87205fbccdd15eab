using System.Text;
using HostedMail.MailAuth.Dkim;
using HostedMail.MailAuth.Dmarc;
using HostedMail.MailAuth.Spf;

namespace HostedMail.MailAuth.Tests.Dmarc;

/// <summary>The full list from Debian's publicsuffix package, the embedded fallback, and malformed files.</summary>
public sealed class PublicSuffixListTests
{
    private static PublicSuffixList Full()
    {
        if (!File.Exists(PublicSuffixList.SystemPath))
        {
            Assert.Fail($"{PublicSuffixList.SystemPath} is missing: install the Debian package 'publicsuffix' (script/bootstrap does).");
        }

        return PublicSuffixList.Load(PublicSuffixList.SystemPath);
    }

    private static string TempFile(byte[] content)
    {
        var path = Path.Combine(Path.GetTempPath(), $"hostedmail-psl-{Guid.NewGuid():N}.dat");
        File.WriteAllBytes(path, content);
        return path;
    }

    [Fact]
    public void DefaultIsDebiansFullListWhenInstalled()
    {
        var full = Full();
        Assert.Equal(PublicSuffixList.SystemPath, PublicSuffixList.Default.Source);
        Assert.Null(PublicSuffixList.Default.FallbackReason);
        Assert.Equal(full.RuleCount, PublicSuffixList.Default.RuleCount);
        // The upstream list has about nine thousand rules; the subset well under a thousand.
        Assert.True(full.RuleCount > 5 * PublicSuffixList.Embedded.RuleCount, $"{full.RuleCount} vs {PublicSuffixList.Embedded.RuleCount}");
    }

    [Theory]
    // *.sch.uk: each school under a county is its own registrant; the subset has plain sch.uk.
    [InlineData("www.school.county.sch.uk", "school.county.sch.uk", "county.sch.uk")]
    // *.kobe.jp with !city.kobe.jp, and ide.kyoto.jp: only the full list has them.
    [InlineData("a.b.c.kobe.jp", "b.c.kobe.jp", "kobe.jp")]
    [InlineData("www.city.kobe.jp", "city.kobe.jp", "kobe.jp")]
    [InlineData("a.b.ide.kyoto.jp", "b.ide.kyoto.jp", "kyoto.jp")]
    // Private section: *.compute.amazonaws.com makes every EC2 host name its own organisation.
    [InlineData("x.myhost.eu-west-1.compute.amazonaws.com", "myhost.eu-west-1.compute.amazonaws.com", "amazonaws.com")]
    public void FullListGivesOrganisationalDomainsTheSubsetGetsWrong(string domain, string full, string subset)
    {
        Assert.Equal(full, Full().GetOrganizationalDomain(domain));
        Assert.Equal(subset, PublicSuffixList.Embedded.GetOrganizationalDomain(domain));
    }

    [Theory]
    // Cases both lists know, answered the same by the full list (wildcard, exception, private, ordinary).
    [InlineData("foo.bar.github.io", "bar.github.io")]
    [InlineData("x.y.kawasaki.jp", "x.y.kawasaki.jp")]
    [InlineData("www.city.kawasaki.jp", "city.kawasaki.jp")]
    [InlineData("a.b.example.co.uk", "example.co.uk")]
    [InlineData("a.www.ck", "www.ck")]
    // From the PSL's own algorithm checks (test_psl.txt): a suffix is its own answer.
    [InlineData("c.kobe.jp", "c.kobe.jp")]
    [InlineData("b.c.kobe.jp", "b.c.kobe.jp")]
    [InlineData("www.test.ac.jp", "test.ac.jp")]
    [InlineData("k12.ak.us", "k12.ak.us")]
    [InlineData("www.test.k12.ak.us", "test.k12.ak.us")]
    // Internationalised rules match in A-labels and U-labels alike (公司.cn is xn--55qx5d.cn).
    [InlineData("www.example.xn--55qx5d.cn", "example.xn--55qx5d.cn")]
    [InlineData("www.example.公司.cn", "example.xn--55qx5d.cn")]
    public void FullListFollowsThePslAlgorithm(string domain, string expected) =>
        Assert.Equal(expected, Full().GetOrganizationalDomain(domain));

    [Fact]
    public void PrivateDomainRulesAreUsedByDefaultAndCanBeLeftOut()
    {
        var icannOnly = PublicSuffixList.Load(PublicSuffixList.SystemPath, includePrivateDomains: false);
        Assert.Equal("bar.github.io", Full().GetOrganizationalDomain("foo.bar.github.io"));
        Assert.Equal("github.io", icannOnly.GetOrganizationalDomain("foo.bar.github.io"));
        Assert.Equal("amazonaws.com", icannOnly.GetOrganizationalDomain("x.myhost.eu-west-1.compute.amazonaws.com"));
        // ICANN rules stay: only the private section is dropped.
        Assert.Equal("b.c.kobe.jp", icannOnly.GetOrganizationalDomain("a.b.c.kobe.jp"));
        Assert.True(icannOnly.RuleCount < Full().RuleCount);
    }

    [Fact]
    public void AMissingFileFallsBackToTheEmbeddedSubset()
    {
        var path = Path.Combine(Path.GetTempPath(), $"hostedmail-psl-missing-{Guid.NewGuid():N}.dat");
        var list = PublicSuffixList.LoadOrEmbedded(path);
        Assert.Equal("embedded subset", list.Source);
        Assert.Equal($"{path}: file not found", list.FallbackReason);
        Assert.Equal(PublicSuffixList.Embedded.RuleCount, list.RuleCount);
        Assert.Equal("county.sch.uk", list.GetOrganizationalDomain("www.school.county.sch.uk"));
        Assert.Throws<FileNotFoundException>(() => PublicSuffixList.Load(path));
        Assert.False(PublicSuffixList.TryLoad(path, true, out _, out var error));
        Assert.Contains("not found", error, StringComparison.Ordinal);
    }

    public static TheoryData<string, byte[], string> MalformedFiles()
    {
        var fullText = File.Exists(PublicSuffixList.SystemPath) ? File.ReadAllText(PublicSuffixList.SystemPath) : "// ===BEGIN ICANN DOMAINS===\ncom\n";
        var truncated = fullText[..(fullText.IndexOf("===END ICANN DOMAINS===", StringComparison.Ordinal) / 2)];
        truncated = truncated[..(truncated.LastIndexOf('\n') + 1)];
        return new TheoryData<string, byte[], string>
        {
            { "binary", [0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0xff, 0xfe, 0x00, 0x0a, 0xc3, 0x28], "Unable to translate bytes" },
            { "truncated", Encoding.UTF8.GetBytes(truncated), "ends inside the Icann section" },
            { "comments only", Encoding.UTF8.GetBytes("// nothing here\n\n// still nothing\n"), "no rules" },
            { "empty label", Encoding.UTF8.GetBytes("com\nfoo..bar\n"), "line 2: not a domain name: 'foo..bar'" },
            { "inner wildcard", Encoding.UTF8.GetBytes("com\n*.*.example\n"), "line 2: wildcard other than a leading" },
            { "single-label exception", Encoding.UTF8.GetBytes("com\n!www\n"), "line 2: exception rule with a single label" },
            { "junk characters", Encoding.UTF8.GetBytes("com\nex@mple.com\n"), "line 2: not a domain name: 'ex@mple.com'" },
            { "nul byte", Encoding.UTF8.GetBytes("com\nexa\0mple\n"), "line 2: not a domain name: 'exa?mple'" },
            { "nested sections", Encoding.UTF8.GetBytes("// ===BEGIN ICANN DOMAINS===\ncom\n// ===BEGIN PRIVATE DOMAINS===\n"), "line 3: misplaced section marker" },
        };
    }

    [Theory]
    [MemberData(nameof(MalformedFiles))]
    public void AMalformedFileIsRefusedAndTheDefaultFallsBack(string what, byte[] content, string reason)
    {
        var path = TempFile(content);
        try
        {
            Assert.False(PublicSuffixList.TryLoad(path, true, out var list, out var error), what);
            Assert.Null(list);
            Assert.Contains(reason, error, StringComparison.Ordinal);
            Assert.Throws<InvalidDataException>(() => PublicSuffixList.Load(path));

            var fallback = PublicSuffixList.LoadOrEmbedded(path);
            Assert.Equal("embedded subset", fallback.Source);
            Assert.Contains(reason, fallback.FallbackReason, StringComparison.Ordinal);
            Assert.Equal("example.co.uk", fallback.GetOrganizationalDomain("a.b.example.co.uk"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void AWellFormedSmallFileIsUsedAsIs()
    {
        var path = TempFile(Encoding.UTF8.GetBytes("// ===BEGIN ICANN DOMAINS===\nuk\nco.uk\n// ===END ICANN DOMAINS===\n// ===BEGIN PRIVATE DOMAINS===\n*.hosting.co.uk\n!www.hosting.co.uk\n// ===END PRIVATE DOMAINS===\n"));
        try
        {
            var list = PublicSuffixList.LoadOrEmbedded(path);
            Assert.Equal((path, (string?)null, 4), (list.Source, list.FallbackReason, list.RuleCount));
            Assert.Equal("shop.alice.hosting.co.uk", list.GetOrganizationalDomain("www.shop.alice.hosting.co.uk"));
            Assert.Equal("www.hosting.co.uk", list.GetOrganizationalDomain("a.www.hosting.co.uk"));
            Assert.Equal("hosting.co.uk", PublicSuffixList.Load(path, includePrivateDomains: false).GetOrganizationalDomain("www.shop.alice.hosting.co.uk"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void ParseReportsTheLineOfAMalformedRule()
    {
        var error = Assert.Throws<InvalidDataException>(() => PublicSuffixList.Parse(new StringReader("com\n\n// c\nbad rule\nfoo..bar\n")));
        Assert.Equal("text line 5: not a domain name: 'foo..bar'", error.Message);
    }

    [Fact]
    public async Task DmarcAlignmentAndPolicyDiscoveryUseTheFullList()
    {
        // Two schools under one county: separate organisations under *.sch.uk, so a signature by one does not align
        // with mail from the other (RFC 7489 section 3.1.1), and policy is found at the school's own org domain.
        var resolver = new InMemoryResolver()
            .AddTxt("_dmarc.school.county.sch.uk", "v=DMARC1; p=reject")
            .AddTxt("_dmarc.county.sch.uk", "v=DMARC1; p=none");
        var spf = new SpfResult(AuthStatus.Fail, "no") { Domain = "school.county.sch.uk" };
        DkimResult[] dkim = [new(AuthStatus.Pass, "ok") { Domain = "other.county.sch.uk", Selector = "s", Algorithm = "ed25519-sha256" }];

        var full = await new DmarcVerifier(resolver, Full(), () => 0).EvaluateAsync("news.school.county.sch.uk", spf, null, dkim);
        Assert.Equal(("school.county.sch.uk", AuthStatus.Fail, false, DmarcPolicy.Reject), (full.OrganizationalDomain, full.Status, full.DkimAligned, full.Disposition));

        var subset = await new DmarcVerifier(resolver, PublicSuffixList.Embedded, () => 0).EvaluateAsync("news.school.county.sch.uk", spf, null, dkim);
        Assert.Equal(("county.sch.uk", AuthStatus.Pass, true), (subset.OrganizationalDomain, subset.Status, subset.DkimAligned));
    }
}
