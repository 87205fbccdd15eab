using HostedMail.Core;

namespace HostedMail.Net.Tests;

public class PeriodicWorkTests
{
    [Fact]
    public async Task AFailedRunIsReportedAndTheNextComesOnTime()
    {
        var time = new FakeTimeProvider();
        var runs = 0;
        var failures = new List<Exception>();
        using var done = new SemaphoreSlim(0);
        using var stop = new CancellationTokenSource();
        var loop = PeriodicWork.RunAsync(TimeSpan.FromHours(1), time, atStart: true, _ =>
        {
            if (++runs == 1)
            {
                throw new InvalidOperationException("the database restarts");
            }

            done.Release();
            return Task.CompletedTask;
        }, ex =>
        {
            failures.Add(ex);
            done.Release();
        }, stop.Token);

        Assert.True(await done.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal("the database restarts", Assert.Single(failures).Message);
        time.Advance(TimeSpan.FromMinutes(59));
        Assert.False(await done.WaitAsync(TimeSpan.FromMilliseconds(200)));
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.True(await done.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(2, runs);

        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => loop);
    }

    [Fact]
    public async Task WithoutAtStartTheFirstRunWaitsAPeriod()
    {
        var time = new FakeTimeProvider();
        using var done = new SemaphoreSlim(0);
        using var stop = new CancellationTokenSource();
        var loop = PeriodicWork.RunAsync(TimeSpan.FromHours(1), time, atStart: false, _ =>
        {
            done.Release();
            return Task.CompletedTask;
        }, _ => { }, stop.Token);

        Assert.False(await done.WaitAsync(TimeSpan.FromMilliseconds(200)));
        time.Advance(TimeSpan.FromHours(1));
        Assert.True(await done.WaitAsync(TimeSpan.FromSeconds(10)));
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => loop);
    }
}
