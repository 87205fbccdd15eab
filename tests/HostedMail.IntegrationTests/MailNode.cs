using System.Net;
using HostedMail.IntegrationTests.Cli;
using HostedMail.Net;
using HostedMail.Server.Node;
using HostedMail.Testing;
using HostedMail.Testing.Dns;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace HostedMail.IntegrationTests;

/// <summary>
/// A whole node started in-process on ephemeral ports, with its own database, a DNS server on
/// loopback for everything it looks up, and a self-signed certificate; seeded with two tenants.
/// </summary>
public class MailNode : IAsyncLifetime
{
    public const string Password = "correct horse battery staple";
    public const string Hostname = "mx.hostedmail.test";

    /// <summary>The operator's key that encrypts the shared Data Protection keys (any 32 bytes, base64).</summary>
    public const string DataProtectionKey = "aG9zdGVkbWFpbC10ZXN0LWRhdGEtcHJvdGVjdGlvbiE=";

    private readonly string directory = Directory.CreateTempSubdirectory("hm-node-").FullName;
    private WebApplication? app;

    public TestDatabase Database { get; private set; } = null!;

    public TestDnsServer Dns { get; private set; } = null!;

    public CliRunner Cli { get; private set; } = null!;

    public int SmtpPort => EndPoint("smtp").Port;

    public int SubmissionPort => EndPoint("submission").Port;

    public int SubmissionsPort => EndPoint("submissions").Port;

    public IServiceProvider Services => app!.Services;

    public async Task InitializeAsync()
    {
        Database = await TestDatabase.CreateMigratedAsync();
        Dns = TestDnsServer.Start();
        Cli = new CliRunner(Database.ConnectionString);
        await SeedAsync();
        app = NodeHost.Build(Settings(), ConfigureServices);
        await app.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (app is not null)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }

        await Dns.DisposeAsync();
        await Database.DisposeAsync();
        Directory.Delete(directory, recursive: true);
    }

    /// <summary>Runs after the node's registrations: a fixture that needs a faulty service replaces one here.</summary>
    protected virtual void ConfigureServices(IServiceCollection services)
    {
    }

    public IPEndPoint EndPoint(string listener) => app!.Services.GetRequiredService<MailListenerRegistry>().EndPoint(listener);

    /// <summary>The node's settings: every listener on port 0, DNS from the test server, cheap password hashing.</summary>
    public virtual Dictionary<string, string?> Settings()
    {
        var (certificate, key) = TestCertificates.WritePemPair(directory, Hostname);
        return new Dictionary<string, string?>
        {
            ["Database:ConnectionString"] = Database.ConnectionString,
            ["Security:PasswordHashIterations"] = "1000",
            ["Http:Urls"] = "http://127.0.0.1:0",
            // Every node is a silo: free silo and gateway ports, so test nodes never collide.
            ["Orleans:SiloPort"] = "0",
            ["Orleans:GatewayPort"] = "0",
            ["DataProtection:EncryptionKey"] = DataProtectionKey,
            ["Dns:Servers:0"] = Dns.EndPoint.ToString(),
            ["Tls:Certificates:0:CertificatePath"] = certificate,
            ["Tls:Certificates:0:KeyPath"] = key,
            ["Smtp:Hostname"] = Hostname,
            ["Smtp:PostmasterAddress"] = "alice@acme.example",
            ["Mail:Listeners:smtp:Protocol"] = "smtp",
            ["Mail:Listeners:smtp:Endpoint"] = "127.0.0.1:0",
            ["Mail:Listeners:submission:Protocol"] = "smtp",
            ["Mail:Listeners:submission:Endpoint"] = "127.0.0.1:0",
            ["Mail:Listeners:submissions:Protocol"] = "smtp",
            ["Mail:Listeners:submissions:Endpoint"] = "127.0.0.1:0",
            ["Mail:Listeners:submissions:ImplicitTls"] = "true",
            // Tests make many connections from 127.0.0.1 at once.
            ["Mail:Listeners:smtp:MaxConnectionsPerAddress"] = "200",
            ["Mail:Listeners:submission:MaxConnectionsPerAddress"] = "200",
            // Queued mail stays queued, so tests can look at it; outbound tests drive their own processors.
            ["Outbound:Enabled"] = "false",
            ["Outbound:Srs:Domain"] = "acme.example",
            ["Outbound:Srs:Secret"] = "srs-test-secret",
        };
    }

    /// <summary>One value from the node's database.</summary>
    public async Task<string?> QueryAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(Database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        var result = await command.ExecuteScalarAsync();
        return result is null or DBNull ? null : Convert.ToString(result, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Waits until a message with this subject is stored; for mail that arrives through another MTA on its own schedule.</summary>
    public async Task WaitForSubjectAsync(string subject, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        while (await QueryAsync("SELECT count(*) FROM messages WHERE subject = @s", ("s", subject)) == "0")
        {
            await Task.Delay(50, deadline.Token);
        }
    }

    /// <summary>The raw bytes of every message in a mailbox's folder, in UID order.</summary>
    public async Task<List<byte[]>> MessagesAsync(string address, string folder = "INBOX")
    {
        await using var connection = new NpgsqlConnection(Database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT b.data FROM messages m
            JOIN folders f ON f.tenant_id = m.tenant_id AND f.folder_id = m.folder_id
            JOIN mailboxes x ON x.tenant_id = m.tenant_id AND x.mailbox_id = m.mailbox_id
            JOIN blobs b ON b.tenant_id = m.tenant_id AND b.sha256 = m.blob_sha256
            WHERE x.address = @address AND f.name = @folder ORDER BY m.uid
            """, connection);
        command.Parameters.AddWithValue("address", address);
        command.Parameters.AddWithValue("folder", folder);
        await using var reader = await command.ExecuteReaderAsync();
        var list = new List<byte[]>();
        while (await reader.ReadAsync())
        {
            list.Add(reader.GetFieldValue<byte[]>(0));
        }

        return list;
    }

    protected virtual async Task SeedAsync()
    {
        await Cli.OkAsync("tenant", "create", "acme", "--plan", "business");
        await Cli.OkAsync("domain", "add", "acme.example", "--tenant", "acme", "--verified");
        await Cli.OkAsync("domain", "add", "pending.example", "--tenant", "acme");
        await Cli.OkAsync("mailbox", "create", "alice@acme.example", "--tenant", "acme", "--password", Password);
        await Cli.OkAsync("mailbox", "create", "bob@acme.example", "--tenant", "acme", "--password", Password);
        await Cli.OkAsync("alias", "create", "team@acme.example", "alice@acme.example", "bob@acme.example", "--tenant", "acme");
        await Cli.OkAsync("alias", "create", "sales@acme.example", "alice@acme.example", "--tenant", "acme");
        await Cli.OkAsync("tenant", "create", "other");
        await Cli.OkAsync("domain", "add", "other.example", "--tenant", "other", "--verified");
        await Cli.OkAsync("mailbox", "create", "carol@other.example", "--tenant", "other", "--password", Password);
    }
}
