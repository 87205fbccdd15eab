using System.Globalization;
using System.Net;
using System.Xml.Linq;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Net.Pop3;
using MailKit.Net.Smtp;
using MailKit.Search;
using MailKit.Security;
using MimeKit;

namespace HostedMail.IntegrationTests.OAuth;

/// <summary>
/// Issue 15's "done when": a mail client configured from autoconfig alone, with OAuth only (no
/// password stored in the client), signs in through the browser flow and reads, sends and fetches
/// mail over IMAP, SMTP submission and POP3 (MailKit as the client).
/// </summary>
public sealed class OAuthOnlyMailClientTests(OAuthOnlyMailClientTests.PublishedPortsNode node) : IClassFixture<OAuthOnlyMailClientTests.PublishedPortsNode>
{
    [Fact]
    public async Task AClientSetUpFromAutoconfigWithOAuthOnlySendsReadsAndFetchesMail()
    {
        var address = $"oauthonly{Guid.NewGuid().ToString("N")[..8]}@acme.example";
        await node.Cli.OkAsync("mailbox", "create", address, "--tenant", "acme", "--password", MailNode.Password);

        // What the client learns: servers, ports, TLS and the OAuth endpoints, from autoconfig only.
        using var browser = new OAuthBrowser(node);
        var (status, body) = await browser.GetAsync("mail/config-v1.1.xml?emailaddress=" + Uri.EscapeDataString(address));
        Assert.Equal(HttpStatusCode.OK, status);
        var config = XDocument.Parse(body).Root!;
        var oauth = config.Element("oAuth2")!;
        var servers = config.Element("emailProvider")!.Elements().ToList();
        var imap = Server(servers, "imap");
        var pop3 = Server(servers, "pop3");
        var smtp = servers.Single(s => (string?)s.Attribute("type") == "smtp" && s.Element("socketType")!.Value == "STARTTLS");
        Assert.All([imap, pop3, smtp], s => Assert.Contains("OAuth2", s.Elements("authentication").Select(a => a.Value)));

        // The browser part: the authorization URL, client id and scope the file gave, code + PKCE.
        var clientId = oauth.Element("clientId")!.Value;
        var (verifier, challenge) = OAuthBrowser.Pkce();
        var authorize = oauth.Element("authURL")!.Value + "?response_type=code&client_id=" + Uri.EscapeDataString(clientId)
            + "&redirect_uri=" + Uri.EscapeDataString(OAuthBrowser.RedirectUri) + "&scope=" + Uri.EscapeDataString(oauth.Element("scope")!.Value)
            + "&state=st4te&code_challenge=" + challenge + "&code_challenge_method=S256";
        var consent = await browser.SignInAsync(authorize, address, MailNode.Password);
        Assert.Equal(HttpStatusCode.OK, consent.Status);
        var redirect = await browser.SubmitConsentAsync(consent.Html, "connect/authorize", "allow");
        var code = System.Web.HttpUtility.ParseQueryString(new Uri(redirect).Query)["code"]!;
        var tokenResponse = await browser.Http.PostAsync(new Uri(oauth.Element("tokenURL")!.Value), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code", ["code"] = code, ["redirect_uri"] = OAuthBrowser.RedirectUri,
            ["client_id"] = clientId, ["code_verifier"] = verifier,
        }));
        Assert.Equal(HttpStatusCode.OK, tokenResponse.StatusCode);
        var token = System.Text.Json.JsonDocument.Parse(await tokenResponse.Content.ReadAsStringAsync()).RootElement.GetProperty("access_token").GetString()!;

        // Send (submission with STARTTLS, as configured), to itself.
        var subject = "oauth only " + Guid.NewGuid().ToString("N")[..8];
        using (var client = new SmtpClient { ServerCertificateValidationCallback = IsTestCertificate })
        {
            await client.ConnectAsync("127.0.0.1", Port(smtp), SecureSocketOptions.StartTls);
            await client.AuthenticateAsync(new SaslMechanismOAuth2(address, token));
            var message = new MimeMessage();
            message.From.Add(MailboxAddress.Parse(address));
            message.To.Add(MailboxAddress.Parse(address));
            message.Subject = subject;
            message.Body = new TextPart("plain") { Text = "Gesendet ohne Passwort im Client. Grüße!" };
            await client.SendAsync(message);
            await client.DisconnectAsync(true);
        }

        await node.WaitForSubjectAsync(subject, TimeSpan.FromSeconds(30));

        // Read it over IMAP (implicit TLS, as configured).
        using (var client = new ImapClient { ServerCertificateValidationCallback = IsTestCertificate })
        {
            await client.ConnectAsync("127.0.0.1", Port(imap), SocketOptions(imap));
            await client.AuthenticateAsync(new SaslMechanismOAuth2(address, token));
            await client.Inbox.OpenAsync(FolderAccess.ReadWrite);
            var found = await client.Inbox.SearchAsync(SearchQuery.SubjectContains(subject));
            var read = await client.Inbox.GetMessageAsync(Assert.Single(found));
            Assert.Equal("Gesendet ohne Passwort im Client. Grüße!", read.TextBody?.Trim());
            await client.DisconnectAsync(true);
        }

        // And fetch it over POP3.
        using (var client = new Pop3Client { ServerCertificateValidationCallback = IsTestCertificate })
        {
            await client.ConnectAsync("127.0.0.1", Port(pop3), SocketOptions(pop3));
            await client.AuthenticateAsync(new SaslMechanismOAuth2(address, token));
            var fetched = await client.GetMessageAsync(client.Count - 1);
            Assert.Equal(subject, fetched.Subject);
            await client.DisconnectAsync(true);
        }
    }

    private static XElement Server(List<XElement> servers, string type) => servers.Single(s => (string?)s.Attribute("type") == type);

    private static int Port(XElement server) => int.Parse(server.Element("port")!.Value, CultureInfo.InvariantCulture);

    private static SecureSocketOptions SocketOptions(XElement server) => server.Element("socketType")!.Value == "SSL" ? SecureSocketOptions.SslOnConnect : SecureSocketOptions.StartTls;

    private static bool IsTestCertificate(object sender, System.Security.Cryptography.X509Certificates.X509Certificate? certificate, System.Security.Cryptography.X509Certificates.X509Chain? chain, System.Net.Security.SslPolicyErrors errors) =>
        certificate?.Subject.Contains(MailNode.Hostname, StringComparison.Ordinal) == true;

    /// <summary>The OAuth node with its mail listeners on fixed ports, so autoconfig names the real ones (port 0 would publish the standard ports).</summary>
    public sealed class PublishedPortsNode : OAuthNode
    {
        public override Dictionary<string, string?> Settings()
        {
            var settings = base.Settings();
            foreach (var listener in new[] { "imaps", "pop3s", "submission" })
            {
                settings[$"Mail:Listeners:{listener}:Endpoint"] = "127.0.0.1:" + Net.FreePorts.Next().ToString(CultureInfo.InvariantCulture);
            }

            return settings;
        }
    }
}
