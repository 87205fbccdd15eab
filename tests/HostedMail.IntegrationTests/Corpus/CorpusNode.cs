using System.Net;
using HostedMail.IntegrationTests.Cli;
using HostedMail.Net;
using HostedMail.Server.Node;
using HostedMail.Testing;
using HostedMail.Testing.Dns;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace HostedMail.IntegrationTests.Corpus;

/// <summary>
/// A whole node like <see cref="MailNode"/> (same seed: acme.example with alice and bob), with
/// every mail listener on: SMTP (MX), submission, IMAP and IMAPS, POP3 and POP3S, so corpus
/// and interop tests read back over the protocols what they delivered.
/// </summary>
public sealed class CorpusNode : IAsyncLifetime
{
    public const string Password = MailNode.Password;

    private readonly string _directory = Directory.CreateTempSubdirectory("hm-corpus-").FullName;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<Task<object>>> _once = new(StringComparer.Ordinal);
    private WebApplication? _app;

    public TestDatabase Database { get; private set; } = null!;

    public TestDnsServer Dns { get; private set; } = null!;

    public int SmtpPort => EndPoint("smtp").Port;

    public int SubmissionPort => EndPoint("submission").Port;

    public int ImapPort => EndPoint("imap").Port;

    public int ImapsPort => EndPoint("imaps").Port;

    public int Pop3sPort => EndPoint("pop3s").Port;

    public async Task InitializeAsync()
    {
        Database = await TestDatabase.CreateMigratedAsync();
        Dns = TestDnsServer.Start();
        var cli = new CliRunner(Database.ConnectionString);
        await cli.OkAsync("tenant", "create", "acme");
        await cli.OkAsync("domain", "add", "acme.example", "--tenant", "acme", "--verified");
        foreach (string mailbox in new[] { "alice", "bob", "carol", "dave", "erin" })
        {
            await cli.OkAsync("mailbox", "create", mailbox + "@acme.example", "--tenant", "acme", "--password", Password);
        }

        var (certificate, key) = TestCertificates.WritePemPair(_directory, MailNode.Hostname);
        var settings = new Dictionary<string, string?>
        {
            ["Database:ConnectionString"] = Database.ConnectionString,
            ["Security:PasswordHashIterations"] = "1000",
            ["Http:Urls"] = "http://127.0.0.1:0",
            ["Dns:Servers:0"] = Dns.EndPoint.ToString(),
            ["Tls:Certificates:0:CertificatePath"] = certificate,
            ["Tls:Certificates:0:KeyPath"] = key,
            ["Smtp:Hostname"] = MailNode.Hostname,
            ["Smtp:PostmasterAddress"] = "alice@acme.example",
            ["Outbound:Enabled"] = "false",
            ["Outbound:Srs:Domain"] = "acme.example",
            ["Outbound:Srs:Secret"] = "srs-test-secret",
            // Plain IMAP is for the raw corpus client on loopback; MailKit uses IMAPS.
            ["Imap:AllowPlaintextAuthentication"] = "true",
        };
        foreach (var (name, protocol, tls) in new[] { ("smtp", "smtp", false), ("submission", "smtp", false), ("imap", "imap", false), ("imaps", "imap", true), ("pop3s", "pop3", true) })
        {
            settings[$"Mail:Listeners:{name}:Protocol"] = protocol;
            settings[$"Mail:Listeners:{name}:Endpoint"] = "127.0.0.1:0";
            settings[$"Mail:Listeners:{name}:ImplicitTls"] = tls ? "true" : "false";
            settings[$"Mail:Listeners:{name}:MaxConnectionsPerAddress"] = "200";
        }

        _app = NodeHost.Build(settings);
        await _app.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        await Dns.DisposeAsync();
        await Database.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>Runs <paramref name="work"/> once per fixture (tests of one class share an expensive result).</summary>
    public async Task<T> OnceAsync<T>(string key, Func<Task<T>> work) where T : class =>
        (T)await _once.GetOrAdd(key, _ => new Lazy<Task<object>>(async () => await work())).Value;

    public IPEndPoint EndPoint(string listener) => _app!.Services.GetRequiredService<MailListenerRegistry>().EndPoint(listener);

    /// <summary>Waits, woken by the store's NOTIFY, until a message with this subject is stored.</summary>
    public async Task WaitForSubjectAsync(string subject, TimeSpan timeout)
    {
        await using var listener = new NpgsqlConnection(Database.ConnectionString);
        await listener.OpenAsync();
        await using (var listen = new NpgsqlCommand("LISTEN hostedmail_folder", listener))
        {
            await listen.ExecuteNonQueryAsync();
        }

        await using var query = new NpgsqlConnection(Database.ConnectionString);
        await query.OpenAsync();
        using var deadline = new CancellationTokenSource(timeout);
        while (true)
        {
            await using var count = new NpgsqlCommand("SELECT count(*) FROM messages WHERE subject = @s", query);
            count.Parameters.AddWithValue("s", subject);
            if (Convert.ToInt64(await count.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture) > 0)
            {
                return;
            }

            await listener.WaitAsync(deadline.Token);
        }
    }

    /// <summary>How many messages in a mailbox's INBOX begin with these octets (bytea LIKE).</summary>
    public async Task<int> CountStartingWithAsync(string address, string prefix)
    {
        await using var connection = new NpgsqlConnection(Database.ConnectionString);
        await connection.OpenAsync();
        return await CountAsync(connection, address, prefix);
    }

    /// <summary>Waits, woken by the store's NOTIFY (no sleeps), until <paramref name="count"/> such messages are stored.</summary>
    public async Task WaitForCountAsync(string address, string prefix, int count, TimeSpan timeout)
    {
        await using var listener = new NpgsqlConnection(Database.ConnectionString);
        await listener.OpenAsync();
        await using (var listen = new NpgsqlCommand("LISTEN hostedmail_folder", listener))
        {
            await listen.ExecuteNonQueryAsync();
        }

        await using var query = new NpgsqlConnection(Database.ConnectionString);
        await query.OpenAsync();
        using var deadline = new CancellationTokenSource(timeout);
        while (await CountAsync(query, address, prefix) < count)
        {
            await listener.WaitAsync(deadline.Token);
        }
    }

    private static async Task<int> CountAsync(NpgsqlConnection connection, string address, string prefix)
    {
        await using var command = new NpgsqlCommand("""
            SELECT count(*) FROM messages m
            JOIN folders f ON f.tenant_id = m.tenant_id AND f.folder_id = m.folder_id
            JOIN mailboxes x ON x.tenant_id = m.tenant_id AND x.mailbox_id = m.mailbox_id
            JOIN blobs b ON b.tenant_id = m.tenant_id AND b.sha256 = m.blob_sha256
            WHERE x.address = @address AND f.name = 'INBOX' AND position(@prefix IN b.data) = 1
            """, connection);
        command.Parameters.AddWithValue("address", address);
        command.Parameters.AddWithValue("prefix", System.Text.Encoding.ASCII.GetBytes(prefix));
        return Convert.ToInt32(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
