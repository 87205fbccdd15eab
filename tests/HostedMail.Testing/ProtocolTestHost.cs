using System.Security.Cryptography.X509Certificates;
using HostedMail.Core.Aliases;
using HostedMail.Core.Domains;
using HostedMail.Core.Mailboxes;
using HostedMail.Core.Plans;
using HostedMail.Core.Security;
using HostedMail.Core.Tenants;
using HostedMail.Grains;
using HostedMail.Identity;
using HostedMail.Net;
using HostedMail.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace HostedMail.Testing;

/// <summary>
/// A small node for one protocol's tests (IMAP, POP3): storage, the Core mailbox services, the
/// Net layer with a test certificate, and a plaintext and an implicit-TLS listener on port 0,
/// composed as the real node composes them, and an Orleans silo clustered through the database
/// (the grains coordinate POP3 maildrop locks and folder change notifications). Two of them on
/// one database stand for two nodes of one cluster.
/// </summary>
public static class ProtocolTestHost
{
    /// <param name="protocol">The protocol binding name ("imap", "pop3"); listeners are named PROTOCOL and PROTOCOLs.</param>
    /// <param name="settings">Protocol settings and overrides, applied over the listener defaults.</param>
    /// <param name="addProtocol">Registers the protocol server (e.g. <c>services.AddImap(configuration)</c>).</param>
    public static async Task<WebApplication> StartAsync(string connectionString, X509Certificate2 certificate, string protocol,
        IReadOnlyDictionary<string, string?> settings, Action<IServiceCollection, IConfiguration> addProtocol)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var configuration = new Dictionary<string, string?>();
        foreach (var (name, tls) in new[] { (protocol, false), (protocol + "s", true) })
        {
            configuration[$"Mail:Listeners:{name}:Protocol"] = protocol;
            configuration[$"Mail:Listeners:{name}:Endpoint"] = "127.0.0.1:0";
            configuration[$"Mail:Listeners:{name}:ImplicitTls"] = tls ? "true" : "false";
            // Tests open many connections from 127.0.0.1.
            configuration[$"Mail:Listeners:{name}:MaxConnectionsPerAddress"] = "5000";
        }

        foreach (var (key, value) in settings)
        {
            configuration[key] = value;
        }

        builder.Configuration.AddInMemoryCollection(configuration);
        var services = builder.Services;
        services.AddHostedMailStorage(connectionString);
        // A low PBKDF2 count: the tests exercise the protocol, not the hash's cost.
        services.AddSingleton<IPasswordHasher>(new Pbkdf2PasswordHasher(1000));
        services.AddSingleton<TenantService>();
        services.AddSingleton<DomainService>();
        services.AddSingleton<MailboxService>();
        // What the tenant's grain needs: every login's node watches it for suspensions.
        services.AddSingleton<AliasService>();
        services.AddSingleton(PlanCatalog.Default);
        services.AddSingleton<TenantOperations>();
        // Penalties are tested in HostedMail.Grains.Tests and across nodes in the integration tests;
        // deliberate failures from 127.0.0.1 here must not slow down or lock out the other tests.
        services.AddHostedMailGrains();
        services.AddSingleton<HostedMail.Core.Security.IAuthenticationLimiter, NoAuthenticationLimits>();
        builder.UseOrleans(silo => TestSilo.Configure(silo, connectionString));
        services.AddMailNet(new ServerCertificateSelector([certificate]));
        services.AddMailboxSignIn();
        addProtocol(services, builder.Configuration);
        services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        builder.WebHost.ConfigureKestrel(k => k.BindMailListeners(builder.Configuration));
        var app = builder.Build();
        await app.StartAsync();
        return app;
    }
}
