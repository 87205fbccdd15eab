using System.Globalization;
using HostedMail.Net;

namespace HostedMail.IntegrationTests.OAuth;

/// <summary>
/// A node with the OAuth server on (issuer = its own HTTP listener on a fixed free port, plain
/// HTTP allowed on loopback), IMAP and POP3 with implicit TLS, and a plaintext IMAP listener for
/// the "token over plaintext" probe.
/// </summary>
public class OAuthNode : MailNode
{
    public const int UsernameLockoutThreshold = 25;

    public int HttpPort { get; } = FreePorts.Next();

    public string Issuer => $"http://127.0.0.1:{HttpPort.ToString(CultureInfo.InvariantCulture)}/";

    public int ImapsPort => EndPoint("imaps").Port;

    public int ImapPort => EndPoint("imap").Port;

    public int Pop3sPort => EndPoint("pop3s").Port;

    public override Dictionary<string, string?> Settings()
    {
        var settings = base.Settings();
        settings["Http:Urls"] = Issuer.TrimEnd('/');
        settings["OAuth:Issuer"] = Issuer;
        settings["OAuth:RequireHttps"] = "false";
        settings["Mail:Listeners:imaps:Protocol"] = "imap";
        settings["Mail:Listeners:imaps:Endpoint"] = "127.0.0.1:0";
        settings["Mail:Listeners:imaps:ImplicitTls"] = "true";
        settings["Mail:Listeners:imaps:MaxConnectionsPerAddress"] = "200";
        settings["Mail:Listeners:imap:Protocol"] = "imap";
        settings["Mail:Listeners:imap:Endpoint"] = "127.0.0.1:0";
        settings["Mail:Listeners:pop3s:Protocol"] = "pop3";
        settings["Mail:Listeners:pop3s:Endpoint"] = "127.0.0.1:0";
        settings["Mail:Listeners:pop3s:ImplicitTls"] = "true";
        settings["Mail:Listeners:pop3s:MaxConnectionsPerAddress"] = "200";
        // The probes fail on purpose from one address; the tarpit would only slow them down. A
        // login still locks after UsernameLockoutThreshold failures (OAuthSaslTests counts them).
        settings["Auth:Penalties:FreeFailures"] = "1000000";
        settings["Auth:Penalties:AddressLockoutThreshold"] = "1000000";
        settings["Auth:Penalties:UsernameLockoutThreshold"] = UsernameLockoutThreshold.ToString(CultureInfo.InvariantCulture);
        return settings;
    }
}
