using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using HostedMail.Core.Audit;
using HostedMail.Core.Domains;
using HostedMail.Core.Mailboxes;
using HostedMail.Core.Tenants;
using HostedMail.Imap.Server;
using HostedMail.Net;
using HostedMail.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace HostedMail.Conformance;

/// <summary>
/// The HostedMail side: an IMAP node composed as the real node composes it (ProtocolTestHost,
/// AddImap, Kestrel listeners on port 0) over a fresh test database, with mailboxes made through
/// the Core services. Plaintext LOGIN is allowed, as on the Dovecot side (loopback, no TLS).
/// </summary>
public sealed class HostedMailServer : IAsyncDisposable
{
    public const string Password = "conformance password";

    private readonly TestDatabase _database;
    private readonly X509Certificate2 _certificate;
    private readonly WebApplication _app;
    private int _counter;

    private HostedMailServer(TestDatabase database, X509Certificate2 certificate, WebApplication app)
    {
        _database = database;
        _certificate = certificate;
        _app = app;
        Port = app.Services.GetRequiredService<MailListenerRegistry>().EndPoint("imap").Port;
    }

    public int Port { get; }

    public static async Task<HostedMailServer> StartAsync()
    {
        var database = await TestDatabase.CreateMigratedAsync();
        var certificate = CreateCertificate();
        var settings = new Dictionary<string, string?> { ["Imap:AllowPlaintextAuthentication"] = "true" };
        var app = await ProtocolTestHost.StartAsync(database.ConnectionString, certificate, "imap", settings,
            (services, configuration) => services.AddImap(configuration));
        return new HostedMailServer(database, certificate, app);
    }

    /// <summary>A new tenant, domain and mailbox (with the default folders); returns its login address.</summary>
    public async Task<string> CreateMailboxAsync(string name)
    {
        name = $"{name}{Interlocked.Increment(ref _counter)}";
        var services = _app.Services;
        var tenant = await services.GetRequiredService<TenantService>().CreateAsync(name + "-co", null, Actor.OperatorCli);
        await services.GetRequiredService<DomainService>().AddAsync(tenant.TenantId, name + ".example", Actor.OperatorCli, operatorVerified: true);
        var mailbox = await services.GetRequiredService<MailboxService>().CreateAsync(tenant.TenantId, $"{name}@{name}.example", Password, null, null, Actor.OperatorCli);
        return mailbox.Address;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        await _database.DisposeAsync();
        _certificate.Dispose();
    }

    private static X509Certificate2 CreateCertificate()
    {
        // The listeners need a certificate for the implicit-TLS endpoint; the comparison itself runs on
        // the plaintext one, as on Dovecot (ssl = no).
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddDays(-1), now.AddDays(7));
    }
}
