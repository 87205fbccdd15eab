using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using HostedMail.Dns;
using HostedMail.MailAuth;
using HostedMail.MailAuth.Dkim;
using HostedMail.Server.Cli;
using HostedMail.Testing.Dns;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace HostedMail.IntegrationTests.Outbound;

/// <summary>
/// Mail from the service itself (portal mail) is DKIM-signed with the service domain's key, whose
/// record the operator copies from <c>hostedmail dns-records</c>; <c>check-dns</c> and
/// <c>/healthz/dns</c> report records that are missing. The node's portal sender is
/// no-reply@mail.hostedmail.test (Mail:Hostname's default), its HELO name mx.hostedmail.test.
/// </summary>
public sealed class ServiceMailTests(MailNode node) : IClassFixture<MailNode>
{
    private const string ServiceDomain = "mail.hostedmail.test";

    [Fact]
    public async Task PortalMailVerifiesWithOurDkimVerifierAgainstTheKeyTheCliPrints()
    {
        OutboundTestKit.PauseNodeWorker(node);
        await PublishDkimFromCliAsync();
        OutboundTestKit.RouteToLoopback(node, "signup.example");
        await using var peer = new ScriptedSmtpPeer();

        using var http = new HttpClient { BaseAddress = HttpAddress() };
        var signUp = await http.PostAsJsonAsync("/api/v1/auth/signup", new { tenantName = "signup-co", email = "owner@signup.example", password = "correct horse battery" });
        Assert.Equal(HttpStatusCode.Created, signUp.StatusCode);
        await OutboundTestKit.Processor(node, new ManualClock(), peer.Port).ProcessDueAsync(CancellationToken.None);

        var mail = Assert.Single(peer.Received);
        Assert.Equal("no-reply@" + ServiceDomain, mail.From);
        Assert.StartsWith("DKIM-Signature: ", Encoding.UTF8.GetString(mail.Data), StringComparison.Ordinal);
        var verifier = new DkimVerifier(new DnsResolver(new DnsResolverOptions { Servers = { node.Dns.EndPoint } }));
        var result = Assert.Single(await verifier.VerifyAsync(mail.Data));
        Assert.Equal(AuthStatus.Pass, result.Status);
        Assert.Equal(ServiceDomain, result.Domain);
    }

    [Fact]
    public async Task CheckDnsAndHealthzDnsReportAMissingDmarcRecordAndPassOnceItIsPublished()
    {
        node.Dns.NegativeTtl = 0;
        await PublishDkimFromCliAsync();
        node.Dns.Add(ServiceDomain, TestDnsRecord.A("127.0.0.1"), TestDnsRecord.Txt("v=spf1 a:mx.hostedmail.test -all"), TestDnsRecord.Mx(10, ServiceDomain));
        node.Dns.Add("mx.hostedmail.test", TestDnsRecord.A("127.0.0.1"));
        node.Dns.Add("1.0.0.127.in-addr.arpa", TestDnsRecord.Ptr("mx.hostedmail.test"));
        node.Dns.Add("_spf." + ServiceDomain, TestDnsRecord.Txt("v=spf1 ip4:127.0.0.1 -all"));

        var (exit, output, error) = await CliAsync("check-dns");
        Assert.Equal(1, exit);
        Assert.Matches(@"(?m)^ok\s+dkim\s+TXT\s+hm\d{6}\._domainkey\.mail\.hostedmail\.test\s+public key matches$", output);
        Assert.Matches(@"(?m)^ok\s+spf\s+TXT\s+mail\.hostedmail\.test\s+v=spf1 a:mx\.hostedmail\.test -all$", output);
        Assert.Matches(@"(?m)^ok\s+ptr\s+PTR\s+1\.0\.0\.127\.in-addr\.arpa\s+mx\.hostedmail\.test$", output);
        Assert.Matches(@"(?m)^missing\s+dmarc\s+TXT\s+_dmarc\.mail\.hostedmail\.test\s+no DMARC record$", output);
        Assert.Contains("_dmarc.mail.hostedmail.test. TXT v=DMARC1; p=reject", output, StringComparison.Ordinal);
        Assert.Equal("error: 1 DNS record(s) of the service are missing, wrong or unknown: dmarc", error.Trim());

        using var http = new HttpClient { BaseAddress = HttpAddress() };
        var health = await http.GetAsync(new Uri("/healthz/dns", UriKind.Relative));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        var problems = JsonDocument.Parse(await health.Content.ReadAsStringAsync()).RootElement.GetProperty("problems");
        Assert.StartsWith("dmarc: TXT _dmarc.mail.hostedmail.test missing", Assert.Single(problems.EnumerateArray()).GetString(), StringComparison.Ordinal);
        // /readyz stays about the database: a DNS record never takes the node out of service.
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/readyz", UriKind.Relative))).StatusCode);

        node.Dns.Add("_dmarc." + ServiceDomain, TestDnsRecord.Txt("v=DMARC1; p=reject"));
        (exit, output, error) = await CliAsync("check-dns");
        Assert.True(exit == 0, output + error);
        Assert.Matches(@"(?m)^ok\s+dmarc\s+", output);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/healthz/dns", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task ASpfRecordThatDoesNotListTheNodeIsWrong()
    {
        await using var dns = TestDnsServer.Start();
        dns.Add(ServiceDomain, TestDnsRecord.A("127.0.0.1"), TestDnsRecord.Txt("v=spf1 ip4:192.0.2.1 -all"));
        dns.Add("mx.hostedmail.test", TestDnsRecord.A("127.0.0.1"));
        var (exit, output, _) = await CliAsync(dns, "check-dns");
        Assert.Equal(1, exit);
        Assert.Matches(@"(?m)^wrong\s+spf\s+TXT\s+mail\.hostedmail\.test\s+SPF gives fail for 127\.0\.0\.1: v=spf1 ip4:192\.0\.2\.1 -all$", output);
        Assert.Matches(@"(?m)^missing\s+dkim\s+", output);
    }

    /// <summary>Runs <c>dns-records</c> as the operator would and publishes the DKIM record it prints.</summary>
    private async Task PublishDkimFromCliAsync()
    {
        var (exit, zone, error) = await CliAsync("dns-records");
        Assert.True(exit == 0, error);
        var line = zone.Split('\n').Single(l => l.Contains("._domainkey." + ServiceDomain + ".", StringComparison.Ordinal));
        var name = line.Split('\t')[0].TrimEnd('.');
        var value = string.Concat(Regex.Matches(line, "\"([^\"]*)\"").Select(m => m.Groups[1].Value));
        Assert.StartsWith("v=DKIM1; k=rsa; p=", value, StringComparison.Ordinal);
        node.Dns.Add(name, TestDnsRecord.Txt(value.Chunk(255).Select(c => new string(c)).ToArray()));
    }

    private Task<(int Exit, string Output, string Error)> CliAsync(params string[] args) => CliAsync(node.Dns, args);

    private async Task<(int Exit, string Output, string Error)> CliAsync(TestDnsServer dns, params string[] args)
    {
        var settings = node.Settings();
        settings["Dns:Servers:0"] = dns.EndPoint.ToString();
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await HostedMailCli.RunAsync(args, new StringReader(string.Empty), output, error, settings);
        return (exit, output.ToString(), error.ToString());
    }

    private Uri HttpAddress() =>
        new(node.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
}
