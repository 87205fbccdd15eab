using System.Globalization;
using System.Text.RegularExpressions;
using HostedMail.Core.Imap;
using HostedMail.Core.Mailboxes;
using HostedMail.Imap.Server;
using HostedMail.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace HostedMail.Imap.Tests;

/// <summary>
/// Expunged UIDs are remembered for <see cref="ImapServerOptions.ExpungeHistory"/>, then pruned
/// (<see cref="ExpungeHistoryPruner"/>): every reader of the history must notice when it no longer
/// reaches back far enough and still answer right (RFC 7162 sections 3.2.5.2 and 3.2.6).
/// </summary>
public sealed class ExpungeHistoryTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    private ImapTestNode _node = null!;

    public async Task InitializeAsync() => _node = await ImapTestNode.StartAsync(database.ConnectionString);

    public async Task DisposeAsync() => await _node.DisposeAsync();

    private IImapStore Store => _node.Services.GetRequiredService<IImapStore>();

    [Fact]
    public async Task ThePrunerForgetsOnlyWhatIsOlderThanTheHistoryAndNeverLessThanADay()
    {
        var mailbox = await _node.CreateMailboxAsync("prune");
        var (client, _, _) = await SelectedWithMessagesAsync(mailbox, 4);
        await using var _ = client;
        await ExpungeAsync(client, "1");
        await ExpungeAsync(client, "2");
        await ExpungeAsync(client, "3");
        await AgeTombstoneAsync(mailbox, 1, TimeSpan.FromDays(40));
        await AgeTombstoneAsync(mailbox, 2, TimeSpan.FromHours(2));
        var modSeqOfOne = (await TombstonesAsync(mailbox)).Single(t => t.Uid == 1).ModSeq;

        // A history shorter than a day is taken as a day: the two-hour-old tombstone stays.
        var pruner = new ExpungeHistoryPruner(Store, new ImapServerOptions { ExpungeHistory = TimeSpan.FromMinutes(1) }, TimeProvider.System, NullLogger<ExpungeHistoryPruner>.Instance);
        Assert.Equal(1, await pruner.PruneAsync(CancellationToken.None));
        Assert.Equal([2L, 3L], (await TombstonesAsync(mailbox)).Select(t => t.Uid));
        Assert.Equal(modSeqOfOne, await HorizonAsync(mailbox));

        // Nothing more is old enough; a second pass (another node's) changes nothing.
        Assert.Equal(0, await pruner.PruneAsync(CancellationToken.None));
        Assert.Equal(modSeqOfOne, await HorizonAsync(mailbox));
    }

    [Fact]
    public async Task QresyncFromBeforeTheHorizonReportsEveryUidTheFolderNoLongerHolds()
    {
        var mailbox = await _node.CreateMailboxAsync("qr");
        var (client, uidValidity, modSeq) = await SelectedWithMessagesAsync(mailbox, 6);
        await using var _ = client;
        await ExpungeAsync(client, "2:3");
        await PruneEverythingAsync();
        var horizon = await HorizonAsync(mailbox);
        await ExpungeAsync(client, "5");

        var other = await ImapClient.LoginAsync(_node.Port, mailbox.Address);
        await using var __ = other;
        await other.CommandAsync("ENABLE QRESYNC");

        // From before the horizon: 2:3 (forgotten, found missing) and 5 (remembered).
        Assert.Contains("* VANISHED (EARLIER) 2:3,5", await other.CommandAsync($"SELECT INBOX (QRESYNC ({uidValidity} {modSeq}))"));
        // With known UIDs: only those the client names, and never above UIDNEXT.
        Assert.Contains("* VANISHED (EARLIER) 3", await other.CommandAsync($"SELECT INBOX (QRESYNC ({uidValidity} {modSeq} 3:4,100:200))"));
        // From the horizon on, the history is complete: only what was expunged since.
        Assert.Contains("* VANISHED (EARLIER) 5", await other.CommandAsync($"SELECT INBOX (QRESYNC ({uidValidity} {horizon}))"));

        var fetch = await other.CommandAsync($"UID FETCH 1:* (FLAGS) (CHANGEDSINCE {modSeq} VANISHED)");
        Assert.Equal("* VANISHED (EARLIER) 2:3,5", fetch[0]);
        fetch = await other.CommandAsync($"UID FETCH 3:5 (FLAGS) (CHANGEDSINCE {modSeq} VANISHED)");
        Assert.Equal("* VANISHED (EARLIER) 3,5", fetch[0]);
        fetch = await other.CommandAsync($"UID FETCH 1:* (FLAGS) (CHANGEDSINCE {horizon} VANISHED)");
        Assert.Equal("* VANISHED (EARLIER) 5", fetch[0]);
    }

    [Fact]
    public async Task ASessionWhoseExpungesWerePrunedBeforeItLookedStillReportsThem()
    {
        var mailbox = await _node.CreateMailboxAsync("late");
        var (client, _, _) = await SelectedWithMessagesAsync(mailbox, 4);
        await using var _ = client;
        var watcher = await ImapClient.LoginAsync(_node.Port, mailbox.Address);
        await using var __ = watcher;
        await watcher.CommandAsync("SELECT INBOX");
        await watcher.CommandAsync("FETCH 1:* (UID)");

        await ExpungeAsync(client, "2");
        await PruneEverythingAsync();

        var noop = await watcher.CommandAsync("NOOP");
        Assert.Contains("* 2 EXPUNGE", noop);
        Assert.Equal(["* 1 FETCH (UID 1)", "* 2 FETCH (UID 3)", "* 3 FETCH (UID 4)"], (await watcher.CommandAsync("FETCH 1:* (UID)"))[..^1]);
    }

    [Fact]
    public async Task AUidListKeptFromBeforeTheHorizonIsReadAgainWhole()
    {
        var mailbox = await _node.CreateMailboxAsync("kept");
        var (client, _, _) = await SelectedWithMessagesAsync(mailbox, 5);
        await using var _ = client;
        await client.CommandAsync("FETCH 1:* (UID)"); // the node keeps this state's UID list

        // A session that is not selected meanwhile expunges; the kept list's state is then older than the horizon.
        await using (var other = await ImapClient.LoginAsync(_node.Port, mailbox.Address))
        {
            await other.CommandAsync("SELECT INBOX");
            await ExpungeAsync(other, "2,4");
        }

        await PruneEverythingAsync();

        await using var late = await ImapClient.LoginAsync(_node.Port, mailbox.Address);
        Assert.Contains("* 3 EXISTS", await late.CommandAsync("SELECT INBOX"));
        Assert.Equal(["* 1 FETCH (UID 1)", "* 2 FETCH (UID 3)", "* 3 FETCH (UID 5)"], (await late.CommandAsync("FETCH 1:* (UID)"))[..^1]);
    }

    /// <summary>A mailbox with <paramref name="count"/> messages (UIDs 1..count) selected with QRESYNC by a new session; its UIDVALIDITY and HIGHESTMODSEQ.</summary>
    private async Task<(ImapClient Client, long UidValidity, long ModSeq)> SelectedWithMessagesAsync(Mailbox mailbox, int count)
    {
        for (var i = 0; i < count; i++)
        {
            await _node.DeliverAsync(mailbox, ImapTestNode.Message("m" + i));
        }

        var client = await ImapClient.LoginAsync(_node.Port, mailbox.Address);
        await client.CommandAsync("ENABLE QRESYNC");
        var select = string.Join('\n', await client.CommandAsync("SELECT INBOX"));
        return (client, Number(select, "UIDVALIDITY"), Number(select, "HIGHESTMODSEQ"));
    }

    private static long Number(string response, string code) =>
        long.Parse(Regex.Match(response, code + @" (\d+)").Groups[1].Value, CultureInfo.InvariantCulture);

    private static async Task ExpungeAsync(ImapClient client, string uids)
    {
        await client.CommandAsync($"UID STORE {uids} +FLAGS.SILENT (\\Deleted)");
        Assert.EndsWith("UID EXPUNGE completed", (await client.CommandAsync($"UID EXPUNGE {uids}"))[^1], StringComparison.Ordinal);
    }

    /// <summary>Prunes every tombstone there is, as if the history had run out (the pruner itself keeps at least a day).</summary>
    private async Task PruneEverythingAsync()
    {
        while (await Store.PruneExpungeHistoryAsync(DateTimeOffset.UtcNow.AddMinutes(1), 100, CancellationToken.None) > 0)
        {
        }
    }

    private async Task AgeTombstoneAsync(Mailbox mailbox, long uid, TimeSpan age) =>
        await ExecuteAsync($"UPDATE expunged_messages SET expunged_at = now() - interval '{(long)age.TotalSeconds} seconds' WHERE tenant_id = $1 AND uid = $2", mailbox.TenantId, uid);

    private async Task<List<(long Uid, long ModSeq)>> TombstonesAsync(Mailbox mailbox)
    {
        await using var command = Command("SELECT uid, modseq FROM expunged_messages WHERE tenant_id = $1 ORDER BY uid", mailbox.TenantId);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<(long, long)>();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetInt64(0), reader.GetInt64(1)));
        }

        return rows;
    }

    private async Task<long> HorizonAsync(Mailbox mailbox)
    {
        await using var command = Command("SELECT expunge_horizon FROM folders WHERE tenant_id = $1 AND mailbox_id = $2 AND name = 'INBOX'", mailbox.TenantId, mailbox.MailboxId);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private async Task ExecuteAsync(string sql, params object[] values)
    {
        await using var command = Command(sql, values);
        await command.ExecuteNonQueryAsync();
    }

    private NpgsqlCommand Command(string sql, params object[] values)
    {
        var command = database.Database.DataSource.CreateCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        return command;
    }
}
