using HostedMail.Storage.Stores;

namespace HostedMail.IntegrationTests.Storage;

/// <summary>
/// The sessions one delivery wakes claim \Recent (RFC 3501 section 2.3.2) together; the node makes
/// one claim between them (<see cref="RecentBoundaryCache.ClaimOnceAsync"/>). The claims here are
/// held until the test releases them, so "together" is certain rather than a matter of timing.
/// </summary>
public sealed class RecentBoundaryCacheTests
{
    [Fact]
    public async Task SessionsClaimingTheSameFolderTogetherMakeOneClaimAndAreToldNothingIsLeft()
    {
        var cache = new RecentBoundaryCache();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var claims = 0;
        Func<Task<string>> claim = async () =>
        {
            Interlocked.Increment(ref claims);
            await release.Task;
            cache.Raise(7, 11);
            return "claimed";
        };

        var sessions = Enumerable.Range(0, 100).Select(_ => cache.ClaimOnceAsync(7, 11, claim, "covered", CancellationToken.None)).ToList();
        // Another folder is claimed on its own.
        var other = cache.ClaimOnceAsync(8, 11, () => Task.FromResult("other folder"), "covered", CancellationToken.None);
        Assert.Equal("other folder", await other);
        Assert.Equal(1, claims);

        release.SetResult();
        var answers = await Task.WhenAll(sessions);
        Assert.Equal(1, claims);
        Assert.Single(answers, a => a == "claimed");
        Assert.Equal(99, answers.Count(a => a == "covered"));
    }

    [Fact]
    public async Task AWaiterForMoreThanTheRunningClaimCoversClaimsTheRestAndAFailedClaimLeavesWaitersToTryThemselves()
    {
        var cache = new RecentBoundaryCache();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var first = cache.ClaimOnceAsync(7, 11, async () =>
        {
            await release.Task;
            throw new InvalidOperationException("the database went away");
        }, "covered", CancellationToken.None);
        var claimed = new List<long>();
        var second = cache.ClaimOnceAsync(7, 12, () =>
        {
            claimed.Add(12);
            cache.Raise(7, 12);
            return Task.FromResult("claimed up to 12");
        }, "covered", CancellationToken.None);
        Assert.Empty(claimed);

        release.SetResult();
        await Assert.ThrowsAsync<InvalidOperationException>(() => first);
        Assert.Equal("claimed up to 12", await second);
        Assert.Equal("covered", await cache.ClaimOnceAsync(7, 12, () => Task.FromResult("again"), "covered", CancellationToken.None));
    }
}
