using HostedMail.Core.Imap;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace HostedMail.IntegrationTests.Corpus;

/// <summary>
/// A <see cref="MailNode"/> that also listens on IMAP, IMAPS and POP3S and has three more
/// mailboxes, so corpus and interop tests read back over the protocols what they delivered.
/// </summary>
public sealed class CorpusNode : MailNode
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<Task<object>>> _once = new(StringComparer.Ordinal);

    public int ImapPort => EndPoint("imap").Port;

    public int ImapsPort => EndPoint("imaps").Port;

    public int Pop3sPort => EndPoint("pop3s").Port;

    public override Dictionary<string, string?> Settings()
    {
        var settings = base.Settings();
        // Plain IMAP is for the raw corpus client on loopback; MailKit uses IMAPS.
        settings["Imap:AllowPlaintextAuthentication"] = "true";
        foreach (var (name, protocol, tls) in new[] { ("imap", "imap", false), ("imaps", "imap", true), ("pop3s", "pop3", true) })
        {
            settings[$"Mail:Listeners:{name}:Protocol"] = protocol;
            settings[$"Mail:Listeners:{name}:Endpoint"] = "127.0.0.1:0";
            settings[$"Mail:Listeners:{name}:ImplicitTls"] = tls ? "true" : "false";
            settings[$"Mail:Listeners:{name}:MaxConnectionsPerAddress"] = "200";
        }

        return settings;
    }

    /// <summary>MailNode's seed, plus a mailbox per corpus and interop test in acme.example.</summary>
    protected override async Task SeedAsync()
    {
        await base.SeedAsync();
        foreach (string mailbox in new[] { "carol", "dave", "erin", "frank" })
        {
            await Cli.OkAsync("mailbox", "create", mailbox + "@acme.example", "--tenant", "acme", "--password", Password);
        }
    }

    /// <summary>Runs <paramref name="work"/> once per fixture (tests of one class share an expensive result).</summary>
    public async Task<T> OnceAsync<T>(string key, Func<Task<T>> work) where T : class =>
        (T)await _once.GetOrAdd(key, _ => new Lazy<Task<object>>(async () => await work())).Value;

    /// <summary>How many messages in a mailbox's INBOX begin with these octets (bytea LIKE).</summary>
    public async Task<int> CountStartingWithAsync(string address, string prefix)
    {
        await using var connection = new NpgsqlConnection(Database.ConnectionString);
        await connection.OpenAsync();
        return await CountAsync(connection, address, prefix);
    }

    /// <summary>
    /// Waits, woken by the node's folder change feed (deliveries through this node tell it; no
    /// sleeps), until <paramref name="count"/> such messages are stored in the mailbox's INBOX.
    /// </summary>
    public async Task WaitForCountAsync(string address, string prefix, int count, TimeSpan timeout)
    {
        await using var query = new NpgsqlConnection(Database.ConnectionString);
        await query.OpenAsync();
        long tenantId, mailboxId, folderId;
        await using (var ids = new NpgsqlCommand("""
            SELECT x.tenant_id, x.mailbox_id, f.folder_id FROM mailboxes x
            JOIN folders f ON f.tenant_id = x.tenant_id AND f.mailbox_id = x.mailbox_id AND f.name = 'INBOX'
            WHERE x.address = @address
            """, query))
        {
            ids.Parameters.AddWithValue("address", address);
            await using var reader = await ids.ExecuteReaderAsync();
            Assert.True(await reader.ReadAsync(), $"no INBOX of {address}");
            (tenantId, mailboxId, folderId) = (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
        }

        using var changed = new SemaphoreSlim(0);
        using var subscription = Services.GetRequiredService<IFolderChangeFeed>().Subscribe(tenantId, mailboxId, folderId, _ => changed.Release());
        using var deadline = new CancellationTokenSource(timeout);
        while (await CountAsync(query, address, prefix) < count)
        {
            await changed.WaitAsync(deadline.Token);
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
