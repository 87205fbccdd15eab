using System.Security.Cryptography;
using System.Text;
using HostedMail.Imap.Server;

namespace HostedMail.Imap.Tests;

/// <summary>The node-wide content cache on its own: keys, separation and the byte budget.</summary>
public sealed class ImapContentCacheTests
{
    private static byte[] Sha(int n) => SHA256.HashData(Encoding.ASCII.GetBytes("blob " + n));

    private static byte[] Content(int n, int size = 1_000)
    {
        var bytes = new byte[size];
        bytes.AsSpan().Fill((byte)('a' + (n % 26)));
        BitConverter.GetBytes(n).CopyTo(bytes, 0);
        return bytes;
    }

    [Fact]
    public void AnAddedEntryIsFoundWithItsBytes()
    {
        var cache = new ImapContentCache(1_000_000);
        Assert.False(cache.TryGet(1, Sha(1), header: false, out var missing));
        Assert.Empty(missing);
        var content = Content(1);
        cache.Add(1, Sha(1), header: false, content);
        Assert.True(cache.TryGet(1, Sha(1), header: false, out var found));
        Assert.Equal(content, found);
        Assert.False(cache.TryGet(1, Sha(2), header: false, out _));
    }

    [Fact]
    public void TenantsWithTheSameDigestDoNotSeeEachOthersEntries()
    {
        var cache = new ImapContentCache(1_000_000);
        cache.Add(1, Sha(7), header: false, Content(1));
        Assert.False(cache.TryGet(2, Sha(7), header: false, out _));
        Assert.False(cache.TryGet(2, Sha(7), header: true, out _));

        cache.Add(2, Sha(7), header: false, Content(2));
        Assert.True(cache.TryGet(1, Sha(7), header: false, out var first));
        Assert.True(cache.TryGet(2, Sha(7), header: false, out var second));
        Assert.Equal(Content(1), first);
        Assert.Equal(Content(2), second);
    }

    [Fact]
    public void HeaderAndWholeMessageEntriesAreSeparate()
    {
        var cache = new ImapContentCache(1_000_000);
        var header = Encoding.ASCII.GetBytes("Subject: x\r\n\r\n");
        var whole = Encoding.ASCII.GetBytes("Subject: x\r\n\r\nbody\r\n");
        cache.Add(5, Sha(3), header: true, header);
        Assert.False(cache.TryGet(5, Sha(3), header: false, out _));
        cache.Add(5, Sha(3), header: false, whole);
        Assert.True(cache.TryGet(5, Sha(3), header: true, out var h));
        Assert.True(cache.TryGet(5, Sha(3), header: false, out var w));
        Assert.Equal(header, h);
        Assert.Equal(whole, w);
    }

    [Fact]
    public void TheBudgetBoundsWhatStaysReachableAndOldEntriesAreEvicted()
    {
        const int budget = 10_000;
        const int count = 100;
        var cache = new ImapContentCache(budget);
        for (var i = 0; i < count; i++)
        {
            cache.Add(1, Sha(i), header: false, Content(i));
        }

        // The most recent entry is always kept.
        Assert.True(cache.TryGet(1, Sha(count - 1), header: false, out var last));
        Assert.Equal(Content(count - 1), last);

        var hits = new List<int>();
        for (var i = 0; i < count; i++)
        {
            if (cache.TryGet(1, Sha(i), header: false, out var content))
            {
                Assert.Equal(Content(i), content);
                hits.Add(i);
            }
        }

        // At most about budget bytes of 1000-byte entries, and only recent ones.
        Assert.InRange(hits.Count, 1, budget / 1_000);
        Assert.All(hits, i => Assert.True(i >= count - budget / 1_000, $"entry {i} of {count} is still cached"));
        Assert.False(cache.TryGet(1, Sha(0), header: false, out _));
    }

    [Fact]
    public void AnEntryThatIsReadSurvivesManyGenerations()
    {
        var cache = new ImapContentCache(10_000);
        var hot = Content(-1);
        cache.Add(9, Sha(-1), header: true, hot);
        for (var i = 0; i < 200; i++)
        {
            cache.Add(9, Sha(i), header: true, Content(i));
            Assert.True(cache.TryGet(9, Sha(-1), header: true, out var found), $"the read entry was evicted after {i + 1} additions");
            Assert.Equal(hot, found);
        }

        // Entries nobody read did age out meanwhile.
        Assert.False(cache.TryGet(9, Sha(0), header: true, out _));
    }

    [Fact]
    public void ABudgetOfZeroCachesNothing()
    {
        var cache = new ImapContentCache(0);
        cache.Add(1, Sha(1), header: false, Content(1, 10));
        cache.Add(1, Sha(2), header: true, Content(2, 10));
        Assert.False(cache.TryGet(1, Sha(1), header: false, out _));
        Assert.False(cache.TryGet(1, Sha(2), header: true, out _));
    }

    [Fact]
    public void AnEntryTooLargeForTheBudgetIsNotCached()
    {
        var cache = new ImapContentCache(10_000);
        cache.Add(1, Sha(1), header: false, Content(1, 9_000));
        Assert.False(cache.TryGet(1, Sha(1), header: false, out _));
        cache.Add(1, Sha(2), header: false, Content(2, 500));
        Assert.True(cache.TryGet(1, Sha(2), header: false, out _));
    }

    [Theory]
    [InlineData(24L << 30, 1536L << 20)] // this benchmark machine: 24 GiB, a sixteenth
    [InlineData(512L << 20, 64L << 20)] // a small container: the 64 MiB floor
    [InlineData(256L << 30, 2L << 30)] // a large host: the 2 GiB ceiling
    public void TheDefaultBudgetGrowsWithTheMemoryTheProcessMayUse(long available, long expected) =>
        Assert.Equal(expected, ImapServerOptions.DefaultContentCacheBytes(available));

    [Fact]
    public void TheDefaultBudgetIsTakenFromThisProcesssMemory() =>
        Assert.Equal(ImapServerOptions.DefaultContentCacheBytes(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes), new ImapServerOptions().ContentCacheBytes);
}
