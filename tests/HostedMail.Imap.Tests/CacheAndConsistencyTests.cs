using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using HostedMail.Core;
using HostedMail.Core.Audit;
using HostedMail.Core.Imap;
using HostedMail.Core.Mailboxes;
using HostedMail.Core.Messages;
using HostedMail.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace HostedMail.Imap.Tests;

/// <summary>
/// What the IMAP speed-ups must not change: cached metadata and content never hide a change, header
/// fetches return exact bytes with and without the stored header block, lazy search text, refused
/// APPENDs change nothing, and a session's own changes are reported once.
/// </summary>
public sealed partial class CacheAndConsistencyTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    private static readonly TimeSpan NotificationDeadline = TimeSpan.FromSeconds(5);

    private ImapTestNode _node = null!;

    public async Task InitializeAsync() => _node = await ImapTestNode.StartAsync(database.ConnectionString);

    public async Task DisposeAsync() => await _node.DisposeAsync();

    [GeneratedRegex(@"FLAGS \(([^)]*)\)")]
    private static partial Regex FlagsPattern();

    [GeneratedRegex(@"HIGHESTMODSEQ (\d+)")]
    private static partial Regex HighestModSeqPattern();

    /// <summary>The flags the last untagged FETCH for <paramref name="seq"/> reported, or null.</summary>
    private static string? LastFlags(IEnumerable<string> lines, int seq) =>
        lines.Where(l => l.StartsWith($"* {seq} FETCH (", StringComparison.Ordinal) && FlagsPattern().IsMatch(l))
            .Select(l => FlagsPattern().Match(l).Groups[1].Value)
            .LastOrDefault();

    private static string AppendCommand(string message, string folder = "INBOX") =>
        $"APPEND {folder} {{{Encoding.UTF8.GetByteCount(message)}+}}\r\n{message}";

    private async Task<T> ScalarAsync<T>(string sql, params (string Name, object Value)[] parameters)
    {
        await using var command = database.Database.DataSource.CreateCommand(sql);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        var result = await command.ExecuteScalarAsync();
        return (T)result!;
    }

    /// <summary>A second node on the same database, a mailbox with one delivered message, and a session on the second node that selected INBOX and fetched its flags (cached).</summary>
    private async Task<(ImapTestNode Node, Mailbox Mailbox, ImapClient Client)> OnSecondNodeAsync(string localPart, string text)
    {
        var node = await ImapTestNode.StartAsync(database.ConnectionString);
        var mailbox = await _node.CreateMailboxAsync(localPart);
        await _node.DeliverAsync(mailbox, ImapTestNode.Message(text));
        var client = await ImapClient.LoginAsync(node.Port, mailbox.Address);
        await client.CommandAsync("SELECT INBOX");
        Assert.Equal(["* 1 FETCH (FLAGS (\\Recent))", "A3 OK FETCH completed"], await client.CommandAsync("FETCH 1 (FLAGS)"));
        return (node, mailbox, client);
    }

    [Fact]
    public async Task ASessionPollingWithNoopFindsAChangeWhoseNotificationWasLostOnceThePollIntervalHasPassed()
    {
        // Clients without IDLE poll with NOOP; a change whose notification was lost (its mailbox's
        // grain moved) must reach them within Imap:IdlePollInterval as it reaches IDLE sessions.
        // This node hears of no change at all, not even the first watch's catch-up.
        await using var polling = await ImapTestNode.StartAsync(database.ConnectionString, overrides: new Dictionary<string, string?> { ["Imap:IdlePollInterval"] = "00:00:00.001" },
            configureServices: services => services.AddSingleton<IFolderChangeFeed>(new DeafFeed()));
        var mailbox = await _node.CreateMailboxAsync("nooppoll");
        await _node.DeliverAsync(mailbox, ImapTestNode.Message("polled"));
        await using var poller = await ImapClient.LoginAsync(polling.Port, mailbox.Address);
        await poller.CommandAsync("SELECT INBOX");
        Assert.Equal(["* 1 FETCH (FLAGS (\\Recent))", "A3 OK FETCH completed"], await poller.CommandAsync("FETCH 1 (FLAGS)"));

        await ScalarAsync<int>("""
            WITH f AS (UPDATE folders SET highest_modseq = highest_modseq + 1 WHERE tenant_id = @t AND mailbox_id = @m AND name = 'INBOX' RETURNING folder_id, highest_modseq),
            u AS (UPDATE messages m SET flags = m.flags | 4, modseq = f.highest_modseq FROM f WHERE m.tenant_id = @t AND m.folder_id = f.folder_id AND m.uid = 1 RETURNING 1)
            SELECT count(*)::int FROM u
            """, ("t", mailbox.TenantId), ("m", mailbox.MailboxId));

        Assert.Equal(["* 1 FETCH (UID 1 FLAGS (\\Flagged \\Recent))", "A4 OK NOOP completed"], await poller.CommandAsync("NOOP"));
    }

    /// <summary>A change feed that never tells anyone anything (every notification lost).</summary>
    private sealed class DeafFeed : IFolderChangeFeed
    {
        public IDisposable Subscribe(long tenantId, long mailboxId, long folderId, Action<long> onChange) => new CancellationTokenSource();
    }

    // (a) Two sessions of one node on one INBOX: the FETCH cache of one never hides the other's changes.
    [Fact]
    public async Task AnotherSessionsStoreAndExpungeOnTheSameNodeAreNeverHiddenByTheFetchCache()
    {
        var mailbox = await _node.CreateMailboxAsync("samenode");
        for (var i = 0; i < 3; i++)
        {
            await _node.DeliverAsync(mailbox, ImapTestNode.Message("m" + i));
        }

        await using var a = await ImapClient.LoginAsync(_node.Port, mailbox.Address);
        await using var b = await ImapClient.LoginAsync(_node.Port, mailbox.Address);
        await a.CommandAsync("SELECT INBOX");
        await b.CommandAsync("SELECT INBOX");
        Assert.Equal(["* 1 FETCH (FLAGS ())", "* 2 FETCH (FLAGS ())", "* 3 FETCH (FLAGS ())", "A3 OK FETCH completed"], await b.CommandAsync("FETCH 1:* (FLAGS)"));
        Assert.Equal(["* 1 FETCH (FLAGS ())", "A4 OK FETCH completed"], await b.CommandAsync("FETCH 1 (FLAGS)"));

        Assert.Equal(["* 1 FETCH (FLAGS (\\Flagged \\Recent))", "A3 OK STORE completed"], await a.CommandAsync("STORE 1 +FLAGS (\\Flagged)"));
        var fetch = await b.CommandAsync("FETCH 1 (FLAGS)");
        Assert.Equal("A5 OK FETCH completed", fetch[^1]);
        Assert.Equal("\\Flagged", LastFlags(fetch, 1));
        // Served again (now from the session's cache): still current.
        Assert.Equal(["* 1 FETCH (FLAGS (\\Flagged))", "A6 OK FETCH completed"], await b.CommandAsync("FETCH 1 (FLAGS)"));

        Assert.Equal(["* 1 FETCH (FLAGS (\\Recent))", "A4 OK STORE completed"], await a.CommandAsync("STORE 1 -FLAGS (\\Flagged)"));
        fetch = await b.CommandAsync("FETCH 1 (FLAGS)");
        Assert.Equal("A7 OK FETCH completed", fetch[^1]);
        Assert.Equal(string.Empty, LastFlags(fetch, 1));

        // A silent change to another cached message shows in a range FETCH.
        // The new keyword is announced (RFC 9051 section 7.3.5) even though the STORE is silent.
        Assert.Equal(
            [@"* FLAGS (\Answered \Flagged \Deleted \Seen \Draft $Later)", @"* OK [PERMANENTFLAGS (\Answered \Flagged \Deleted \Seen \Draft $Later \*)] Flags permitted", "A5 OK STORE completed"],
            await a.CommandAsync("STORE 3 +FLAGS.SILENT (\\Seen $Later)"));
        fetch = await b.CommandAsync("FETCH 1:* (FLAGS)");
        Assert.Equal("A8 OK FETCH completed", fetch[^1]);
        Assert.Equal(string.Empty, LastFlags(fetch, 1));
        Assert.Equal(string.Empty, LastFlags(fetch, 2));
        Assert.Equal("\\Seen $Later", LastFlags(fetch, 3));

        // EXPUNGE in A: B's FETCH may not report it, its NOOP must.
        Assert.Equal(["A6 OK STORE completed"], await a.CommandAsync("STORE 2 +FLAGS.SILENT (\\Deleted)"));
        Assert.Equal(["* 2 EXPUNGE", "A7 OK EXPUNGE completed"], await a.CommandAsync("EXPUNGE"));
        fetch = await b.CommandAsync("FETCH 1:* (UID FLAGS)");
        Assert.Equal("A9 OK FETCH completed", fetch[^1]);
        Assert.DoesNotContain(fetch, l => l.EndsWith("EXPUNGE", StringComparison.Ordinal));
        Assert.Equal(["* 2 EXPUNGE", "A10 OK NOOP completed"], await b.CommandAsync("NOOP"));
        Assert.Equal(["* 1 FETCH (UID 1 FLAGS ())", "* 2 FETCH (UID 3 FLAGS (\\Seen $Later))", "A11 OK FETCH completed"], await b.CommandAsync("FETCH 1:* (UID FLAGS)"));
    }

    // APPEND remembers the folder it found by name; a rename or delete by another session since must
    // not send the next APPEND to the renamed folder.
    [Fact]
    public async Task AppendNeverFollowsARememberedFolderThatWasRenamedOrDeleted()
    {
        var mailbox = await _node.CreateMailboxAsync("appendtarget");
        await using var a = await ImapClient.LoginAsync(_node.Port, mailbox.Address);
        await using var b = await ImapClient.LoginAsync(_node.Port, mailbox.Address);
        Assert.Equal("A2 OK CREATE completed", (await a.CommandAsync("CREATE Work"))[^1]);
        Assert.EndsWith("APPEND completed", (await a.CommandAsync(AppendCommand(ImapTestNode.Message("one"), "Work")))[^1], StringComparison.Ordinal);
        Assert.EndsWith("APPEND completed", (await a.CommandAsync(AppendCommand(ImapTestNode.Message("two"), "Work")))[^1], StringComparison.Ordinal);

        Assert.Equal("A2 OK RENAME completed", (await b.CommandAsync("RENAME Work Work2"))[^1]);
        var refused = await a.CommandAsync(AppendCommand(ImapTestNode.Message("three"), "Work"));
        Assert.Equal("A5 NO [TRYCREATE] No such mailbox", refused[^1]);
        Assert.Contains("* STATUS Work2 (MESSAGES 2)", await a.CommandAsync("STATUS Work2 (MESSAGES)"));

        // A new folder under the old name receives the next APPEND; deleting it refuses the one after.
        Assert.Equal("A3 OK CREATE completed", (await b.CommandAsync("CREATE Work"))[^1]);
        Assert.EndsWith("APPEND completed", (await a.CommandAsync(AppendCommand(ImapTestNode.Message("four"), "Work")))[^1], StringComparison.Ordinal);
        Assert.Contains("* STATUS Work (MESSAGES 1)", await a.CommandAsync("STATUS Work (MESSAGES)"));
        Assert.Contains("* STATUS Work2 (MESSAGES 2)", await a.CommandAsync("STATUS Work2 (MESSAGES)"));
        Assert.Equal("A4 OK DELETE completed", (await b.CommandAsync("DELETE Work"))[^1]);
        Assert.Equal("A10 NO [TRYCREATE] No such mailbox", (await a.CommandAsync(AppendCommand(ImapTestNode.Message("five"), "Work")))[^1]);
    }

    // (b) Two nodes on one database: changes reach the other node after commit (the per-node notifier).
    [Fact]
    public async Task StoreAndAppendThroughNodeAReachAnIdleSessionOnNodeB()
    {
        var (nodeB, mailbox, idler) = await OnSecondNodeAsync("twonodes", "first");
        await using var disposeNode = nodeB;
        await using var disposeIdler = idler;
        var idle = idler.TakeTag();
        await idler.SendAsync(idle + " IDLE\r\n");
        Assert.Equal("+ idling", await idler.ReadLineAsync());

        await using var writer = await ImapClient.LoginAsync(_node.Port, mailbox.Address);
        await writer.CommandAsync("SELECT INBOX");
        Assert.Equal(["* 1 FETCH (FLAGS (\\Seen))", "A3 OK STORE completed"], await writer.CommandAsync("STORE 1 +FLAGS (\\Seen)"));
        var update = await idler.ReadLineAsync().WaitAsync(NotificationDeadline);
        Assert.Equal("* 1 FETCH (UID 1 FLAGS (\\Seen \\Recent))", update);

        var message = ImapTestNode.Message("second, appended through node A");
        Assert.Matches(@"^A4 OK \[APPENDUID \d+ 2\] APPEND completed$", (await writer.CommandAsync(AppendCommand(message))).Last());
        Assert.Equal("* 2 EXISTS", await idler.ReadLineAsync().WaitAsync(NotificationDeadline));

        // Message 2 is \Recent for whichever of the writer (its own APPEND) and the idler was told first.
        await idler.SendAsync("DONE\r\n");
        var done = await idler.ReadUntilTaggedAsync(idle);
        Assert.Equal(idle + " OK IDLE terminated", done[^1]);
        var second = done.Contains("* 2 RECENT") ? "\\Recent" : string.Empty;
        Assert.Equal(["* 1 FETCH (UID 1 FLAGS (\\Seen \\Recent))", $"* 2 FETCH (UID 2 FLAGS ({second}))", "A5 OK FETCH completed"], await idler.CommandAsync("FETCH 1:* (UID FLAGS)"));
    }

    // Many sessions idling on one folder share each change query (SharedFolderQueries); a session
    // that joined a query started before a later change must still catch up with that change.
    [Fact]
    public async Task ManyIdleSessionsOnOneFolderSeeEveryDeliveryOfABurst()
    {
        const int Sessions = 40;
        const int Deliveries = 5;
        var mailbox = await _node.CreateMailboxAsync("sharedidle");
        var idlers = new List<ImapClient>();
        try
        {
            for (var i = 0; i < Sessions; i++)
            {
                var idler = await ImapClient.LoginAsync(_node.Port, mailbox.Address);
                idlers.Add(idler);
                await idler.CommandAsync("SELECT INBOX");
                await idler.SendAsync(idler.TakeTag() + " IDLE\r\n");
                Assert.Equal("+ idling", await idler.ReadLineAsync());
            }

            // Deliveries in quick succession, while sessions are still asking about the earlier ones.
            await Task.WhenAll(Enumerable.Range(0, Deliveries).Select(i => _node.DeliverAsync(mailbox, ImapTestNode.Message("burst " + i))));
            await Task.WhenAll(idlers.Select(async idler =>
            {
                var highest = 0;
                while (highest < Deliveries)
                {
                    var line = await idler.ReadLineAsync().WaitAsync(NotificationDeadline);
                    if (line.EndsWith(" EXISTS", StringComparison.Ordinal))
                    {
                        highest = Math.Max(highest, int.Parse(line.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture));
                    }
                }

                Assert.Equal(Deliveries, highest);
            }));
        }
        finally
        {
            foreach (var idler in idlers)
            {
                await idler.DisposeAsync();
            }
        }
    }

    // (b') Without IDLE: a session on node B that cached flags sees node A's change once notified.
    [Fact]
    public async Task ACachedFlagOnNodeBCatchesUpWithAStoreOnNodeA()
    {
        var (nodeB, mailbox, reader) = await OnSecondNodeAsync("twonodescache", "cached");
        await using var disposeNode = nodeB;
        await using var disposeReader = reader;

        await using var writer = await ImapClient.LoginAsync(_node.Port, mailbox.Address);
        await writer.CommandAsync("SELECT INBOX");
        Assert.Equal(["A3 OK STORE completed"], await writer.CommandAsync("STORE 1 +FLAGS.SILENT (\\Flagged)"));

        var clock = System.Diagnostics.Stopwatch.StartNew();
        string? flags;
        do
        {
            flags = LastFlags(await reader.CommandAsync("FETCH 1 (FLAGS)"), 1);
            if (flags != "\\Flagged \\Recent")
            {
                await Task.Delay(50);
            }
        }
        while (flags != "\\Flagged \\Recent" && clock.Elapsed < NotificationDeadline);

        Assert.Equal("\\Flagged \\Recent", flags);
    }

    // (c) Header fetches: exact bytes from the stored header block, from the caches, and from old blobs without one.
    [Fact]
    public async Task HeaderFetchesReturnExactBytesFromTheHeaderColumnTheCachesAndTheWholeBlobFallback()
    {
        var subject = "=?UTF-8?B?" + Convert.ToBase64String(Encoding.UTF8.GetBytes("Grüße aus Köln")) + "?=";
        var header =
            "From: Ann <ann@sender.example>\r\n" +
            "To: Bob <bob@example.com>,\r\n\tCarol <carol@example.com>\r\n" +
            $"Subject: {subject}\r\n" +
            "X-Folded: first part\r\n second part\r\n" +
            "Date: Sat, 21 Nov 2026 10:00:00 +0000\r\n" +
            $"Message-ID: <{Guid.NewGuid():N}@sender.example>\r\n" +
            "MIME-Version: 1.0\r\n" +
            "Content-Type: text/plain; charset=utf-8\r\n" +
            "\r\n";
        var message = header + "First body line.\r\nSubject: not a header\r\n";
        var fields = "From: Ann <ann@sender.example>\r\n" + $"Subject: {subject}\r\n" + "\r\n";
        var folded = "To: Bob <bob@example.com>,\r\n\tCarol <carol@example.com>\r\nX-Folded: first part\r\n second part\r\n\r\n";
        var others = string.Concat(header.Split("\r\n").Where(l => l.StartsWith("Date:", StringComparison.Ordinal) || l.StartsWith('M') || l.StartsWith("Content-Type:", StringComparison.Ordinal)).Select(l => l + "\r\n")) + "\r\n";
        Assert.StartsWith("Date: ", others, StringComparison.Ordinal);
        // A message that is all header (no blank line, no body).
        var headerOnly = $"From: Ann <ann@sender.example>\r\nSubject: nothing below\r\nMessage-ID: <{Guid.NewGuid():N}@sender.example>\r\n";
        var expected = new (string Command, string Response)[]
        {
            ("FETCH 1 (BODY.PEEK[HEADER])", $"* 1 FETCH (BODY[HEADER] {{{header.Length}}}\r\n{header})"),
            ("FETCH 1 (BODY.PEEK[HEADER.FIELDS (SUBJECT FROM)])", $"* 1 FETCH (BODY[HEADER.FIELDS (SUBJECT FROM)] {{{fields.Length}}}\r\n{fields})"),
            ("FETCH 1 (BODY.PEEK[HEADER.FIELDS (TO X-FOLDED)])", $"* 1 FETCH (BODY[HEADER.FIELDS (TO X-FOLDED)] {{{folded.Length}}}\r\n{folded})"),
            ("FETCH 1 (RFC822.HEADER)", $"* 1 FETCH (RFC822.HEADER {{{header.Length}}}\r\n{header})"),
            ("FETCH 1 (BODY.PEEK[HEADER]<0.10>)", "* 1 FETCH (BODY[HEADER]<0> {10}\r\nFrom: Ann )"),
            ("FETCH 1 (UID RFC822.SIZE BODY.PEEK[HEADER.FIELDS (SUBJECT FROM)])", $"* 1 FETCH (UID 1 RFC822.SIZE {message.Length} BODY[HEADER.FIELDS (SUBJECT FROM)] {{{fields.Length}}}\r\n{fields})"),
            ("FETCH 1 (BODY.PEEK[HEADER.FIELDS.NOT (FROM TO SUBJECT X-FOLDED)])", $"* 1 FETCH (BODY[HEADER.FIELDS.NOT (FROM TO SUBJECT X-FOLDED)] {{{others.Length}}}\r\n{others})"),
            ("FETCH 2 (BODY.PEEK[HEADER])", $"* 2 FETCH (BODY[HEADER] {{{headerOnly.Length}}}\r\n{headerOnly})"),
            ("FETCH 2 (RFC822.HEADER)", $"* 2 FETCH (RFC822.HEADER {{{headerOnly.Length}}}\r\n{headerOnly})"),
        };

        // recent: the flags FETCH shows for a session that selected first (RFC 3501 section 2.3.2).
        async Task CheckAsync(ImapClient client, string what, string recent = "")
        {
            for (var round = 0; round < 2; round++)
            {
                foreach (var (command, response) in expected)
                {
                    var tag = client.NextTag;
                    var lines = await client.CommandAsync(command);
                    Assert.True(lines.Count == 2 && lines[0] == response && lines[1] == tag + " OK FETCH completed",
                        $"{what}, round {round + 1}, {command}:\nexpected: {response}\nactual:   {string.Join("\n", lines)}");
                }
            }

            // PEEK and RFC822.HEADER never set \Seen.
            Assert.Equal([$"* 1 FETCH (FLAGS ({recent}))", $"* 2 FETCH (FLAGS ({recent}))"], (await client.CommandAsync("FETCH 1:2 (FLAGS)"))[..2]);
        }

        var mailbox = await _node.CreateMailboxAsync("headers");
        await using (var client = await ImapClient.LoginAsync(_node.Port, mailbox.Address))
        {
            Assert.Matches(@"^A2 OK \[APPENDUID \d+ 1\] APPEND completed$", (await client.CommandAsync(AppendCommand(message))).Single());
            Assert.Matches(@"^A3 OK \[APPENDUID \d+ 2\] APPEND completed$", (await client.CommandAsync(AppendCommand(headerOnly))).Single());
            await client.CommandAsync("SELECT INBOX");
            await CheckAsync(client, "stored header block", "\\Recent");
        }

        // A second session of the same node: fresh session cache, node content cache warm.
        await using (var client = await ImapClient.LoginAsync(_node.Port, mailbox.Address))
        {
            await client.CommandAsync("EXAMINE INBOX");
            await CheckAsync(client, "node content cache");
        }

        // APPEND stored the header block, blank line included, apart from the blob.
        var sha = SHA256.HashData(Encoding.UTF8.GetBytes(message));
        var stored = await ScalarAsync<byte[]>("SELECT header FROM blobs WHERE tenant_id = @t AND sha256 = @s", ("t", mailbox.TenantId), ("s", sha));
        Assert.Equal(header, Encoding.UTF8.GetString(stored));

        // A blob stored before the header column existed: a new node (empty content cache) parses the blob.
        await using (var command = database.Database.DataSource.CreateCommand("UPDATE blobs SET header = NULL WHERE tenant_id = @t"))
        {
            command.Parameters.AddWithValue("t", mailbox.TenantId);
            Assert.InRange(await command.ExecuteNonQueryAsync(), 1, 2);
        }

        await using var fresh = await ImapTestNode.StartAsync(database.ConnectionString);
        await using (var client = await ImapClient.LoginAsync(fresh.Port, mailbox.Address))
        {
            await client.CommandAsync("SELECT INBOX");
            await CheckAsync(client, "header column NULL");
        }
    }

    // (a') An implicit \Seen set by FETCH and a COPY: the session's own cache, other sessions and the target folder follow.
    [Fact]
    public async Task ImplicitSeenAndCopyReachTheSessionsOwnCacheAndOtherSessions()
    {
        var mailbox = await _node.CreateMailboxAsync("seencopy");
        await _node.DeliverAsync(mailbox, ImapTestNode.Message("to be read", "Body text."));
        await using var a = await ImapClient.LoginAsync(_node.Port, mailbox.Address);
        await using var b = await ImapClient.LoginAsync(_node.Port, mailbox.Address);
        await using var archive = await ImapClient.LoginAsync(_node.Port, mailbox.Address);
        await a.CommandAsync("SELECT INBOX");
        await b.CommandAsync("SELECT INBOX");
        Assert.Equal(["* 1 FETCH (FLAGS (\\Recent))", "A3 OK FETCH completed"], await a.CommandAsync("FETCH 1 (FLAGS)"));
        Assert.Equal(["* 1 FETCH (FLAGS ())", "A3 OK FETCH completed"], await b.CommandAsync("FETCH 1 (FLAGS)"));

        Assert.Equal(["* 1 FETCH (BODY[TEXT] {12}\r\nBody text.\r\n FLAGS (\\Seen \\Recent))", "A4 OK FETCH completed"], await a.CommandAsync("FETCH 1 (BODY[TEXT])"));
        Assert.Equal(["* 1 FETCH (FLAGS (\\Seen \\Recent))", "A5 OK FETCH completed"], await a.CommandAsync("FETCH 1 (FLAGS)"));
        Assert.Equal(["* 1 FETCH (BODY[HEADER.FIELDS (SUBJECT)] {23}\r\nSubject: to be read\r\n\r\n)", "A6 OK FETCH completed"], await a.CommandAsync("FETCH 1 (BODY[HEADER.FIELDS (SUBJECT)])"));
        var fetch = await b.CommandAsync("FETCH 1 (FLAGS)");
        Assert.Equal("A4 OK FETCH completed", fetch[^1]);
        Assert.Equal("\\Seen", LastFlags(fetch, 1));

        // COPY into the session's own selected folder reports EXISTS before the tagged OK; a session
        // idling in the target folder hears of a COPY there.
        Assert.Equal(["A2 OK CREATE completed"], await archive.CommandAsync("CREATE Kept"));
        await archive.CommandAsync("SELECT Kept");
        var idle = archive.TakeTag();
        await archive.SendAsync(idle + " IDLE\r\n");
        Assert.Equal("+ idling", await archive.ReadLineAsync());
        var copy = await a.CommandAsync("COPY 1 INBOX");
        Assert.Equal("* 2 EXISTS", copy[0]);
        Assert.Equal("* 2 RECENT", copy[1]);
        Assert.Matches(@"^A7 OK \[COPYUID \d+ 1 2\] COPY completed$", copy[^1]);
        Assert.Matches(@"^A8 OK \[COPYUID \d+ 1 1\] COPY completed$", (await a.CommandAsync("COPY 1 Kept")).Single());
        Assert.Equal("* 1 EXISTS", await archive.ReadLineAsync().WaitAsync(NotificationDeadline));
        Assert.Equal("* 1 RECENT", await archive.ReadLineAsync().WaitAsync(NotificationDeadline));
        await archive.SendAsync("DONE\r\n");
        Assert.Equal(idle + " OK IDLE terminated", await archive.ReadLineAsync());
        Assert.Equal(["* 1 FETCH (UID 1 FLAGS (\\Seen \\Recent))", archive.NextTag + " OK FETCH completed"], await archive.CommandAsync("FETCH 1 (UID FLAGS)"));

        var noop = await b.CommandAsync("NOOP");
        Assert.Equal(["* 2 EXISTS", "A5 OK NOOP completed"], noop);
        Assert.Equal(["* 1 FETCH (UID 1 FLAGS (\\Seen))", "* 2 FETCH (UID 2 FLAGS (\\Seen))", "A6 OK FETCH completed"], await b.CommandAsync("FETCH 1:* (UID FLAGS)"));
    }

    // (d) Whole-message FETCH: inline small blobs, blobs beyond the inline limit and beyond the cacheable size.
    [Fact]
    public async Task WholeMessageFetchReturnsExactlyTheAppendedBytesForSmallAndLargeMessages()
    {
        var mailbox = await _node.CreateMailboxAsync("whole");
        var small = ImapTestNode.Message("small one", "Just a line.\r\nAnd another.");
        var large = ImapTestNode.Message("large one", LargeBody(6_000, 'L'));
        var huge = ImapTestNode.Message("huge one", LargeBody(16_000, 'H'));
        Assert.True(large.Length > 300_000 && large.Length < 1_000_000, $"large message is {large.Length} bytes");
        Assert.True(huge.Length > 1_100_000, $"huge message is {huge.Length} bytes");
        var messages = new[] { small, large, huge };

        await using var client = await ImapClient.LoginAsync(_node.Port, mailbox.Address);
        foreach (var message in messages)
        {
            Assert.StartsWith(client.NextTag + " OK [APPENDUID ", (await client.CommandAsync(AppendCommand(message))).Single(), StringComparison.Ordinal);
        }

        await client.CommandAsync("SELECT INBOX");
        for (var round = 0; round < 2; round++)
        {
            for (var seq = 1; seq <= messages.Length; seq++)
            {
                var message = messages[seq - 1];
                var lines = await client.CommandAsync($"FETCH {seq} (RFC822.SIZE BODY.PEEK[])");
                Assert.Equal(2, lines.Count);
                AssertSame($"* {seq} FETCH (RFC822.SIZE {message.Length} BODY[] {{{message.Length}}}\r\n{message})", lines[0], $"round {round + 1}, message {seq}");
            }
        }

        // All three in one FETCH, and a partial of the large one.
        var all = await client.CommandAsync("FETCH 1:3 (BODY.PEEK[])");
        Assert.Equal(4, all.Count);
        for (var seq = 1; seq <= messages.Length; seq++)
        {
            AssertSame($"* {seq} FETCH (BODY[] {{{messages[seq - 1].Length}}}\r\n{messages[seq - 1]})", all[seq - 1], $"range fetch, message {seq}");
        }

        var partial = await client.CommandAsync("FETCH 2 (BODY.PEEK[]<300000.20>)");
        Assert.Equal($"* 2 FETCH (BODY[]<300000> {{20}}\r\n{large.Substring(300_000, 20)})", partial[0]);
        Assert.Equal("* 2 FETCH (FLAGS (\\Recent))", (await client.CommandAsync("FETCH 2 (FLAGS)"))[0]);
    }

    private static string LargeBody(int lines, char fill)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < lines; i++)
        {
            sb.Append("line ").Append(i.ToString("D6", System.Globalization.CultureInfo.InvariantCulture)).Append(' ').Append(fill, 60).Append("\r\n");
        }

        return sb.Append("end").ToString();
    }

    private static void AssertSame(string expected, string actual, string what)
    {
        if (string.Equals(expected, actual, StringComparison.Ordinal))
        {
            return;
        }

        var i = 0;
        while (i < expected.Length && i < actual.Length && expected[i] == actual[i])
        {
            i++;
        }

        Assert.Fail($"{what}: lengths {expected.Length} (expected) and {actual.Length} (actual), first difference at {i}: " +
            $"expected \"{Excerpt(expected, i)}\", actual \"{Excerpt(actual, i)}\"");
    }

    private static string Excerpt(string s, int at) => s.Substring(Math.Max(0, at - 20), Math.Min(s.Length, at + 20) - Math.Max(0, at - 20));

    // (e) SEARCH: SUBJECT on the decoded envelope subject, other text keys through lazily extracted text.
    [Fact]
    public async Task SearchMatchesDecodedSubjectsAndExtractsBodyTextAtTheFirstTextSearch()
    {
        var mailbox = await _node.CreateMailboxAsync("search");
        var encoded = "=?UTF-8?B?" + Convert.ToBase64String(Encoding.UTF8.GetBytes("Grüße zum Jahresende")) + "?=";
        var noSubject = "From: Ann <ann@sender.example>\r\nTo: bob@example.com\r\nDate: Sat, 21 Nov 2026 10:00:00 +0000\r\n" +
            $"Message-ID: <{Guid.NewGuid():N}@sender.example>\r\n\r\nThe xylophone quartet rehearses tonight.\r\n";
        await using var client = await ImapClient.LoginAsync(_node.Port, mailbox.Address);
        await client.CommandAsync(AppendCommand(ImapTestNode.Message("Quarterly invoice", "Please find the figures attached.")));
        await client.CommandAsync(AppendCommand(ImapTestNode.Message(encoded, "Best wishes for the new year.")));
        await client.CommandAsync(AppendCommand(noSubject));
        await client.CommandAsync("SELECT INBOX");
        var folderId = await _node.InboxIdAsync(mailbox);
        const string Unindexed = "SELECT count(*) FROM messages WHERE tenant_id = @t AND folder_id = @f AND NOT text_indexed";

        // SUBJECT needs no extracted text.
        Assert.Equal(["* SEARCH 1", "A6 OK SEARCH completed"], await client.CommandAsync("SEARCH SUBJECT invoice"));
        Assert.Equal(["* SEARCH 1", "A7 OK SEARCH completed"], await client.CommandAsync("SEARCH SUBJECT QUARTERLY"));
        Assert.Equal(["* SEARCH 2", "A8 OK SEARCH completed"], await client.CommandAsync("SEARCH SUBJECT jahresende"));
        var word = "grüße";
        Assert.Equal(["* SEARCH 2", "A9 OK SEARCH completed"], await client.CommandAsync($"SEARCH CHARSET UTF-8 SUBJECT {{{Encoding.UTF8.GetByteCount(word)}+}}\r\n{word}"));
        Assert.Equal(["* SEARCH", "A10 OK SEARCH completed"], await client.CommandAsync("SEARCH SUBJECT xylophone"));
        Assert.Equal(["* SEARCH 3", "A11 OK SEARCH completed"], await client.CommandAsync("SEARCH NOT SUBJECT e"));
        Assert.Equal(3L, await ScalarAsync<long>(Unindexed, ("t", mailbox.TenantId), ("f", folderId)));

        // The first BODY search extracts the folder's text.
        Assert.Equal(["* SEARCH 3", "A12 OK SEARCH completed"], await client.CommandAsync("SEARCH BODY xylophone"));
        Assert.Equal(0L, await ScalarAsync<long>(Unindexed, ("t", mailbox.TenantId), ("f", folderId)));
        Assert.Equal(["* SEARCH", "A13 OK SEARCH completed"], await client.CommandAsync("SEARCH BODY invoice"));
        Assert.Equal(["* SEARCH 1", "A14 OK SEARCH completed"], await client.CommandAsync("SEARCH TEXT invoice"));
        Assert.Equal(["* SEARCH 1 2 3", "A15 OK SEARCH completed"], await client.CommandAsync("SEARCH FROM ann@sender.example"));

        // A message appended after the extraction is extracted at the next text search.
        await client.CommandAsync(AppendCommand(ImapTestNode.Message("late", "Another xylophone.")));
        Assert.Equal(1L, await ScalarAsync<long>(Unindexed, ("t", mailbox.TenantId), ("f", folderId)));
        var late = await client.CommandAsync("SEARCH BODY xylophone");
        Assert.Equal("* SEARCH 3 4", late[^2]);
        Assert.Equal(0L, await ScalarAsync<long>(Unindexed, ("t", mailbox.TenantId), ("f", folderId)));
    }

    // (f) A refused APPEND changes nothing: no usage, no blob (or reference), no UID, no MODSEQ.
    [Fact]
    public async Task AnAppendRefusedForQuotaChangesNothing()
    {
        var first = ImapTestNode.Message("fits");
        const long quota = 400;
        Assert.True(first.Length <= quota && 2 * first.Length > quota, $"message is {first.Length} bytes");
        var mailbox = await _node.CreateMailboxAsync("refused", quotaBytes: quota);
        var tooBig = ImapTestNode.Message("does not fit", new string('x', 500));
        var firstSha = SHA256.HashData(Encoding.UTF8.GetBytes(first));
        var bigSha = SHA256.HashData(Encoding.UTF8.GetBytes(tooBig));

        await using var client = await ImapClient.LoginAsync(_node.Port, mailbox.Address);
        Assert.Matches(@"^A2 OK \[APPENDUID \d+ 1\] APPEND completed$", (await client.CommandAsync(AppendCommand(first))).Single());
        const string Status = "STATUS INBOX (MESSAGES UIDNEXT HIGHESTMODSEQ SIZE)";
        var before = (await client.CommandAsync(Status))[0];
        Assert.StartsWith("* STATUS INBOX (MESSAGES 1 UIDNEXT 2 HIGHESTMODSEQ ", before, StringComparison.Ordinal);
        var state = await DatabaseStateAsync(mailbox, firstSha, bigSha);
        Assert.Equal(((long)first.Length, 1, 1L, 0L), state);

        // Too big, and the same bytes again (the blob exists: its reference count must not move).
        Assert.Equal(["A4 NO [OVERQUOTA] Mailbox quota exceeded"], await client.CommandAsync(AppendCommand(tooBig)));
        Assert.Equal(["A5 NO [OVERQUOTA] Mailbox quota exceeded"], await client.CommandAsync(AppendCommand(first)));
        Assert.Equal(state, await DatabaseStateAsync(mailbox, firstSha, bigSha));
        Assert.Equal(before, (await client.CommandAsync(Status))[0]);

        // The selected folder saw nothing either.
        await client.CommandAsync("SELECT INBOX");
        Assert.Equal(["A8 NO [OVERQUOTA] Mailbox quota exceeded"], await client.CommandAsync(AppendCommand(tooBig)));
        Assert.Equal(["A9 OK NOOP completed"], await client.CommandAsync("NOOP"));
        Assert.Equal(state, await DatabaseStateAsync(mailbox, firstSha, bigSha));
    }

    /// <summary>(used_bytes, ref_count of the first blob, messages, blobs with the refused digest).</summary>
    private async Task<(long Used, int FirstRefs, long Messages, long BigBlobs)> DatabaseStateAsync(Mailbox mailbox, byte[] firstSha, byte[] bigSha) => (
        await ScalarAsync<long>("SELECT used_bytes FROM mailboxes WHERE tenant_id = @t AND mailbox_id = @m", ("t", mailbox.TenantId), ("m", mailbox.MailboxId)),
        await ScalarAsync<int>("SELECT ref_count FROM blobs WHERE tenant_id = @t AND sha256 = @s", ("t", mailbox.TenantId), ("s", firstSha)),
        await ScalarAsync<long>("SELECT count(*) FROM messages WHERE tenant_id = @t AND mailbox_id = @m", ("t", mailbox.TenantId), ("m", mailbox.MailboxId)),
        await ScalarAsync<long>("SELECT count(*) FROM blobs WHERE sha256 = @s", ("s", bigSha)));

    // (f') The store's APPEND into a folder that is gone (deleted meanwhile, or not this mailbox's) changes nothing.
    [Fact]
    public async Task AStoreAppendIntoAMissingFolderChangesNothing()
    {
        var owner = await _node.CreateMailboxAsync("owner");
        var other = await _node.CreateMailboxAsync("other");
        await using (var client = await ImapClient.LoginAsync(_node.Port, owner.Address))
        {
            Assert.Equal(["A2 OK CREATE completed"], await client.CommandAsync("CREATE Gone"));
        }

        var gone = await ScalarAsync<long>("SELECT folder_id FROM folders WHERE tenant_id = @t AND mailbox_id = @m AND name = 'Gone'", ("t", owner.TenantId), ("m", owner.MailboxId));
        await using (var client = await ImapClient.LoginAsync(_node.Port, owner.Address))
        {
            Assert.Equal(["A2 OK DELETE completed"], await client.CommandAsync("DELETE Gone"));
        }

        var otherInbox = await _node.InboxIdAsync(other);
        const string FolderState = "SELECT uid_next::text || '/' || highest_modseq::text || '/' || message_count::text FROM folders WHERE tenant_id = @t AND folder_id = @f";
        var otherBefore = await ScalarAsync<string>(FolderState, ("t", other.TenantId), ("f", otherInbox));
        var store = _node.Services.GetRequiredService<IImapStore>();
        var bytes = Encoding.UTF8.GetBytes(ImapTestNode.Message("nowhere").ReplaceLineEndings("\r\n"));
        var data = MessageParsing.Prepare(bytes);

        foreach (var (tenant, mailboxId, folder) in new[] { (owner.TenantId, owner.MailboxId, gone), (owner.TenantId, owner.MailboxId, otherInbox), (other.TenantId, owner.MailboxId, otherInbox) })
        {
            var ex = await Assert.ThrowsAsync<HostedMailException>(() => store.AppendAsync(tenant, mailboxId, folder, null, data, MessageFlags.None, [], DateTimeOffset.UtcNow, claimRecent: false, CancellationToken.None));
            Assert.Equal(HostedMailError.NotFound, ex.Error);
        }

        Assert.Equal(0L, await ScalarAsync<long>("SELECT used_bytes FROM mailboxes WHERE tenant_id = @t AND mailbox_id = @m", ("t", owner.TenantId), ("m", owner.MailboxId)));
        Assert.Equal(0L, await ScalarAsync<long>("SELECT used_bytes FROM mailboxes WHERE tenant_id = @t AND mailbox_id = @m", ("t", other.TenantId), ("m", other.MailboxId)));
        Assert.Equal(0L, await ScalarAsync<long>("SELECT count(*) FROM blobs WHERE sha256 = @s", ("s", data.Sha256)));
        Assert.Equal(0L, await ScalarAsync<long>("SELECT count(*) FROM messages WHERE tenant_id IN (@a, @b)", ("a", owner.TenantId), ("b", other.TenantId)));
        Assert.Equal(otherBefore, await ScalarAsync<string>(FolderState, ("t", other.TenantId), ("f", otherInbox)));
    }

    // (f'') STORE, EXPUNGE, FETCH, SEARCH and changes are scoped by mailbox: another mailbox of the same
    // tenant naming this mailbox's folder id reads and changes nothing.
    [Fact]
    public async Task StoreCallsWithAnotherMailboxOfTheTenantTouchNothing()
    {
        var owner = await _node.CreateMailboxAsync("scoped");
        var domain = owner.Address[(owner.Address.IndexOf('@', StringComparison.Ordinal) + 1)..];
        var intruder = await _node.Services.GetRequiredService<MailboxService>().CreateAsync(owner.TenantId, "intruder@" + domain, ImapTestNode.Password, null, null, Actor.OperatorCli);
        await _node.DeliverAsync(owner, ImapTestNode.Message("private", "Private words."));
        await using (var client = await ImapClient.LoginAsync(_node.Port, owner.Address))
        {
            await client.CommandAsync("SELECT INBOX");
            Assert.Equal(["A3 OK STORE completed"], await client.CommandAsync("STORE 1 +FLAGS.SILENT (\\Deleted)"));
        }

        var inbox = await _node.InboxIdAsync(owner);
        const string State = "SELECT f.highest_modseq::text || '/' || f.uid_next::text || '/' || m.flags::text FROM folders f JOIN messages m ON m.tenant_id = f.tenant_id AND m.folder_id = f.folder_id WHERE f.tenant_id = @t AND f.folder_id = @f";
        var before = await ScalarAsync<string>(State, ("t", owner.TenantId), ("f", inbox));
        var store = _node.Services.GetRequiredService<IImapStore>();
        var t = owner.TenantId;
        var m = intruder.MailboxId;

        var stored = await store.StoreFlagsAsync(t, m, inbox, new FlagStoreRequest([1], FlagStoreMode.Replace, MessageFlags.Seen, ["$Stolen"], null), CancellationToken.None);
        Assert.Empty(stored.Messages);
        Assert.Empty(stored.Modified);
        Assert.Empty(await store.ExpungeDeletedAsync(t, m, inbox, null, CancellationToken.None));
        Assert.Empty(await store.ExpungeDeletedAsync(t, m, inbox, [1], CancellationToken.None));
        Assert.Empty(await store.FetchAsync(t, m, inbox, [1], FetchExtras.Blob, CancellationToken.None));
        Assert.Empty(await store.FetchAsync(t, m, inbox, [1], FetchExtras.Header, CancellationToken.None));
        Assert.Empty(await store.SearchAsync(t, m, inbox, AllKey.Instance, [], CancellationToken.None));
        Assert.Empty(await store.SearchAsync(t, m, inbox, new TextKey("private", BodyOnly: false), [], CancellationToken.None));
        Assert.Null(await store.GetChangesAsync(t, m, inbox, 0, CancellationToken.None));
        Assert.Null(await store.GetFolderAsync(t, m, inbox, CancellationToken.None));
        Assert.Equal(before, await ScalarAsync<string>(State, ("t", owner.TenantId), ("f", inbox)));

        // The owner's own calls still work on it.
        Assert.Single(await store.FetchAsync(t, owner.MailboxId, inbox, [1], FetchExtras.Header, CancellationToken.None));
        Assert.Single(await store.ExpungeDeletedAsync(t, owner.MailboxId, inbox, null, CancellationToken.None));
    }

    // (c') Delivery (SMTP's path) stores the header block too; the same bytes delivered again restore a missing one.
    [Fact]
    public async Task DeliveryStoresTheHeaderBlockAndRestoresAMissingOne()
    {
        var mailbox = await _node.CreateMailboxAsync("delivered");
        var message = ImapTestNode.Message("delivered", "Body.");
        var header = message[..(message.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)];
        var sha = SHA256.HashData(Encoding.UTF8.GetBytes(message));
        const string Header = "SELECT coalesce(encode(header, 'escape'), 'NULL') FROM blobs WHERE tenant_id = @t AND sha256 = @s";
        await _node.DeliverAsync(mailbox, message);
        Assert.Equal(header, await ScalarAsync<string>(Header, ("t", mailbox.TenantId), ("s", sha)));

        await using (var command = database.Database.DataSource.CreateCommand("UPDATE blobs SET header = NULL WHERE tenant_id = @t"))
        {
            command.Parameters.AddWithValue("t", mailbox.TenantId);
            Assert.Equal(1, await command.ExecuteNonQueryAsync());
        }

        await _node.DeliverAsync(mailbox, message);
        Assert.Equal(header, await ScalarAsync<string>(Header, ("t", mailbox.TenantId), ("s", sha)));
        await using (var command = database.Database.DataSource.CreateCommand("UPDATE blobs SET header = NULL WHERE tenant_id = @t"))
        {
            command.Parameters.AddWithValue("t", mailbox.TenantId);
            Assert.Equal(1, await command.ExecuteNonQueryAsync());
        }

        await using var client = await ImapClient.LoginAsync(_node.Port, mailbox.Address);
        Assert.StartsWith("A2 OK [APPENDUID ", (await client.CommandAsync(AppendCommand(message))).Single(), StringComparison.Ordinal);
        Assert.Equal(header, await ScalarAsync<string>(Header, ("t", mailbox.TenantId), ("s", sha)));
        Assert.Equal(3, await ScalarAsync<int>("SELECT ref_count FROM blobs WHERE tenant_id = @t AND sha256 = @s", ("t", mailbox.TenantId), ("s", sha)));
        await client.CommandAsync("SELECT INBOX");
        var fetch = await client.CommandAsync("FETCH 1:3 (BODY.PEEK[HEADER])");
        Assert.Equal(Enumerable.Range(1, 3).Select(i => $"* {i} FETCH (BODY[HEADER] {{{header.Length}}}\r\n{header})").Append("A4 OK FETCH completed").ToList(), fetch);
    }

    // Caches off or tiny: the same answers.
    [Fact]
    public async Task ANodeWithoutContentCacheAndATinySessionCacheGivesTheSameAnswers()
    {
        await using var node = await ImapTestNode.StartAsync(database.ConnectionString, overrides: new Dictionary<string, string?>
        {
            ["Imap:ContentCacheBytes"] = "0",
            ["Imap:SessionCacheMessages"] = "2",
        });
        var mailbox = await node.CreateMailboxAsync("nocache");
        for (var i = 1; i <= 5; i++)
        {
            await node.DeliverAsync(mailbox, ImapTestNode.Message("s" + i));
        }

        await using var a = await ImapClient.LoginAsync(node.Port, mailbox.Address);
        await using var b = await ImapClient.LoginAsync(node.Port, mailbox.Address);
        await a.CommandAsync("SELECT INBOX");
        await b.CommandAsync("SELECT INBOX");
        async Task CheckAsync(string what, string[] flags)
        {
            var tag = b.NextTag;
            var fetch = await b.CommandAsync("FETCH 1:5 (UID FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])");
            var expected = Enumerable.Range(1, 5).Select(i => $"* {i} FETCH (UID {i} FLAGS ({flags[i - 1]}) BODY[HEADER.FIELDS (SUBJECT)] {{15}}\r\nSubject: s{i}\r\n\r\n)").Append(tag + " OK FETCH completed").ToList();
            Assert.True(expected.SequenceEqual(fetch), $"{what}:\n{string.Join("\n", fetch)}");
        }

        var none = Enumerable.Repeat(string.Empty, 5).ToArray();
        await CheckAsync("first fetch", none);
        await CheckAsync("second fetch", none);
        Assert.Equal(["A3 OK STORE completed"], await a.CommandAsync("STORE 1,3,5 +FLAGS.SILENT (\\Seen)"));
        Assert.Equal(["A4 OK STORE completed"], await a.CommandAsync("STORE 2,4 +FLAGS.SILENT (\\Flagged)"));
        var noop = await b.CommandAsync("NOOP");
        Assert.Equal(6, noop.Count);
        string[] changed = ["\\Seen", "\\Flagged", "\\Seen", "\\Flagged", "\\Seen"];
        await CheckAsync("after the other session's STOREs", changed);
        await CheckAsync("again", changed);
    }

    // (g) A session's own changes: reported once, by the command itself; APPEND to the selected folder reports EXISTS.
    [Fact]
    public async Task OwnChangesAreReportedOnceAndAppendToTheSelectedFolderReportsExistsBeforeOk()
    {
        var mailbox = await _node.CreateMailboxAsync("own");
        await _node.DeliverAsync(mailbox, ImapTestNode.Message("one"));
        await _node.DeliverAsync(mailbox, ImapTestNode.Message("two"));
        await using var client = await ImapClient.LoginAsync(_node.Port, mailbox.Address);
        var select = await client.CommandAsync("SELECT INBOX (CONDSTORE)");
        var modSeq = long.Parse(HighestModSeqPattern().Match(string.Join('\n', select)).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);

        Assert.Equal([$"* 1 FETCH (UID 1 FLAGS (\\Flagged \\Recent) MODSEQ ({modSeq + 1}))", "A3 OK STORE completed"], await client.CommandAsync("STORE 1 +FLAGS (\\Flagged)"));
        Assert.Equal(["A4 OK NOOP completed"], await client.CommandAsync("NOOP"));
        Assert.Equal([$"* 1 FETCH (FLAGS (\\Flagged \\Recent) MODSEQ ({modSeq + 1}))", "A5 OK FETCH completed"], await client.CommandAsync("FETCH 1 (FLAGS MODSEQ)"));

        var message = ImapTestNode.Message("appended to the selected folder");
        var append = await client.CommandAsync(AppendCommand(message));
        Assert.Equal(3, append.Count);
        Assert.Equal("* 3 EXISTS", append[0]);
        Assert.Equal("* 3 RECENT", append[1]);
        Assert.Matches(@"^A6 OK \[APPENDUID \d+ 3\] APPEND completed$", append[2]);
        Assert.Equal(["A7 OK NOOP completed"], await client.CommandAsync("NOOP"));
        Assert.Equal(["* 3 FETCH (UID 3 FLAGS (\\Recent) MODSEQ (" + (modSeq + 2) + "))", "A8 OK FETCH completed"], await client.CommandAsync("FETCH 3 (UID FLAGS MODSEQ)"));

        // Another session changes message 2 in between: this session's next STORE reports that change
        // (it cannot account for it itself) but its own change to message 1 only once.
        await using (var other = await ImapClient.LoginAsync(_node.Port, mailbox.Address))
        {
            await other.CommandAsync("SELECT INBOX");
            Assert.Equal(["A3 OK STORE completed"], await other.CommandAsync("STORE 2 +FLAGS.SILENT (\\Seen)"));
        }

        var store = await client.CommandAsync("STORE 1 +FLAGS (\\Answered)");
        var noop = await client.CommandAsync("NOOP");
        var all = store.Concat(noop).ToList();
        Assert.Equal("A9 OK STORE completed", store[^1]);
        Assert.Equal("A10 OK NOOP completed", noop[^1]);
        Assert.Equal([$"* 1 FETCH (UID 1 FLAGS (\\Answered \\Flagged \\Recent) MODSEQ ({modSeq + 4}))"], all.Where(l => l.StartsWith("* 1 FETCH", StringComparison.Ordinal)).ToList());
        Assert.Equal([$"* 2 FETCH (UID 2 FLAGS (\\Seen \\Recent) MODSEQ ({modSeq + 3}))"], all.Where(l => l.StartsWith("* 2 FETCH", StringComparison.Ordinal)).ToList());
        Assert.Equal(["A11 OK NOOP completed"], await client.CommandAsync("NOOP"));

        // EXPUNGE of the session's own: reported once, never again at NOOP.
        Assert.Equal(["A12 OK STORE completed"], await client.CommandAsync("STORE 3 +FLAGS.SILENT (\\Deleted)"));
        Assert.Equal(["* 3 EXPUNGE", "A13 OK EXPUNGE completed"], await client.CommandAsync("EXPUNGE"));
        Assert.Equal(["A14 OK NOOP completed"], await client.CommandAsync("NOOP"));
    }
}
