using System.Security.Cryptography;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using HostedMail.Core.Domains;
using HostedMail.Core.Mailboxes;
using HostedMail.Identity.OAuth;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace HostedMail.Portal.ClientConfig;

/// <summary>
/// What mail clients fetch to set themselves up, and the MTA-STS policy senders fetch. Public, no
/// sign-in; answered only for verified domains hosted here, so the node is no oracle for others.
/// </summary>
internal static class ClientConfigEndpoints
{
    private static readonly XNamespace AutodiscoverResponse = "http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006";
    private static readonly XNamespace OutlookResponse = "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a";

    public static void Map(IEndpointRouteBuilder app)
    {
        // Thunderbird autoconfig: the well-known URL on autoconfig.<domain>, and the ISP URL form.
        app.MapGet("/.well-known/autoconfig/mail/config-v1.1.xml", ThunderbirdAsync).AllowAnonymous().ExcludeFromDescription();
        app.MapGet("/mail/config-v1.1.xml", ThunderbirdAsync).AllowAnonymous().ExcludeFromDescription();
        // Routes match case-insensitively, so this also serves /Autodiscover/Autodiscover.xml as Outlook asks.
        app.MapPost("/autodiscover/autodiscover.xml", AutodiscoverAsync).AllowAnonymous().ExcludeFromDescription();
        app.MapGet("/api/v1/autoconfig/apple.mobileconfig", AppleAsync).AllowAnonymous().WithTags("Client configuration")
            .Produces<string>(StatusCodes.Status200OK, "application/x-apple-aspen-config").ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("An Apple configuration profile (iOS, macOS) for ?emailaddress=; unsigned.");
        app.MapGet("/.well-known/mta-sts.txt", MtaStsAsync).AllowAnonymous().ExcludeFromDescription();
    }

    private static async Task<Domain?> HostedDomainAsync(IDomainStore domains, string? name, CancellationToken ct) =>
        DomainName.TryNormalize(name, out var normalized) is null ? await domains.FindVerifiedAsync(normalized, ct) : null;

    private static async Task<IResult> ThunderbirdAsync(HttpContext http, IDomainStore domains, PortalOptions options, string? emailaddress, CancellationToken ct)
    {
        string? domainName = null;
        if (emailaddress is not null && MailAddress.TryParse(emailaddress, allowCatchAll: false, out var address) is null)
        {
            domainName = address!.Domain;
        }
        else if (http.Request.Host.Host.StartsWith("autoconfig.", StringComparison.OrdinalIgnoreCase))
        {
            domainName = http.Request.Host.Host["autoconfig.".Length..];
        }

        if (await HostedDomainAsync(domains, domainName, ct) is not { } domain)
        {
            return Results.NotFound();
        }

        var e = options.Endpoints;
        var oauth = http.RequestServices.GetService<OAuthServerOptions>();
        // Thunderbird's clientConfig 1.1 format (wiki.mozilla.org/Thunderbird:Autoconfiguration:ConfigFileFormat).
        var xml = new XElement("clientConfig", new XAttribute("version", "1.1"),
            new XElement("emailProvider", new XAttribute("id", domain.Name),
                new XElement("domain", domain.Name),
                new XElement("displayName", "HostedMail"),
                new XElement("displayShortName", "HostedMail"),
                Server("incomingServer", "imap", e.Hostname, e.ImapsPort, "SSL", oauth),
                Server("incomingServer", "pop3", e.Hostname, e.Pop3sPort, "SSL", oauth),
                Server("outgoingServer", "smtp", e.Hostname, e.SubmissionsPort, "SSL", oauth),
                Server("outgoingServer", "smtp", e.Hostname, e.SubmissionPort, "STARTTLS", oauth)),
            OAuth2Block(oauth));
        return Results.Text(new XDocument(new XDeclaration("1.0", "UTF-8", null), xml).Declaration + "\n" + xml, "application/xml; charset=utf-8");
    }

    /// <summary>
    /// Password first (what every client can do today), then OAuth2 when this service runs the
    /// OAuth server: a client that supports the <c>oAuth2</c> block can choose it (docs/oauth.md).
    /// </summary>
    private static XElement Server(string kind, string type, string host, int port, string socket, OAuthServerOptions? oauth) =>
        new(kind, new XAttribute("type", type),
            new XElement("hostname", host),
            new XElement("port", port),
            new XElement("socketType", socket),
            new XElement("authentication", "password-cleartext"),
            oauth is null ? null : new XElement("authentication", "OAuth2"),
            new XElement("username", "%EMAILADDRESS%"));

