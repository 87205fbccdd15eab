using System.Security.Cryptography.X509Certificates;
using System.Text;
using HostedMail.Core.Audit;
using HostedMail.Core.Domains;
using HostedMail.Core.Mailboxes;
using HostedMail.Core.Messages;
using HostedMail.Core.Security;
using HostedMail.Core.Tenants;
using HostedMail.Identity;
using HostedMail.Net;
using HostedMail.Pop3.Server;
using HostedMail.Storage;
using HostedMail.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace HostedMail.Pop3.Tests;

/// <summary>
/// One "node" for the tests: Kestrel with the POP3 listeners ("pop3" plain with STLS, "pop3s"
/// implicit TLS) on port 0, composed with AddPop3/BindMailListeners exactly as the node does, over a
/// test database. Several nodes on one database stand for several hostedmail processes.
/// </summary>
public sealed class Pop3TestNode : IAsyncDisposable
{
    public const string Password = "a long enough password";

    private static readonly Lazy<X509Certificate2> SharedCertificate = new(() => TestCertificates.Create("localhost"));

    private readonly WebApplication _app;

    private Pop3TestNode(WebApplication app)
    {
        _app = app;
        var listeners = app.Services.GetRequiredService<MailListenerRegistry>();
        Port = listeners.EndPoint("pop3").Port;
        TlsPort = listeners.EndPoint("pop3s").Port;
    }

    public int Port { get; }

    public int TlsPort { get; }

    public IServiceProvider Services => _app.Services;

    public static X509Certificate2 Certificate => SharedCertificate.Value;

    public static async Task<Pop3TestNode> StartAsync(string connectionString, bool allowPlaintext = true, IReadOnlyDictionary<string, string?>? overrides = null, Action<IServiceCollection>? configureServices = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Pop3:Hostname"] = "pop.test",
            ["Pop3:AllowPlaintextAuthentication"] = allowPlaintext ? "true" : "false",
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var app = await ProtocolTestHost.StartAsync(connectionString, Certificate, "pop3", settings, (services, configuration) =>
        {
            services.AddPop3(configuration);
            configureServices?.Invoke(services);
        });
        return new Pop3TestNode(app);
    }

    /// <summary>A new tenant, verified domain and mailbox; returns the mailbox.</summary>
    public async Task<Mailbox> CreateMailboxAsync(string name)
    {
        var tenant = await Services.GetRequiredService<TenantService>().CreateAsync(name + "-co", null, Actor.OperatorCli);
        await Services.GetRequiredService<DomainService>().AddAsync(tenant.TenantId, name + ".example", Actor.OperatorCli, operatorVerified: true);
        return await Services.GetRequiredService<MailboxService>().CreateAsync(tenant.TenantId, $"{name}@{name}.example", Password, null, null, Actor.OperatorCli);
    }

    /// <summary>Delivers a message to the mailbox's INBOX and returns its UID.</summary>
    public async Task<long> DeliverAsync(Mailbox mailbox, string message)
    {
        var data = MessageParsing.Prepare(Encoding.UTF8.GetBytes(message));
        var result = await Services.GetRequiredService<IMessageStore>().StoreAsync(
            new StoreRequest(data, [new MailboxDelivery(mailbox.TenantId, mailbox.MailboxId, null, MessageFlags.None, [], DateTimeOffset.UtcNow)], []),
            CancellationToken.None);
        return result.Deliveries[0].Uid;
    }

    public async Task<Folder> InboxAsync(Mailbox mailbox) =>
        (await Services.GetRequiredService<IFolderStore>().GetFolderAsync(mailbox.TenantId, mailbox.MailboxId, "INBOX", CancellationToken.None))!;

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
