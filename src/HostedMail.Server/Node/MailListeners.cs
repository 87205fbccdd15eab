using System.Net;
using HostedMail.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace HostedMail.Server.Node;

/// <summary>One configured mail listener (section <c>Mail:Listeners:NAME</c>).</summary>
internal sealed class MailListenerSettings
{
    /// <summary>"smtp", "imap" or "pop3": which protocol binding serves it.</summary>
    public string Protocol { get; set; } = "";

    /// <summary>"address:port", e.g. "0.0.0.0:25" or "[::]:993"; port 0 picks a free port (tests).</summary>
    public string Endpoint { get; set; } = "";

    public bool ImplicitTls { get; set; }

    public bool ProxyProtocol { get; set; }

    public List<string> TrustedProxies { get; set; } = [];

    public int MaxConnections { get; set; } = 10_000;

    public int MaxConnectionsPerAddress { get; set; } = 20;

    public bool Enabled { get; set; } = true;
}

/// <summary>Binds HTTP and the configured mail listeners on Kestrel.</summary>
internal static class MailListeners
{
    public static void Configure(KestrelServerOptions kestrel, IConfiguration configuration, ILogger logger)
    {
        foreach (var url in (configuration["Http:Urls"] ?? "http://127.0.0.1:8080").Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var uri = new Uri(url.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal));
            kestrel.Listen(ResolveEndPoint(uri.Host, uri.Port));
        }

        var bindings = kestrel.ApplicationServices.GetServices<MailProtocolBinding>().ToDictionary(b => b.Protocol, StringComparer.OrdinalIgnoreCase);
        var hasCertificates = kestrel.ApplicationServices.GetRequiredService<MailNetServices>().Certificates?.HasCertificates == true;
        foreach (var section in configuration.GetSection("Mail:Listeners").GetChildren())
        {
            var settings = new MailListenerSettings();
            section.Bind(settings);
            if (!settings.Enabled)
            {
                continue;
            }

            if (!bindings.TryGetValue(settings.Protocol, out var binding))
            {
                throw new InvalidOperationException($"mail listener '{section.Key}': no protocol '{settings.Protocol}' in this node");
            }

            if (settings.ImplicitTls && !hasCertificates)
            {
                logger.LogWarning("Mail listener {Name} needs TLS but no certificate is configured (Tls:Certificates); not started", section.Key);
                continue;
            }

            var options = new MailListenerOptions
            {
                Name = section.Key,
                ImplicitTls = settings.ImplicitTls,
                ProxyProtocol = settings.ProxyProtocol,
                MaxConnections = settings.MaxConnections,
                MaxConnectionsPerAddress = settings.MaxConnectionsPerAddress,
            };
            foreach (var network in settings.TrustedProxies)
            {
                options.TrustedProxies.Add(IPNetwork.Parse(network));
            }

            var listener = new MailListener(options);
            var registry = kestrel.ApplicationServices.GetRequiredService<MailListenerRegistry>();
            kestrel.Listen(IPEndPoint.Parse(settings.Endpoint), listen =>
            {
                binding.Bind(listen, listener);
                registry.Add(section.Key, listener, listen);
            });
        }
    }

    private static IPEndPoint ResolveEndPoint(string host, int port) =>
        host == "localhost" ? new IPEndPoint(IPAddress.Loopback, port) : new IPEndPoint(IPAddress.Parse(host.Trim('[', ']')), port);
}

/// <summary>The mail listeners this node bound; after start, each one's real endpoint (port 0 resolved).</summary>
internal sealed class MailListenerRegistry
{
    private readonly Dictionary<string, (MailListener Listener, ListenOptions Options)> _listeners = new(StringComparer.OrdinalIgnoreCase);

    public void Add(string name, MailListener listener, ListenOptions options) => _listeners[name] = (listener, options);

    public IReadOnlyCollection<string> Names => _listeners.Keys;

    /// <summary>The bound endpoint of a listener (valid once the server started).</summary>
    public IPEndPoint EndPoint(string name) => _listeners[name].Options.IPEndPoint!;

    public MailListener Listener(string name) => _listeners[name].Listener;
}