    /// <summary>Thunderbird's <c>oAuth2</c> element: where to get a token for the published mail client.</summary>
    private static XElement? OAuth2Block(OAuthServerOptions? oauth) => oauth?.Issuer is not { } issuer ? null :
        new XElement("oAuth2",
            new XElement("issuer", issuer.Host),
            new XElement("scope", OAuthServerOptions.MailScope + " offline_access"),
            new XElement("authURL", new Uri(issuer, "connect/authorize").AbsoluteUri),
            new XElement("tokenURL", new Uri(issuer, "connect/token").AbsoluteUri),
            new XElement("clientId", oauth.MailClientId));

    private static async Task<IResult> AutodiscoverAsync(HttpContext http, IDomainStore domains, PortalOptions options, CancellationToken ct)
    {
        var email = await ReadAutodiscoverEmailAsync(http.Request, ct);
        if (email is null || MailAddress.TryParse(email, allowCatchAll: false, out var address) is not null)
        {
            return Results.BadRequest();
        }

        if (await HostedDomainAsync(domains, address!.Domain, ct) is null)
        {
            return Results.NotFound();
        }

        var e = options.Endpoints;
        // [MS-OXDSCLI] section 2.2.4: an Account of type "email" with IMAP and SMTP Protocol elements.
        XElement Protocol(string type, int port, bool ssl) => new(OutlookResponse + "Protocol",
            new XElement(OutlookResponse + "Type", type),
            new XElement(OutlookResponse + "Server", e.Hostname),
            new XElement(OutlookResponse + "Port", port),
            new XElement(OutlookResponse + "LoginName", address.Value),
            new XElement(OutlookResponse + "SPA", "off"),
            new XElement(OutlookResponse + "SSL", ssl ? "on" : "off"),
            new XElement(OutlookResponse + "AuthRequired", "on"));
        var doc = new XElement(AutodiscoverResponse + "Autodiscover",
            new XElement(OutlookResponse + "Response",
                OAuthNote(http),
                new XElement(OutlookResponse + "Account",
                    new XElement(OutlookResponse + "AccountType", "email"),
                    new XElement(OutlookResponse + "Action", "settings"),
                    Protocol("IMAP", e.ImapsPort, ssl: true),
                    Protocol("POP3", e.Pop3sPort, ssl: true),
                    Protocol("SMTP", e.SubmissionsPort, ssl: true))));
        return Results.Text("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n" + doc, "application/xml; charset=utf-8");
    }

    /// <summary>The EMailAddress of an Autodiscover request; DTDs refused (no XXE), size bounded.</summary>
    private static async Task<string?> ReadAutodiscoverEmailAsync(HttpRequest request, CancellationToken ct)
    {
        var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, MaxCharactersInDocument = 64 * 1024, Async = true };
        try
        {
            using var reader = XmlReader.Create(request.Body, settings);
            while (await reader.ReadAsync())
            {
                ct.ThrowIfCancellationRequested();
                if (reader.NodeType == XmlNodeType.Element && reader.LocalName == "EMailAddress")
                {
                    return (await reader.ReadElementContentAsStringAsync()).Trim();
                }
            }
        }
        catch (XmlException)
        {
            return null;
        }

