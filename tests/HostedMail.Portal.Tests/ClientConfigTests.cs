using System.Net;
using System.Text;
using System.Xml.Linq;

namespace HostedMail.Portal.Tests;

public sealed class ClientConfigTests(PortalHost host) : IClassFixture<PortalHost>
{
    private async Task EnsureDomainAsync()
    {
        if (host.Mail.Sent.Any(m => m.To == "owner@clients.example"))
        {
            return;
        }

        using var client = await host.NewTenantAsync("clients");
        await host.AddVerifiedDomainAsync(client, "clients.example");
        await client.PostJsonAsync("/api/v1/domains", new { name = "pending-clients.example" }, HttpStatusCode.Created);
    }

    private HttpClient Http() => new() { BaseAddress = host.BaseAddress };

    [Fact]
    public async Task ThunderbirdAutoconfigForAHostedDomainOnly()
    {
        await EnsureDomainAsync();
        using var http = Http();
        var xml = XDocument.Parse(await http.GetStringAsync("/mail/config-v1.1.xml?emailaddress=eve%40clients.example"));
        var imap = xml.Descendants("incomingServer").First(s => (string?)s.Attribute("type") == "imap");
        Assert.Equal(PortalHost.MailHost, imap.Element("hostname")!.Value);
        Assert.Equal("993", imap.Element("port")!.Value);
        Assert.Equal("SSL", imap.Element("socketType")!.Value);
        Assert.Equal("%EMAILADDRESS%", imap.Element("username")!.Value);

        using var wellKnown = new HttpRequestMessage(HttpMethod.Get, "/.well-known/autoconfig/mail/config-v1.1.xml");
        wellKnown.Headers.Host = "autoconfig.clients.example";
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(wellKnown)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/mail/config-v1.1.xml?emailaddress=eve%40pending-clients.example")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/mail/config-v1.1.xml?emailaddress=eve%40gmail.com")).StatusCode);
    }

    [Fact]
    public async Task OutlookAutodiscoverAnswersWithImapAndSmtpAndRefusesDtds()
    {
        await EnsureDomainAsync();
        using var http = Http();
        const string request = """
            <?xml version="1.0" encoding="utf-8"?>
            <Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006">
              <Request><EMailAddress>eve@clients.example</EMailAddress>
              <AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema></Request>
            </Autodiscover>
            """;
        var response = await http.PostAsync("/Autodiscover/Autodiscover.xml", new StringContent(request, Encoding.UTF8, "text/xml"));
        var doc = XDocument.Parse(await response.Content.ReadAsStringAsync());
        XNamespace a = "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a";
        var types = doc.Descendants(a + "Protocol").Select(p => p.Element(a + "Type")!.Value).ToList();
        Assert.Equal(["IMAP", "POP3", "SMTP"], types);
        Assert.Equal("eve@clients.example", doc.Descendants(a + "LoginName").First().Value);

        const string hostile = """<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><Autodiscover><Request><EMailAddress>&e;</EMailAddress></Request></Autodiscover>""";
        Assert.Equal(HttpStatusCode.BadRequest, (await http.PostAsync("/autodiscover/autodiscover.xml", new StringContent(hostile, Encoding.UTF8, "text/xml"))).StatusCode);
    }

    [Fact]
    public async Task AppleProfileIsAPlistForTheAddress()
    {
        await EnsureDomainAsync();
        using var http = Http();
        var response = await http.GetAsync("/api/v1/autoconfig/apple.mobileconfig?emailaddress=eve%40clients.example");
        Assert.Equal("application/x-apple-aspen-config", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Contains("<string>com.apple.mail.managed</string>", text);
        Assert.Contains("<string>eve@clients.example</string>", text);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/api/v1/autoconfig/apple.mobileconfig?emailaddress=eve%40gmail.com")).StatusCode);
    }

    [Fact]
    public async Task MtaStsPolicyIsServedForTheMtaStsHostOfAHostedDomain()
    {
        await EnsureDomainAsync();
        using var http = Http();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/.well-known/mta-sts.txt");
        request.Headers.Host = "mta-sts.clients.example";
        var response = await http.SendAsync(request);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal($"version: STSv1\r\nmode: testing\r\nmx: {PortalHost.MailHost}\r\nmax_age: 604800\r\n", await response.Content.ReadAsStringAsync());
        using var other = new HttpRequestMessage(HttpMethod.Get, "/.well-known/mta-sts.txt");
        other.Headers.Host = "mta-sts.pending-clients.example";
        Assert.Equal(HttpStatusCode.NotFound, (await http.SendAsync(other)).StatusCode);
    }

    [Fact]
    public async Task TheOpenApiDocumentDescribesTheApi()
    {
        using var http = Http();
        var text = await http.GetStringAsync("/api/v1/openapi.json");
        Assert.Contains("\"/api/v1/domains/{id}/records\"", text);
        Assert.Contains("\"/api/v1/auth/login\"", text);
        Assert.Contains("HostedMail tenant portal API", text);
    }
}
