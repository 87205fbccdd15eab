using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace HostedMail.Net;

/// <summary>One configured mail listener (configuration section <c>Mail:Listeners:NAME</c>).</summary>
public sealed class MailListenerSettings
{
    /// <summary>"smtp", "imap" or "pop3": the <see cref="MailProtocolBinding"/> that serves it.</summary>
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

/// <summary>Binds the configured mail listeners on Kestrel, each through its protocol's binding.</summary>
public static class MailListenerHosting
{
    /// <summary>
    /// Binds every listener of <c>Mail:Listeners</c>; call inside <c>ConfigureKestrel</c>. Needs
    /// <see cref="MailListenerExtensions.AddMailNet"/> and the protocols' <see cref="MailProtocolBinding"/>s.
    /// An implicit-TLS listener without a certificate is skipped with a warning.
    /// </summary>
    public static KestrelServerOptions BindMailListeners(this KestrelServerOptions kestrel, IConfiguration configuration)
    {
        var services = kestrel.ApplicationServices;
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("HostedMail.Net.MailListenerHosting");
        var bindings = services.GetServices<MailProtocolBinding>().ToDictionary(b => b.Protocol, StringComparer.OrdinalIgnoreCase);
        var hasCertificates = services.GetRequiredService<MailNetServices>().Certificates?.HasCertificates == true;
        var registry = services.GetRequiredService<MailListenerRegistry>();
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
                Protocol = binding.Protocol,
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
            kestrel.Listen(IPEndPoint.Parse(settings.Endpoint), listen =>
            {
                binding.Bind(listen, listener);
                registry.Add(section.Key, listener, listen);
            });
        }

        return kestrel;
    }
}

/// <summary>The mail listeners a node bound; after start, each one's real endpoint (port 0 resolved).</summary>
public sealed class MailListenerRegistry : IDisposable
{
    private readonly Dictionary<string, (MailListener Listener, ListenOptions Options)> _listeners = new(StringComparer.OrdinalIgnoreCase);

    internal void Add(string name, MailListener listener, ListenOptions options) => _listeners[name] = (listener, options);

    /// <summary>The names of the bound listeners.</summary>
    public IReadOnlyCollection<string> Names => _listeners.Keys;

    /// <summary>The bound endpoint of a listener (valid once the server started).</summary>
    public IPEndPoint EndPoint(string name) => _listeners[name].Options.IPEndPoint!;

    /// <summary>
    /// What a listener is, for the node's start-up log: "IMAP listening on 127.0.0.1:1143 (STARTTLS)",
    /// "IMAP listening on 127.0.0.1:1993 (TLS)", "+ PROXY v2" behind a balancer (valid once the server started).
    /// </summary>
    public string Describe(string name, bool tlsAvailable)
    {
        var (listener, options) = _listeners[name];
        var o = listener.Options;
        var tls = o.ImplicitTls ? "TLS" : tlsAvailable ? (o.Protocol.Equals("pop3", StringComparison.OrdinalIgnoreCase) ? "STLS" : "STARTTLS") : "no TLS: no certificate configured";
        var proxy = o.ProxyProtocol ? ", PROXY protocol" : "";
        return $"{o.Protocol.ToUpperInvariant()} listening on {options.IPEndPoint} ({tls}{proxy}) as {name}";
    }

    /// <summary>The listener, e.g. to request its shutdown.</summary>
    public MailListener Listener(string name) => _listeners[name].Listener;

    public void Dispose()
    {
        foreach (var (listener, _) in _listeners.Values)
        {
            listener.Dispose();
        }
    }
}