        return null;
    }

    /// <summary>
    /// Neither Outlook's autodiscover (MS-OXDSCLI: AuthPackage names only Exchange schemes) nor
    /// Apple's com.apple.mail.managed payload (IncomingMailServerAuthentication has no OAuth value)
    /// can express OAuth for IMAP, POP3 and SMTP; a comment tells a person reading the file where
    /// the OAuth server is (docs/oauth.md). Null when this service runs none.
    /// </summary>
    private static XComment? OAuthNote(HttpContext http) =>
        http.RequestServices.GetService<OAuthServerOptions>()?.Issuer is { } issuer
            ? new XComment($" OAuth 2.0 (SASL XOAUTH2 and OAUTHBEARER) is offered too; this format cannot describe it. Discovery: {new Uri(issuer, ".well-known/openid-configuration").AbsoluteUri} ")
            : null;

    private static async Task<IResult> AppleAsync(HttpContext http, IDomainStore domains, PortalOptions options, string? emailaddress, CancellationToken ct)
    {
        if (emailaddress is null || MailAddress.TryParse(emailaddress, allowCatchAll: false, out var address) is not null
            || await HostedDomainAsync(domains, address!.Domain, ct) is null)
        {
            return Problems.Result(404, "not found", "No hosted mailbox domain for that address.");
        }

        var e = options.Endpoints;
        // Stable UUIDs per address, so installing the profile again replaces it instead of adding a second account.
        string Uuid(string salt) => new Guid(MD5Hash(salt + ":" + address.Value)).ToString().ToUpperInvariant();
        var payload = new XElement("dict",
            Key("EmailAccountDescription"), Str(address.Value),
            Key("EmailAccountType"), Str("EmailTypeIMAP"),
            Key("EmailAddress"), Str(address.Value),
            Key("IncomingMailServerAuthentication"), Str("EmailAuthPassword"),
            Key("IncomingMailServerHostName"), Str(e.Hostname),
            Key("IncomingMailServerPortNumber"), new XElement("integer", e.ImapsPort),
            Key("IncomingMailServerUseSSL"), new XElement("true"),
            Key("IncomingMailServerUsername"), Str(address.Value),
            Key("OutgoingMailServerAuthentication"), Str("EmailAuthPassword"),
            Key("OutgoingMailServerHostName"), Str(e.Hostname),
            Key("OutgoingMailServerPortNumber"), new XElement("integer", e.SubmissionsPort),
            Key("OutgoingMailServerUseSSL"), new XElement("true"),
            Key("OutgoingMailServerUsername"), Str(address.Value),
            Key("OutgoingPasswordSameAsIncomingPassword"), new XElement("true"),
            Key("PayloadDisplayName"), Str("Mail: " + address.Value),
            Key("PayloadIdentifier"), Str("dev.hostedmail.mail." + Uuid("payload")),
            Key("PayloadType"), Str("com.apple.mail.managed"),
            Key("PayloadUUID"), Str(Uuid("payload")),
            Key("PayloadVersion"), new XElement("integer", 1));
        var profile = new XElement("plist", new XAttribute("version", "1.0"),
            OAuthNote(http),
            new XElement("dict",
                Key("PayloadContent"), new XElement("array", payload),
                Key("PayloadDisplayName"), Str("HostedMail: " + address.Value),
                Key("PayloadIdentifier"), Str("dev.hostedmail.profile." + Uuid("profile")),
                Key("PayloadRemovalDisallowed"), new XElement("false"),
                Key("PayloadType"), Str("Configuration"),
                Key("PayloadUUID"), Str(Uuid("profile")),
                Key("PayloadVersion"), new XElement("integer", 1)));
        var text = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n" + profile;
        return Results.File(Encoding.UTF8.GetBytes(text), "application/x-apple-aspen-config", address.LocalPart + ".mobileconfig");

        static XElement Key(string k) => new("key", k);
        static XElement Str(string s) => new("string", s);
    }

#pragma warning disable CA5351 // MD5 only turns an address into a stable UUID here; nothing depends on collision resistance.
    private static byte[] MD5Hash(string text) => MD5.HashData(Encoding.UTF8.GetBytes(text));
#pragma warning restore CA5351

    /// <summary>The MTA-STS policy (RFC 8461 section 3.3), served on <c>https://mta-sts.&lt;domain&gt;/.well-known/mta-sts.txt</c>.</summary>
    private static async Task<IResult> MtaStsAsync(HttpContext http, IDomainStore domains, PortalOptions options, CancellationToken ct)
    {
        var host = http.Request.Host.Host;
        if (!host.StartsWith("mta-sts.", StringComparison.OrdinalIgnoreCase) || await HostedDomainAsync(domains, host["mta-sts.".Length..], ct) is null)
        {
            return Results.NotFound();
        }

        // Section 3.3: media type text/plain; senders cache by max_age, so a short HTTP cache is enough.
        http.Response.Headers.CacheControl = "max-age=3600";
        return Results.Text(DomainRecords.MtaStsPolicy(options.Endpoints), "text/plain; charset=utf-8");
    }
}
