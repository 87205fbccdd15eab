using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;

namespace HostedMail.IntegrationTests.Revocation;

/// <summary>
/// Issue 18 item 9: what the portal tells clients and tenants (Thunderbird autoconfig, Outlook
/// autodiscover, the Apple profile, the SRV records) names the ports the node really listens on,
/// read from a <c>hostedmail serve</c> process started on non-standard ports.
/// </summary>
public sealed class PublishedPortTests(TwoNodeCluster cluster) : IClassFixture<TwoNodeCluster>
{
    private const string Address = "someone@" + TwoNodeCluster.Domain;

    [Fact]
    public async Task ThunderbirdAutoconfigNamesTheListenersPorts()
    {
        using var http = NodeB();
        var xml = XDocument.Parse(await http.GetStringAsync($"/mail/config-v1.1.xml?emailaddress={Address}"));
        string Port(string kind, string type, string socket) => xml.Descendants(kind)
            .Single(e => (string?)e.Attribute("type") == type && (string?)e.Element("socketType") == socket).Element("port")!.Value;

        Assert.Equal(S(cluster.PortB("imaps")), Port("incomingServer", "imap", "SSL"));
        Assert.Equal(S(cluster.PortB("pop3s")), Port("incomingServer", "pop3", "SSL"));
        Assert.Equal(S(cluster.PortB("submissions")), Port("outgoingServer", "smtp", "SSL"));
        Assert.Equal(S(cluster.PortB("submission")), Port("outgoingServer", "smtp", "STARTTLS"));
        Assert.NotEqual("993", Port("incomingServer", "imap", "SSL"));
    }

    [Fact]
    public async Task AutodiscoverAndTheAppleProfileNameTheListenersPorts()
    {
        using var http = NodeB();
        var request = $"""
            <?xml version="1.0" encoding="utf-8"?>
            <Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006">
              <Request><EMailAddress>{Address}</EMailAddress>
                <AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema></Request>
            </Autodiscover>
            """;
        using var response = await http.PostAsync("/autodiscover/autodiscover.xml", new StringContent(request, Encoding.UTF8, "text/xml"));
        var xml = XDocument.Parse(await response.Content.ReadAsStringAsync());
        var ports = xml.Descendants().Where(e => e.Name.LocalName == "Protocol")
            .ToDictionary(p => p.Elements().Single(e => e.Name.LocalName == "Type").Value, p => p.Elements().Single(e => e.Name.LocalName == "Port").Value);
        Assert.Equal(S(cluster.PortB("imaps")), ports["IMAP"]);
        Assert.Equal(S(cluster.PortB("pop3s")), ports["POP3"]);
        Assert.Equal(S(cluster.PortB("submissions")), ports["SMTP"]);

        var profile = await http.GetStringAsync($"/api/v1/autoconfig/apple.mobileconfig?emailaddress={Address}");
        Assert.Contains($"<key>IncomingMailServerPortNumber</key><integer>{S(cluster.PortB("imaps"))}</integer>", profile.Replace("\n", "", StringComparison.Ordinal).Replace(" ", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains($"<key>OutgoingMailServerPortNumber</key><integer>{S(cluster.PortB("submissions"))}</integer>", profile.Replace("\n", "", StringComparison.Ordinal).Replace(" ", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheSrvRecordsTenantsPublishNameTheListenersPorts()
    {
        using var http = NodeB();
        http.DefaultRequestHeaders.Authorization = cluster.PortalA.DefaultRequestHeaders.Authorization;
        var domains = JsonDocument.Parse(await http.GetStringAsync("/api/v1/domains")).RootElement.GetProperty("items");
        var id = domains.EnumerateArray().Single(d => d.GetProperty("name").GetString() == TwoNodeCluster.Domain).GetProperty("id").GetInt64();
        var zone = await http.GetStringAsync($"/api/v1/domains/{id}/zone");

        foreach (var (service, listener) in new[] { ("_imaps", "imaps"), ("_pop3s", "pop3s"), ("_submissions", "submissions"), ("_submission", "submission") })
        {
            Assert.Matches($@"(?m)^{service}\._tcp\.cross\.example\.\s+\d+\s+IN\s+SRV\s+\d+ 1 {S(cluster.PortB(listener))} {MailNode.Hostname.Replace(".", "\\.", StringComparison.Ordinal)}\.$", zone);
        }
    }

    private static string S(int port) => port.ToString(CultureInfo.InvariantCulture);

    private HttpClient NodeB() => new() { BaseAddress = new Uri($"http://127.0.0.1:{cluster.PortB("http")}") };
}
