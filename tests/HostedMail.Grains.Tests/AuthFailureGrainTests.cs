using HostedMail.Core.Security;
using HostedMail.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace HostedMail.Grains.Tests;

/// <summary>Authentication failures counted in grains: one count per cluster, persisted.</summary>
public sealed class AuthFailureGrainTests
{
    private static AuthPenaltyOptions Options => new()
    {
        FreeFailures = 2,
        BaseDelay = TimeSpan.FromSeconds(1),
        MaxDelay = TimeSpan.FromSeconds(5),
        UsernameLockoutThreshold = 6,
        AddressLockoutThreshold = 10,
        LockoutDuration = TimeSpan.FromMinutes(15),
    };

    [Fact]
    public async Task FailuresRecordedThroughDifferentSilosCountTogetherAndLockTheLogin()
    {
        await using var database = await TestDatabase.CreateMigratedAsync();
        await using var cluster = await PostgresCluster.StartAsync(database, silos: 2, Options);
        var limiters = cluster.Silos.Select(s => s.ServiceProvider.GetRequiredService<IAuthenticationLimiter>()).ToList();
        var delays = new List<double>();
        for (var i = 0; i < 6; i++)
        {
            // Alternate nodes, as a balancer would spread an attacker.
            var limiter = limiters[i % 2];
            var decision = await limiter.CheckAsync($"203.0.113.{i}", "Alice@Example.com", default);
            Assert.Null(decision.LockedFor);
            delays.Add(decision.Delay.TotalSeconds);
            await limiter.RecordFailureAsync($"203.0.113.{i}", "alice@example.com ", default);
        }

        Assert.Equal([0, 0, 0, 1, 2, 4], delays);
        foreach (var limiter in limiters)
        {
            var locked = await limiter.CheckAsync("198.51.100.1", "ALICE@example.com", default);
            Assert.NotNull(locked.LockedFor);
            Assert.True(locked.LockedFor <= TimeSpan.FromMinutes(15) && locked.LockedFor > TimeSpan.FromMinutes(14));
        }

        // Each failure was written to the grain storage before it was acknowledged.
        Assert.Equal(1L, await ClusterTests.ScalarAsync(database, "SELECT count(*) FROM orleans.grain_state WHERE grain_id_extension = 'alice@example.com' AND version = 6"));
    }

    [Fact]
    public async Task AnAddressIsLockedAcrossLoginsAndASuccessClearsOnlyTheLogin()
    {
        await using var database = await TestDatabase.CreateMigratedAsync();
        await using var cluster = await PostgresCluster.StartAsync(database, silos: 2, Options);
        var limiters = cluster.Silos.Select(s => s.ServiceProvider.GetRequiredService<IAuthenticationLimiter>()).ToList();
        for (var i = 0; i < 4; i++)
        {
            await limiters[i % 2].RecordFailureAsync("192.0.2.1", "bob", default);
        }

        await limiters[1].RecordSuccessAsync("192.0.2.99", "bob", default);
        Assert.Equal(TimeSpan.Zero, (await limiters[0].CheckAsync("192.0.2.99", "bob", default)).Delay);
        // The address kept its four failures: two beyond the free ones.
        Assert.Equal(TimeSpan.FromSeconds(2), (await limiters[0].CheckAsync("192.0.2.1", "bob", default)).Delay);

        for (var i = 0; i < 6; i++)
        {
            await limiters[i % 2].RecordFailureAsync("192.0.2.1", $"user{i}", default);
        }

        Assert.NotNull((await limiters[1].CheckAsync("192.0.2.1", "someone-else", default)).LockedFor);
        Assert.Null((await limiters[1].CheckAsync("192.0.2.2", "someone-else", default)).LockedFor);
    }

    [Fact]
    public async Task ALockoutSurvivesTheWholeClusterRestarting()
    {
        await using var database = await TestDatabase.CreateMigratedAsync();
        await using (var first = await PostgresCluster.StartAsync(database, silos: 2, Options))
        {
            var limiter = first.Silos[0].ServiceProvider.GetRequiredService<IAuthenticationLimiter>();
            for (var i = 0; i < 6; i++)
            {
                await limiter.RecordFailureAsync("192.0.2.5", "carol", default);
            }
        }

        // A new cluster on the same database: the grains activate from the stored state.
        await using var second = await PostgresCluster.StartAsync(database, silos: 2, Options);
        var again = second.Silos[1].ServiceProvider.GetRequiredService<IAuthenticationLimiter>();
        Assert.NotNull((await again.CheckAsync("192.0.2.6", "carol", default)).LockedFor);
        Assert.Null((await again.CheckAsync("192.0.2.6", "dave", default)).LockedFor);
    }
}

/// <summary>The counter's rules on their own (time is a parameter).</summary>
public sealed class AuthFailureCounterTests
{
    private static readonly AuthPenaltyOptions Options = new() { LockoutDuration = TimeSpan.FromMinutes(15), ForgetAfter = TimeSpan.FromHours(1) };
    private static readonly DateTimeOffset Start = new(2026, 12, 5, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void TheThresholdLocksAndAfterTheLockoutTheNextFailureLocksAgainAtOnce()
    {
        var counter = new AuthFailureCounter();
        for (var i = 0; i < 2; i++)
        {
            Assert.Null(counter.Fail(Start, threshold: 3, Options).LockedUntil);
        }

        Assert.Equal(Start + TimeSpan.FromMinutes(15), counter.Fail(Start, threshold: 3, Options).LockedUntil);
        var later = Start + TimeSpan.FromMinutes(16);
        Assert.Null(counter.Read(later, Options).LockedUntil);
        Assert.Equal(3, counter.Read(later, Options).Failures);
        Assert.NotNull(counter.Fail(later, threshold: 3, Options).LockedUntil);
    }

    [Fact]
    public void ACounterIdleForForgetAfterStartsAgain()
    {
        var counter = new AuthFailureCounter();
        counter.Fail(Start, threshold: 10, Options);
        counter.Fail(Start, threshold: 10, Options);
        var idle = Start + TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1);
        Assert.Equal(default, counter.Read(idle, Options));
        Assert.True(counter.IsStale(idle, Options));
        Assert.Equal(1, counter.Fail(idle, threshold: 10, Options).Failures);
    }

    [Fact]
    public void TheDelayDoublesAfterTheFreeFailuresUpToTheMaximum()
    {
        var options = new AuthPenaltyOptions { FreeFailures = 2, BaseDelay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromSeconds(5) };
        Assert.Equal([0, 0, 0, 1, 2, 4, 5, 5], Enumerable.Range(0, 8).Select(f => options.DelayAfter(f).TotalSeconds));
    }
}
