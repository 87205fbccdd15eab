using System.Security.Cryptography.X509Certificates;
using System.Text;
using HostedMail.Core.Audit;
using HostedMail.Core.Domains;
using HostedMail.Core.Mailboxes;
using HostedMail.Core.Messages;
using HostedMail.Core.Security;
using HostedMail.Core.Tenants;
using HostedMail.Identity;
using HostedMail.Imap.Server;
using HostedMail.Net;
using HostedMail.Storage;
using HostedMail.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace HostedMail.Imap.Tests;

/// <summary>
/// One node for the tests: Kestrel with an "imap" listener (plaintext, STARTTLS) and an "imaps"
/// listener (implicit TLS) on port 0, composed with AddImap/BindMailListeners as the node does, over a
/// test database. Two of them on one database stand for two hostedmail processes.
/// </summary>
public sealed class ImapTestNode : IAsyncDisposable
{
    public const string Password = "a long enough password";

    private static readonly Lazy<X509Certificate2> SharedCertificate = new(() => TestCertificates.Create("localhost"));
    private static int _counter;

    private readonly WebApplication _app;

    private ImapTestNode(WebApplication app)
    {
        _app = app;
        var listeners = app.Services.GetRequiredService<MailListenerRegistry>();
        Port = listeners.EndPoint("imap").Port;
        TlsPort = listeners.EndPoint("imaps").Port;
    }

    public int Port { get; }

    public int TlsPort { get; }

    public IServiceProvider Services => _app.Services;

    public static X509Certificate2 Certificate => SharedCertificate.Value;

    /// <param name="configureServices">Runs after the node's own registrations: tests replace services there (fault injection, log capture).</param>
    public static async Task<ImapTestNode> StartAsync(string connectionString, bool allowPlaintext = true, IReadOnlyDictionary<string, string?>? overrides = null, Action<IServiceCollection>? configureServices = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Imap:AllowPlaintextAuthentication"] = allowPlaintext ? "true" : "false",
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var app = await ProtocolTestHost.StartAsync(connectionString, Certificate, "imap", settings, (services, configuration) =>
        {
            services.AddImap(configuration);
            configureServices?.Invoke(services);
        });
        return new ImapTestNode(app);
    }

    /// <summary>A new tenant, verified domain and mailbox with a unique name; returns the mailbox.</summary>
    public async Task<Mailbox> CreateMailboxAsync(string name, long? quotaBytes = null)
    {
        name = name + Interlocked.Increment(ref _counter) + Environment.ProcessId;
        var tenant = await Services.GetRequiredService<TenantService>().CreateAsync(name + "-co", null, Actor.OperatorCli);
        await Services.GetRequiredService<DomainService>().AddAsync(tenant.TenantId, name + ".example", Actor.OperatorCli, operatorVerified: true);
        return await Services.GetRequiredService<MailboxService>().CreateAsync(tenant.TenantId, $"{name}@{name}.example", Password, quotaBytes, null, Actor.OperatorCli);
    }

    /// <summary>The folder id of the mailbox's INBOX.</summary>
    public async Task<long> InboxIdAsync(Mailbox mailbox) =>
        (await Services.GetRequiredService<IFolderStore>().GetFolderAsync(mailbox.TenantId, mailbox.MailboxId, "INBOX", CancellationToken.None))!.FolderId;

    /// <summary>Delivers a message to the mailbox's INBOX (as SMTP does) and returns its UID.</summary>
    public async Task<long> DeliverAsync(Mailbox mailbox, string message)
    {
        var data = MessageParsing.Prepare(Encoding.UTF8.GetBytes(message.ReplaceLineEndings("\r\n")));
        var result = await Services.GetRequiredService<IMessageStore>().StoreAsync(
            new StoreRequest(data, [new MailboxDelivery(mailbox.TenantId, mailbox.MailboxId, null, MessageFlags.None, [], DateTimeOffset.UtcNow)], []),
            CancellationToken.None);
        return result.Deliveries[0].Uid;
    }

    public static string Message(string subject, string body = "Hello there.", string from = "ann@sender.example", string to = "bob@example.com", string? extraHeaders = null) =>
        $"From: Ann <{from}>\r\nTo: {to}\r\nSubject: {subject}\r\nDate: Sat, 21 Nov 2026 10:00:00 +0000\r\nMessage-ID: <{Guid.NewGuid():N}@sender.example>\r\n{extraHeaders}MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n";

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
