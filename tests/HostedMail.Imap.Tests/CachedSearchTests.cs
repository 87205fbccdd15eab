using System.Globalization;
using System.Text;
using HostedMail.Core.Imap;
using HostedMail.Core.Mailboxes;
using HostedMail.Core.Messages;
using HostedMail.Imap.Server;
using HostedMail.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace HostedMail.Imap.Tests;

/// <summary>
/// SEARCH answered from a session's cached metadata (CachedSearch) must find exactly what the
/// store's SQL finds: random search programs over messages with real-world subjects (mixed case,
/// non-ASCII, encoded words, LIKE wildcards, none at all), flags, keywords, sizes and dates are run
/// both ways. Then the same through a session, where the cache lags the store.
/// </summary>
public sealed class CachedSearchTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    private static readonly string?[] Subjects =
    [
        "Invoice 42 for November", "RE: invoice 42", "Fwd: Meeting notes", "meeting", "ÜBER die Größe der STRASSE", "straße und Strasse",
        "=?UTF-8?B?w4RyZ2VyIG1pdCBkZXIgUmVjaG51bmc=?=", "=?ISO-8859-1?Q?R=E9sum=E9_attached?=", "50% off_now!", "100%_real \\ backslash",
        "日本語の件名です", "ΣΊΣΥΦΟΣ και σίσυφος", "İstanbul trip", "KELVIN \u212A scale", "Seasons greetings", "  spaced   out  ", "[list] weekly report", null,
    ];

    private static readonly string[] Keywords = ["$Forwarded", "Work", "$Label1", "Later"];

    private static readonly string[] Needles =
    [
        "invoice", "INVOICE", "Invoice 42", "meeting", "größe", "GRÖSSE", "strasse", "STRASSE", "straße", "ärger", "RECHNUNG", "résumé", "RÉSUMÉ",
        "50%", "%", "_", "off_now", "\\", "日本語", "σίσυφος", "ΣΊΣΥΦΟΣ", "istanbul", "kelvin k", "\u212Aelvin", "\u017Feason", "SEASON", "k scale", "  ", "[list]", "report", "nothing like it",
    ];

    private static readonly MessageFlags[] SystemFlags = [MessageFlags.Seen, MessageFlags.Answered, MessageFlags.Flagged, MessageFlags.Deleted, MessageFlags.Draft];

    private static readonly DateTimeOffset Start = new(2026, 11, 20, 0, 0, 0, TimeSpan.Zero);

    private ImapTestNode _node = null!;

    public async Task InitializeAsync() => _node = await ImapTestNode.StartAsync(database.ConnectionString);

    public async Task DisposeAsync() => await _node.DisposeAsync();

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task RandomSearchProgramsFindWhatTheStoreFinds(int seed)
    {
        var random = new Random(seed);
        var mailbox = await _node.CreateMailboxAsync("cached-search");
        var store = _node.Services.GetRequiredService<IImapStore>();
        var inbox = await _node.InboxIdAsync(mailbox);
        for (var i = 0; i < 60; i++)
        {
            var subject = Subjects[random.Next(Subjects.Length)];
            var header = subject is null ? string.Empty : $"Subject: {subject}\r\n";
            var body = string.Concat(Enumerable.Repeat("Some words. ", random.Next(1, 300)));
            var bytes = Encoding.UTF8.GetBytes($"From: ann@sender.example\r\nTo: bob@example.com\r\n{header}Date: Sat, 21 Nov 2026 10:00:00 +0100\r\nMessage-ID: <{i}.{seed}@sender.example>\r\n\r\n{body}\r\n");
            var flags = SystemFlags.Where(_ => random.Next(3) == 0).Aggregate(MessageFlags.None, (a, f) => a | f);
            var keywords = Keywords.Where(_ => random.Next(3) == 0).ToArray();
            // Internal dates on either side of midnight UTC, days apart.
            var internalDate = Start.AddDays(random.Next(6)).AddHours(random.Next(2) == 0 ? 0.5 : 23.5);
            await store.AppendAsync(mailbox.TenantId, mailbox.MailboxId, inbox, null, MessageParsing.Prepare(bytes), flags, keywords, internalDate, claimRecent: false, CancellationToken.None);
        }

        // Later changes give messages MODSEQs of their own.
        await store.StoreFlagsAsync(mailbox.TenantId, mailbox.MailboxId, inbox, new FlagStoreRequest([3, 9, 27], FlagStoreMode.Add, MessageFlags.Flagged, ["work"], null), CancellationToken.None);
        var uids = Enumerable.Range(1, 60).Select(u => (long)u).ToList();
        var messages = await store.FetchAsync(mailbox.TenantId, mailbox.MailboxId, inbox, uids, FetchExtras.None, CancellationToken.None);
        Assert.Equal(60, messages.Count);
        Assert.Contains(messages, m => m.Subject is null);
        Assert.Contains(messages, m => m.Subject == "Ärger mit der Rechnung");

        var sizes = messages.Select(m => m.Size).Order().ToArray();
        var modSeqs = messages.Select(m => m.ModSeq).Order().ToArray();
        for (var n = 0; n < 250; n++)
        {
            var key = RandomKey(random, 3, sizes, modSeqs);
            Assert.True(CachedSearch.CanEvaluate(key), key.ToString());
            var expected = await store.SearchAsync(mailbox.TenantId, mailbox.MailboxId, inbox, key, [], CancellationToken.None);
            var actual = CachedSearch.Run(key, messages, DateTimeOffset.UtcNow);
            Assert.True(expected.SequenceEqual(actual), $"{Describe(key)}: store [{string.Join(' ', expected)}], cached [{string.Join(' ', actual)}]");
        }
    }

    [Fact]
    public void KeysThatNeedMessageTextAreLeftToTheStore()
    {
        Assert.False(CachedSearch.CanEvaluate(new TextKey("words", BodyOnly: true)));
        Assert.False(CachedSearch.CanEvaluate(new HeaderKey("From", "ann")));
        Assert.False(CachedSearch.CanEvaluate(new HeaderKey("Subject", string.Empty)));
        Assert.False(CachedSearch.CanEvaluate(new DateKey(new DateOnly(2026, 11, 21), DateComparison.On, SentDate: true)));
        Assert.False(CachedSearch.CanEvaluate(new AndKey([new FlagKey(MessageFlags.Seen, true), new OrKey(AllKey.Instance, new TextKey("x", false))])));
        Assert.True(CachedSearch.CanEvaluate(new AndKey([new FlagKey(MessageFlags.Seen, true), new NotKey(new HeaderKey("SUBJECT", "x"))])));
    }

    [Fact]
    public async Task ASessionsSearchSeesNewMessagesOtherSessionsChangesAndNotTheirExpunges()
    {
        var mailbox = await _node.CreateMailboxAsync("cached-session");
        for (var i = 0; i < 4; i++)
        {
            await _node.DeliverAsync(mailbox, ImapTestNode.Message($"Quarterly report {i}"));
        }

        await using var reader = await ImapClient.LoginAsync(_node.Port, mailbox.Address);
        await using var writer = await ImapClient.LoginAsync(_node.Port, mailbox.Address);
        await reader.CommandAsync("SELECT INBOX");
        await writer.CommandAsync("SELECT INBOX");
        // Fills the reader's cache (the first search reads the metadata of all four).
        Assert.Contains("* SEARCH 1 2 3 4", await reader.CommandAsync("UID SEARCH SUBJECT \"quarterly REPORT\""));

        // A new message (not in the reader's cache), a flag change and an expunge by the other session.
        await _node.DeliverAsync(mailbox, ImapTestNode.Message("Quarterly report 4"));
        await writer.CommandAsync("UID STORE 2 +FLAGS (\\Flagged)");
        await writer.CommandAsync("UID STORE 3 +FLAGS (\\Deleted)");
        await writer.CommandAsync("UID EXPUNGE 3");

        // The reader learns of the other session's changes through the change feed (as for FETCH).
        var deadline = DateTime.UtcNow.AddSeconds(5);
        var flagged = await reader.CommandAsync("UID SEARCH FLAGGED SUBJECT report");
        while (!flagged.Contains("* SEARCH 2") && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
            flagged = await reader.CommandAsync("UID SEARCH FLAGGED SUBJECT report");
        }

        Assert.Contains("* SEARCH 2", flagged);
        // UID SEARCH may report the expunge first (RFC 9051 section 7.5.1); either way UID 3 is not found.
        var all = await reader.CommandAsync("UID SEARCH SUBJECT report");
        Assert.Contains("* SEARCH 1 2 4 5", all);
        Assert.Contains("* SEARCH 4", await reader.CommandAsync("UID SEARCH UNFLAGGED SUBJECT \"report 3\""));
    }

    private static SearchKey RandomKey(Random random, int depth, long[] sizes, long[] modSeqs)
    {
        var pick = random.Next(depth > 0 ? 13 : 10);
        return pick switch
        {
            0 => new FlagKey(SystemFlags[random.Next(SystemFlags.Length)], random.Next(2) == 0),
            1 => new KeywordKey(random.Next(2) == 0 ? Keywords[random.Next(Keywords.Length)] : Keywords[random.Next(Keywords.Length)].ToUpperInvariant(), random.Next(2) == 0),
            2 => new SizeKey(sizes[random.Next(sizes.Length)] + random.Next(-1, 2), random.Next(2) == 0),
            3 => new DateKey(DateOnly.FromDateTime(Start.UtcDateTime).AddDays(random.Next(-1, 7)), (DateComparison)random.Next(3), SentDate: false),
            // Boundaries half a day from every internal date, so the two clocks' "now" cannot disagree.
            4 => new AgeKey((long)(DateTimeOffset.UtcNow - Start.AddDays(random.Next(7)).AddHours(12)).TotalSeconds, random.Next(2) == 0),
            5 => new ModSeqKey(modSeqs[random.Next(modSeqs.Length)] + random.Next(0, 2)),
            6 => RandomUidSet(random),
            7 or 8 => new HeaderKey(random.Next(2) == 0 ? "SUBJECT" : "Subject", Needles[random.Next(Needles.Length)]),
            9 => random.Next(4) == 0 ? NoneKey.Instance : AllKey.Instance,
            10 => new NotKey(RandomKey(random, depth - 1, sizes, modSeqs)),
            11 => new OrKey(RandomKey(random, depth - 1, sizes, modSeqs), RandomKey(random, depth - 1, sizes, modSeqs)),
            _ => new AndKey(Enumerable.Range(0, random.Next(0, 4)).Select(_ => RandomKey(random, depth - 1, sizes, modSeqs)).ToList()),
        };
    }

    private static UidSetKey RandomUidSet(Random random)
    {
        var ranges = new List<(long, long)>();
        for (var i = random.Next(0, 4); i > 0; i--)
        {
            var start = random.Next(1, 62);
            ranges.Add((start, start + random.Next(-1, 10)));
        }

        return new UidSetKey(ranges);
    }

    private static string Describe(SearchKey key) => key switch
    {
        AndKey a => "(" + string.Join(" ", a.Keys.Select(Describe)) + ")",
        OrKey o => $"OR {Describe(o.Left)} {Describe(o.Right)}",
        NotKey n => "NOT " + Describe(n.Key),
        UidSetKey u => "UID " + string.Join(',', u.Ranges.Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.Start}:{r.End}"))),
        _ => key.ToString(),
    };
}
