using HostedMail.Imap.Server;

namespace HostedMail.Imap.Tests;

public sealed class RecentUidsTests
{
    [Fact]
    public void ClaimsThatFollowEachOtherMergeIntoOneRange()
    {
        var recent = new RecentUids();
        for (var uid = 10; uid < 5010; uid++)
        {
            recent.Add(uid, uid + 1);
        }

        Assert.Equal([(10L, 5010L)], recent.Ranges);
        Assert.True(recent.Contains(10));
        Assert.True(recent.Contains(5009));
        Assert.False(recent.Contains(9));
        Assert.False(recent.Contains(5010));
    }

    [Fact]
    public void EmptyClaimsAreNothing()
    {
        var recent = new RecentUids();
        recent.Add(7, 7);
        recent.Add(9, 3);
        Assert.True(recent.IsEmpty);
        Assert.False(recent.Contains(7));
        Assert.Equal(0, recent.CountIn([1, 7, 9]));
    }

    // A model check: claims in any order, overlapping, adjacent or apart, against a plain set.
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void MembershipAndCountsAreThoseOfTheClaimedUids(int seed)
    {
        var random = new Random(seed);
        var recent = new RecentUids();
        var model = new HashSet<long>();
        for (var i = 0; i < 300; i++)
        {
            var from = random.Next(1, 400);
            var to = from + random.Next(-2, 12);
            recent.Add(from, to);
            for (long uid = from; uid < to; uid++)
            {
                model.Add(uid);
            }

            var ranges = recent.Ranges;
            for (var r = 1; r < ranges.Count; r++)
            {
                Assert.True(ranges[r - 1].To < ranges[r].From, "ranges stay sorted, apart and merged");
            }
        }

        for (long uid = 0; uid < 420; uid++)
        {
            Assert.Equal(model.Contains(uid), recent.Contains(uid));
        }

        var map = Enumerable.Range(0, 420).Where(_ => random.Next(3) > 0).Select(u => (uint)u).ToList();
        Assert.Equal(map.Count(u => model.Contains(u)), recent.CountIn(map));
    }
}
