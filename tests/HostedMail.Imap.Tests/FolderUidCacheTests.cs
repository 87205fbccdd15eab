using HostedMail.Core.Imap;
using HostedMail.Core.Messages;
using HostedMail.Imap.Server;
using HostedMail.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace HostedMail.Imap.Tests;

/// <summary>
/// The UID lists kept per folder (<see cref="FolderUidCache"/>) and brought forward with the rows
/// changed since must be exactly what the database answers for the same folder state.
/// </summary>
public sealed class FolderUidCacheTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    private ImapTestNode _node = null!;

    public async Task InitializeAsync() => _node = await ImapTestNode.StartAsync(database.ConnectionString);

    public async Task DisposeAsync() => await _node.DisposeAsync();

    [Fact]
    public void ApplyAddsChangesRemovesWhatWasExpungedByThenAndKeepsWhatWasExpungedSince()
    {
        var from = new FolderUids([2, 4, 6, 8], [false, true, false, true]);
        var later = FolderUidCache.Apply(from,
        [
            new UidChange(2, UidChangeKind.Unseen),          // \Seen removed
            new UidChange(4, UidChangeKind.ExpungedByThen),
            new UidChange(8, UidChangeKind.ExpungedSince),   // still in the later state; no longer unseen
            new UidChange(9, UidChangeKind.Seen),            // appended
            new UidChange(10, UidChangeKind.ExpungedByThen), // appended and expunged in between
            new UidChange(11, UidChangeKind.ExpungedSince),  // appended, expunged after the later state
        ]);
        Assert.Equal(new uint[] { 2, 6, 8, 9, 11 }, later.Uids);
        Assert.Equal(new[] { true, false, false, false, false }, later.Unseen);
        Assert.Equal(2u, later.FirstUnseen);
        Assert.Equal(0u, FolderUidCache.Apply(later, [new UidChange(2, UidChangeKind.Seen)]).FirstUnseen);
    }

    [Fact]
    public void EntriesAreKeptWithinTheBudgetLeastRecentlyUsedFirst()
    {
        var cache = new FolderUidCache(maxUids: 400);
        static FolderUids Of(int count) => new([.. Enumerable.Range(1, count).Select(i => (uint)i)], new bool[count]);
        cache.Offer((1, 1, 1), 101, 10, Of(100));
        cache.Offer((1, 1, 2), 101, 10, Of(100));
        cache.Offer((1, 1, 3), 101, 10, Of(100));
        Assert.True(cache.TryGet((1, 1, 1), 101, 10, out _));
        cache.Offer((1, 1, 4), 101, 10, Of(100));
        cache.Offer((1, 1, 5), 101, 10, Of(100));
        Assert.True(cache.UidCount <= 400);
        Assert.False(cache.TryGet((1, 1, 2), 101, 10, out _));
        Assert.True(cache.TryGet((1, 1, 5), 101, 10, out _));

        // A later state replaces an entry, an earlier one does not, and no entry answers for an earlier state.
        cache.Offer((1, 1, 5), 102, 12, Of(99));
        cache.Offer((1, 1, 5), 101, 11, Of(100));
        Assert.True(cache.TryGet((1, 1, 5), 102, 12, out var entry));
        Assert.Equal(12, entry.ModSeq);
        Assert.False(cache.TryGet((1, 1, 5), 101, 11, out _));
    }

    /// <summary>
    /// Deliveries, flag changes and expunges in a random order; after each, and then for states
    /// visited earlier in a random order, the list a node brings forward equals the full query's.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task BroughtForwardListsEqualTheDatabasesForEveryState(int seed)
    {
        var random = new Random(seed);
        var store = _node.Services.GetRequiredService<IImapStore>();
        var shared = new SharedFolderQueries(store);
        var mailbox = await _node.CreateMailboxAsync("uidcache");
        var folderId = await _node.InboxIdAsync(mailbox);
        var present = new List<long>();
        var states = new List<(long UidNext, long ModSeq)>();
        for (var step = 0; step < 80; step++)
        {
            var roll = random.Next(10);
            if (present.Count < 3 || roll < 4)
            {
                present.Add(await _node.DeliverAsync(mailbox, ImapTestNode.Message("step " + step)));
            }
            else if (roll < 8)
            {
                var uids = present.OrderBy(_ => random.Next()).Take(random.Next(1, 4)).ToList();
                await store.StoreFlagsAsync(mailbox.TenantId, mailbox.MailboxId, folderId, new FlagStoreRequest(uids, random.Next(2) == 0 ? FlagStoreMode.Add : FlagStoreMode.Remove, MessageFlags.Seen, [], null), CancellationToken.None);
            }
            else
            {
                var uid = present[random.Next(present.Count)];
                await store.StoreFlagsAsync(mailbox.TenantId, mailbox.MailboxId, folderId, new FlagStoreRequest([uid], FlagStoreMode.Add, MessageFlags.Deleted, [], null), CancellationToken.None);
                await store.ExpungeDeletedAsync(mailbox.TenantId, mailbox.MailboxId, folderId, [uid], CancellationToken.None);
                present.Remove(uid);
            }

            if (random.Next(3) == 0)
            {
                var folder = (await store.GetFolderAsync(mailbox.TenantId, mailbox.MailboxId, folderId, CancellationToken.None))!;
                states.Add((folder.UidNext, folder.HighestModSeq));
                await AssertSameAsync(folder.UidNext, folder.HighestModSeq, current: true);
            }
        }

        // A state's UIDs are fixed; whether each is unseen is read "now" by the database and was
        // read when the list was kept by the node, so for past states only the UIDs compare.
        foreach (var (uidNext, modSeq) in states.OrderBy(_ => random.Next()))
        {
            await AssertSameAsync(uidNext, modSeq, current: false);
        }

        // Past states in order on a node that kept none: each brought forward from the one before,
        // with expunges made after it (UIDs that stay in that state) among the changes.
        shared = new SharedFolderQueries(store);
        foreach (var (uidNext, modSeq) in states)
        {
            await AssertSameAsync(uidNext, modSeq, current: false);
        }

        async Task AssertSameAsync(long uidNext, long modSeq, bool current)
        {
            var expected = await store.ListUidsAsync(mailbox.TenantId, mailbox.MailboxId, folderId, uidNext, modSeq, CancellationToken.None);
            var actual = await shared.ListUidsAsync(mailbox.TenantId, mailbox.MailboxId, folderId, uidNext, modSeq, CancellationToken.None);
            Assert.Equal(expected.Uids, actual.Uids);
            if (current)
            {
                Assert.Equal(expected.Unseen, actual.Unseen);
                Assert.Equal(expected.FirstUnseen, actual.FirstUnseen);
            }
        }
    }
}
