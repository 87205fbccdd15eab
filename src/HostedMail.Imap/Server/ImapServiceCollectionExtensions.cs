using System.Net;
using HostedMail.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace HostedMail.Imap.Server;

/// <summary>Composition of the IMAP server.</summary>
public static class ImapServiceCollectionExtensions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Imap";

    /// <summary>
    /// Registers the IMAP server from section <c>Imap</c> (<see cref="ImapServerOptions"/>, and
    /// <c>Imap:Listeners:{name}</c> with <c>EndPoints</c>, <c>ImplicitTls</c>, <c>ProxyProtocol</c>,
    /// <c>TrustedProxies</c>, <c>MaxConnections</c>, <c>MaxConnectionsPerAddress</c>). Needs
    /// <c>AddMailNet</c>, an <see cref="ICredentialVerifier"/> and the storage services.
    /// </summary>
    public static IServiceCollection AddImap(this IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection(SectionName);
        var options = new ImapServerOptions();
        section.Bind(options);
        services.AddSingleton(options);
        services.AddSingleton(new ImapListeners(ReadListeners(section.GetSection("Listeners"))));
        return services;
    }

    /// <summary>Binds every configured IMAP listener on Kestrel; call inside <c>ConfigureKestrel</c>.</summary>
    public static KestrelServerOptions ListenImap(this KestrelServerOptions kestrel)
    {
        var imap = kestrel.ApplicationServices.GetRequiredService<ImapListeners>();
        foreach (var (listener, endPoints) in imap.Listeners)
        {
            foreach (var endPoint in endPoints)
            {
                kestrel.Listen(endPoint, l =>
                {
                    imap.Bound.Add((listener.Options.Name, l));
                    l.UseMailListener<ImapConnectionHandler>(listener);
                });
            }
        }

        return kestrel;
    }

    private static List<(MailListener, IReadOnlyList<IPEndPoint>)> ReadListeners(IConfigurationSection section)
    {
        var result = new List<(MailListener, IReadOnlyList<IPEndPoint>)>();
        foreach (var child in section.GetChildren())
        {
            var options = new MailListenerOptions
            {
                Name = child.Key,
                ImplicitTls = child.GetValue(nameof(MailListenerOptions.ImplicitTls), false),
                ProxyProtocol = child.GetValue(nameof(MailListenerOptions.ProxyProtocol), false),
                MaxConnections = child.GetValue(nameof(MailListenerOptions.MaxConnections), 10_000),
                MaxConnectionsPerAddress = child.GetValue(nameof(MailListenerOptions.MaxConnectionsPerAddress), 50),
            };
            foreach (var network in child.GetSection(nameof(MailListenerOptions.TrustedProxies)).GetChildren())
            {
                options.TrustedProxies.Add(IPNetwork.Parse(network.Value!));
            }

            var endPoints = child.GetSection("EndPoints").GetChildren()
                .Select(e => IPEndPoint.Parse(e.Value ?? throw new InvalidOperationException($"Imap:Listeners:{child.Key}:EndPoints has an empty entry.")))
                .ToList();
            if (endPoints.Count == 0)
            {
                throw new InvalidOperationException($"Imap:Listeners:{child.Key} has no EndPoints.");
            }

            result.Add((new MailListener(options), endPoints));
        }

        return result;
    }
}

/// <summary>The configured IMAP listeners and their end points (resolve it to learn bound ports).</summary>
public sealed class ImapListeners(List<(MailListener Listener, IReadOnlyList<IPEndPoint> EndPoints)> listeners) : IDisposable
{
    public IReadOnlyList<(MailListener Listener, IReadOnlyList<IPEndPoint> EndPoints)> Listeners { get; } = listeners;

    /// <summary>Kestrel's endpoint options per listener name; after start they carry the bound port (port 0 in tests).</summary>
    public List<(string Name, ListenOptions Options)> Bound { get; } = [];

    /// <summary>The port a listener is bound to (the first end point).</summary>
    public int PortOf(string name) => Bound.First(b => b.Name == name).Options.IPEndPoint!.Port;

    public void Dispose()
    {
        foreach (var (listener, _) in Listeners)
        {
            listener.Dispose();
        }
    }
}
