using System.Text;
using HostedMail.Core.Imap;
using HostedMail.Core.Mailboxes;
using HostedMail.Core.Messages;
using HostedMail.IntegrationTests.Cli;
using HostedMail.Server.Node;
using HostedMail.Storage.Migrations;
using HostedMail.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace HostedMail.IntegrationTests.Storage;

/// <summary>
/// What a PostgreSQL crash keeps of a STORE the client was told OK to: everything by default, and
/// with <c>Imap:DurableFlagChanges</c> off only what a later durable commit carried to disk.
/// On a cluster of its own, crashed with <c>pg_ctl stop -m immediate</c>. Nothing else writes WAL
/// there: no background writer pages, autovacuum, standby snapshots (wal_level minimal), and the
/// WAL writer sleeps 10 s, so a commit not flushed when OK was given is still unflushed at the crash.
/// </summary>
public sealed class FlagDurabilityTests : IAsyncLifetime
{
    private const string Database = "flags";

    private PrivatePostgres cluster = null!;

    public async Task InitializeAsync()
    {
        cluster = await PrivatePostgres.StartAsync(
            "wal_writer_delay = 10s", "bgwriter_lru_maxpages = 0", "autovacuum = off", "wal_level = minimal", "max_wal_senders = 0");
        await using (var admin = new NpgsqlConnection(cluster.AdminConnectionString))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {Database}", admin);
            await create.ExecuteNonQueryAsync();
        }

        await using var dataSource = NpgsqlDataSource.Create(cluster.ConnectionStringFor(Database) + ";Pooling=false");
        await new MigrationRunner(dataSource, new EmbeddedMigrationSource()).ApplyAsync();
    }

    public async Task DisposeAsync() => await cluster.DisposeAsync();

    [Fact]
    public async Task AStoreConfirmedToTheClientSurvivesAPostgresCrash()
    {
        var (mailbox, uid, folderId) = await DeliverAsync("durable", durableFlags: true);
        await using (var node = Node(durableFlags: true))
        {
            await SwitchWalAsync();
            await FlagAsync(node, mailbox, folderId, uid);
            Assert.False(await UnflushedWalAsync(), "the STORE's commit was on disk when it returned");
        }

        await cluster.CrashAndRestartAsync();
        Assert.Equal("True", await FlaggedAsync(folderId, uid));
    }

    [Fact]
    public async Task ADeferredStoreIsLostInACrashUnlessALaterDurableCommitCarriedIt()
    {
        var (mailbox, uid, folderId) = await DeliverAsync("deferred", durableFlags: false);
        await using (var node = Node(durableFlags: false))
        {
            await SwitchWalAsync();
            await FlagAsync(node, mailbox, folderId, uid);
            Assert.True(await UnflushedWalAsync(), "the STORE returned before its commit was flushed");
        }

        await cluster.CrashAndRestartAsync();
        Assert.Equal("False", await FlaggedAsync(folderId, uid));
        Assert.Equal("1", await cluster.ScalarAsync(Database, $"SELECT count(*) FROM messages WHERE folder_id = {folderId}"));

        // Flagged again, then a delivery (durable) to the same mailbox: the WAL is flushed in order,
        // so the delivery's commit takes the flag change to disk with it.
        await using (var node = Node(durableFlags: false))
        {
            await FlagAsync(node, mailbox, folderId, uid);
            await node.GetRequiredService<IMessageStore>().StoreAsync(Request(mailbox, "second"), CancellationToken.None);
        }

        await cluster.CrashAndRestartAsync();
        Assert.Equal("True", await FlaggedAsync(folderId, uid));
        Assert.Equal("2", await cluster.ScalarAsync(Database, $"SELECT count(*) FROM messages WHERE folder_id = {folderId}"));
    }

    private ServiceProvider Node(bool durableFlags)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Database:ConnectionString"] = cluster.ConnectionStringFor(Database),
            ["Security:PasswordHashIterations"] = "1000",
            ["Imap:DurableFlagChanges"] = durableFlags ? "true" : "false",
        }).Build();
        return new ServiceCollection().AddHostedMailCore(configuration).BuildServiceProvider();
    }

    private async Task<(Mailbox Mailbox, long Uid, long FolderId)> DeliverAsync(string name, bool durableFlags)
    {
        var cli = new CliRunner(cluster.ConnectionStringFor(Database));
        await cli.OkAsync("tenant", "create", name + "-co");
        await cli.OkAsync("domain", "add", name + ".example", "--tenant", name + "-co", "--verified");
        await cli.OkAsync("mailbox", "create", $"{name}@{name}.example", "--tenant", name + "-co", "--password", "a long enough password");
        await using var node = Node(durableFlags);
        var mailbox = (await node.GetRequiredService<IMailboxStore>().ListAsync(null, null, CancellationToken.None)).Single(m => m.Address == $"{name}@{name}.example");
        var delivered = (await node.GetRequiredService<IMessageStore>().StoreAsync(Request(mailbox, "first"), CancellationToken.None)).Deliveries[0];
        return (mailbox, delivered.Uid, delivered.FolderId);
    }

    private static async Task FlagAsync(ServiceProvider node, Mailbox mailbox, long folderId, long uid)
    {
        var result = await node.GetRequiredService<IImapStore>().StoreFlagsAsync(mailbox.TenantId, mailbox.MailboxId, folderId,
            new FlagStoreRequest([uid], FlagStoreMode.Add, MessageFlags.Flagged, [], null), CancellationToken.None);
        Assert.True(Assert.Single(result.Messages).Changed);
    }

    /// <summary>Everything written so far is flushed, and what comes next starts a new WAL segment (no page boundary to nudge the WAL writer).</summary>
    private Task SwitchWalAsync() => cluster.ScalarAsync(Database, "SELECT pg_switch_wal()");

    private async Task<bool> UnflushedWalAsync() =>
        await cluster.ScalarAsync(Database, "SELECT pg_current_wal_insert_lsn() > pg_current_wal_flush_lsn()") == "True";

    private Task<string?> FlaggedAsync(long folderId, long uid) =>
        cluster.ScalarAsync(Database, $"SELECT flags & {(int)MessageFlags.Flagged} <> 0 FROM messages WHERE folder_id = {folderId} AND uid = {uid}");

    private static StoreRequest Request(Mailbox mailbox, string body) => new(
        new MessageData(Encoding.ASCII.GetBytes($"From: a@example.org\r\nSubject: {body}\r\n\r\n{body}\r\n"), MessageSummary.Empty with { Subject = body }),
        [new MailboxDelivery(mailbox.TenantId, mailbox.MailboxId, null, MessageFlags.None, [], DateTimeOffset.UtcNow)], []);
}
