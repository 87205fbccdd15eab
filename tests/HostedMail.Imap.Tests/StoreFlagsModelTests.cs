using System.Text;
using HostedMail.Core.Imap;
using HostedMail.Core.Messages;
using HostedMail.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace HostedMail.Imap.Tests;

/// <summary>
/// STORE has two statements (system flags only, and the general one with keywords and
/// UNCHANGEDSINCE); random STOREs of both kinds are checked against a plain model: the flags and
/// keywords each message ends with, what each call reports as changed, one MODSEQ per changing
/// call, and the folder's UNSEEN count and HIGHESTMODSEQ.
/// </summary>
public sealed class StoreFlagsModelTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    private static readonly MessageFlags[] SystemFlags = [MessageFlags.Seen, MessageFlags.Answered, MessageFlags.Flagged, MessageFlags.Deleted, MessageFlags.Draft];
    private static readonly string[] Keywords = ["$Forwarded", "Work", "work", "$Junk"];

    private ImapTestNode _node = null!;

    public async Task InitializeAsync() => _node = await ImapTestNode.StartAsync(database.ConnectionString);

    public async Task DisposeAsync() => await _node.DisposeAsync();

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task RandomStoresMatchTheModel(int seed)
    {
        var random = new Random(seed);
        var mailbox = await _node.CreateMailboxAsync("store-model");
        var store = _node.Services.GetRequiredService<IImapStore>();
        var (t, m) = (mailbox.TenantId, mailbox.MailboxId);
        var inbox = await _node.InboxIdAsync(mailbox);
        var flags = new Dictionary<long, MessageFlags>();
        var keywords = new Dictionary<long, List<string>>();
        for (var uid = 1L; uid <= 12; uid++)
        {
            var initial = random.Next(2) == 0 ? MessageFlags.Seen : MessageFlags.None;
            var bytes = Encoding.UTF8.GetBytes($"From: a@b.example\r\nSubject: {uid}\r\nMessage-ID: <{uid}.{seed}@b.example>\r\n\r\nBody\r\n");
            await store.AppendAsync(t, m, inbox, null, MessageParsing.Prepare(bytes), initial, [], DateTimeOffset.UtcNow, claimRecent: false, CancellationToken.None);
            (flags[uid], keywords[uid]) = (initial, []);
        }

        var highest = (await store.GetFolderAsync(t, m, inbox, CancellationToken.None))!.HighestModSeq;
        var modSeqs = (await store.FetchAsync(t, m, inbox, flags.Keys.ToList(), FetchExtras.None, CancellationToken.None)).ToDictionary(x => x.Uid, x => x.ModSeq);
        for (var n = 0; n < 120; n++)
        {
            var uids = Enumerable.Range(1, 12).Select(u => (long)u).Where(_ => random.Next(4) == 0).ToList();
            var mode = (FlagStoreMode)random.Next(3);
            var set = SystemFlags.Where(_ => random.Next(3) == 0).Aggregate(MessageFlags.None, (a, f) => a | f);
            // Half the calls are system flags only with +/- (the short statement), the rest anything.
            string[] words = random.Next(2) == 0 ? [] : Keywords.Where(_ => random.Next(3) == 0).ToArray();
            long? unchangedSince = random.Next(6) == 0 ? highest - random.Next(3) : null;
            var result = await store.StoreFlagsAsync(t, m, inbox, new FlagStoreRequest(uids, mode, set, words, unchangedSince), CancellationToken.None);

            var changed = new List<long>();
            var refused = new List<long>();
            foreach (var uid in uids)
            {
                if (unchangedSince is { } since && modSeqs[uid] > since)
                {
                    refused.Add(uid);
                    continue;
                }

                var newFlags = mode switch { FlagStoreMode.Replace => set, FlagStoreMode.Add => flags[uid] | set, _ => flags[uid] & ~set };
                var newKeywords = Apply(keywords[uid], mode, words);
                if (newFlags != flags[uid] || !SameKeywords(newKeywords, keywords[uid]))
                {
                    changed.Add(uid);
                }

                (flags[uid], keywords[uid]) = (newFlags, newKeywords);
            }

            var context = $"call {n}: {mode} {set} [{string.Join(' ', words)}] since {unchangedSince} on [{string.Join(' ', uids)}]";
            Assert.True(refused.SequenceEqual(result.Modified), context + " (refused)");
            Assert.True(changed.SequenceEqual(result.Messages.Where(x => x.Changed).Select(x => x.Uid)), context + " (changed)");
            if (changed.Count > 0)
            {
                // One new MODSEQ for the whole call, given to every message it changed.
                Assert.All(result.Messages.Where(x => x.Changed), x => Assert.Equal(highest + 1, x.ModSeq));
                highest++;
                changed.ForEach(uid => modSeqs[uid] = highest);
            }

            foreach (var reported in result.Messages)
            {
                Assert.Equal(flags[reported.Uid], reported.Flags);
                Assert.True(SameKeywords(keywords[reported.Uid], reported.Keywords), context + " (keywords)");
            }

            var folder = (await store.GetFolderAsync(t, m, inbox, CancellationToken.None))!;
            Assert.Equal(highest, folder.HighestModSeq);
            Assert.Equal(flags.Values.Count(f => (f & MessageFlags.Seen) == 0), folder.UnseenCount);
        }
    }

    // Keywords compare case-insensitively and keep the spelling a message already has (docs/imap-conformance.md D34).
    private static List<string> Apply(List<string> current, FlagStoreMode mode, string[] words)
    {
        var distinct = words.Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        return mode switch
        {
            FlagStoreMode.Replace => distinct.Select(w => current.FirstOrDefault(c => c.Equals(w, StringComparison.OrdinalIgnoreCase)) ?? w).ToList(),
            FlagStoreMode.Add => [.. current, .. distinct.Where(w => !current.Contains(w, StringComparer.OrdinalIgnoreCase))],
            _ => current.Where(c => !distinct.Contains(c, StringComparer.OrdinalIgnoreCase)).ToList(),
        };
    }

    private static bool SameKeywords(IEnumerable<string> a, IEnumerable<string> b) => a.Order(StringComparer.Ordinal).SequenceEqual(b.Order(StringComparer.Ordinal));
}
