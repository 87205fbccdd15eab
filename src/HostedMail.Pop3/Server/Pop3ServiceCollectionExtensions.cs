using System.Net;
using HostedMail.Core.Messages;
using HostedMail.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace HostedMail.Pop3.Server;

/// <summary>
/// The POP3 listeners read from configuration: each has its <see cref="MailListener"/> (limits,
/// shutdown signal) and the endpoints it binds. After the host started, <see cref="Bound"/> holds
/// the Kestrel endpoints with their actual ports (port 0 in tests).
/// </summary>
public sealed class Pop3Listeners : IDisposable
{
    private readonly List<ListenOptions> _bound = [];

    internal Pop3Listeners(IReadOnlyList<(MailListener Listener, IReadOnlyList<IPEndPoint> EndPoints)> listeners) => Listeners = listeners;

    /// <summary>Each configured listener with its endpoints.</summary>
    public IReadOnlyList<(MailListener Listener, IReadOnlyList<IPEndPoint> EndPoints)> Listeners { get; }

    /// <summary>The Kestrel endpoints bound by <see cref="Pop3ServiceCollectionExtensions.ListenPop3"/>, by listener name.</summary>
    public IReadOnlyList<ListenOptions> Bound => _bound;

    internal void Add(ListenOptions options) => _bound.Add(options);

    /// <summary>The port a listener got (after start), e.g. for tests binding port 0.</summary>
    public int PortOf(string listenerName)
    {
        var index = 0;
        foreach (var (listener, endPoints) in Listeners)
        {
            if (listener.Options.Name == listenerName)
            {
                return _bound[index].IPEndPoint!.Port;
            }

            index += endPoints.Count;
        }

        throw new InvalidOperationException($"No POP3 listener named {listenerName}.");
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var (listener, _) in Listeners)
        {
            listener.Dispose();
        }
    }
}

/// <summary>Composition of the POP3 server.</summary>
public static class Pop3ServiceCollectionExtensions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Pop3";

    /// <summary>
    /// Registers the POP3 server from section <c>Pop3</c> (<see cref="Pop3ServerOptions"/> and
    /// <c>Pop3:Listeners:{name}</c> with <c>EndPoints</c>, <c>ImplicitTls</c>, <c>ProxyProtocol</c>,
    /// <c>TrustedProxies</c>, <c>MaxConnections</c>, <c>MaxConnectionsPerAddress</c>). Needs
    /// <c>AddMailNet</c>, an <see cref="ICredentialVerifier"/> and the storage services.
    /// </summary>
    public static IServiceCollection AddPop3(this IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection(SectionName);
        var options = new Pop3ServerOptions();
        section.Bind(options);
        var listeners = ReadListeners(section.GetSection("Listeners"));
        services.AddSingleton(options);
        services.AddSingleton(_ => new Pop3Listeners(listeners));
        services.AddSingleton(sp => new Pop3Services(
            options,
            sp.GetRequiredService<MailAuthenticator>(),
            sp.GetRequiredService<IFolderStore>(),
            sp.GetRequiredService<IMaildropLock>(),
            sp.GetRequiredService<ILoggerFactory>().CreateLogger("HostedMail.Pop3")));
        return services;
    }

    /// <summary>Binds every configured POP3 listener on Kestrel; call inside <c>ConfigureKestrel</c>.</summary>
    public static KestrelServerOptions ListenPop3(this KestrelServerOptions kestrel)
    {
        var pop3 = kestrel.ApplicationServices.GetRequiredService<Pop3Listeners>();
        foreach (var (listener, endPoints) in pop3.Listeners)
        {
            foreach (var endPoint in endPoints)
            {
                kestrel.Listen(endPoint, l =>
                {
                    pop3.Add(l);
                    l.UseMailListener<Pop3ConnectionHandler>(listener);
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
                MaxConnectionsPerAddress = child.GetValue(nameof(MailListenerOptions.MaxConnectionsPerAddress), 20),
            };
            foreach (var network in child.GetSection(nameof(MailListenerOptions.TrustedProxies)).GetChildren())
            {
                options.TrustedProxies.Add(IPNetwork.Parse(network.Value!));
            }

            var endPoints = child.GetSection("EndPoints").GetChildren()
                .Select(e => IPEndPoint.Parse(e.Value ?? throw new InvalidOperationException($"Pop3:Listeners:{child.Key}:EndPoints has an empty entry.")))
                .ToList();
            if (endPoints.Count == 0)
            {
                throw new InvalidOperationException($"Pop3:Listeners:{child.Key} has no EndPoints.");
            }

            result.Add((new MailListener(options), endPoints));
        }

        return result;
    }
}
