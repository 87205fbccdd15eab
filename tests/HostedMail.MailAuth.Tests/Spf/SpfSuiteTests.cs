using HostedMail.Dns;
using HostedMail.MailAuth.Spf;
using HostedMail.Testing.Dns;

namespace HostedMail.MailAuth.Tests.Spf;

/// <summary>Runs every case of the RFC 7208 test suite against zones served over real DNS on loopback.</summary>
public sealed class SpfSuiteTests
{
    /// <summary>Cases that cannot pass, with the reason; each is asserted to still disagree so the list stays honest.</summary>
    private static readonly Dictionary<string, string> Exclusions = new()
    {
    };

    public static TheoryData<string> CaseNames()
    {
        var data = new TheoryData<string>();
        foreach (var c in SpfTestSuite.All)
        {
            data.Add(c.Name);
        }

        return data;
    }

    [Fact]
    public void TheSuiteIsLoadedWhole() => Assert.True(SpfTestSuite.All.Count >= 180, $"only {SpfTestSuite.All.Count} cases loaded");

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task SuiteCase(string name)
    {
        var testCase = SpfTestSuite.All.Single(c => c.Name == name);
        await using var server = TestDnsServer.Start();
        SpfTestSuite.Serve(server, testCase.Zone);
        var resolver = new DnsResolver(new DnsResolverOptions
        {
            Servers = [server.EndPoint],
            // Two attempts: on a loaded 2-core CI machine a first answer (cold JIT, a busy thread
            // pool) once took over a second and a case read "DNS Timeout" as temperror. The suite's
            // TIMEOUT cases still time out, a second later.
            Attempts = 2,
            Timeout = TimeSpan.FromSeconds(1),
        });
        var verifier = new SpfVerifier(resolver);
        var result = await verifier.VerifyMailFromAsync(SpfTestSuite.Address(testCase.Host), testCase.MailFrom, testCase.Helo);

        var statusOk = testCase.Results.Contains(result.Status.ToKeyword());
        var explanationOk = testCase.Explanation is null or "DEFAULT" || result.Status != AuthStatus.Fail
            || string.Equals(testCase.Explanation, result.Explanation, StringComparison.OrdinalIgnoreCase);
        var passed = statusOk && explanationOk;
        var detail = $"{testCase.Scenario}/{name}: expected {string.Join('|', testCase.Results)}{(testCase.Explanation is null ? "" : $" ({testCase.Explanation})")}, got {result.Status.ToKeyword()} ({result.Reason}; exp={result.Explanation})";
        if (Exclusions.TryGetValue(name, out var reason))
        {
            Assert.False(passed, $"{name} is excluded ({reason}) but now passes: remove it from the exclusion list.");
            return;
        }

        Assert.True(passed, detail);
    }
}
