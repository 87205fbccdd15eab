using HostedMail.Identity;

namespace HostedMail.IntegrationTests.Identity;

/// <summary>
/// Password hashes take turns (<see cref="HashingGate"/>): a login storm runs as many at once as
/// there are turns, the rest wait in order instead of all sharing the cores and all finishing late.
/// </summary>
public sealed class HashingGateTests
{
    [Fact]
    public async Task NoMoreHashesRunAtOnceThanTheGateHasTurnsAndTheNextRunsWhenOneEnds()
    {
        using var gate = new HashingGate(2);
        var running = 0;
        var most = 0;
        using var firstMayEnd = new ManualResetEventSlim();
        using var secondMayEnd = new ManualResetEventSlim();
        Func<ManualResetEventSlim?, Func<int>> hash = mayEnd => () =>
        {
            var now = Interlocked.Increment(ref running);
            InterlockedMax(ref most, now);
            mayEnd?.Wait(TimeSpan.FromSeconds(30));
            Interlocked.Decrement(ref running);
            return now;
        };

        var first = Task.Run(() => gate.RunAsync(hash(firstMayEnd), CancellationToken.None));
        var second = Task.Run(() => gate.RunAsync(hash(secondMayEnd), CancellationToken.None));
        using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            while (Volatile.Read(ref running) < 2)
            {
                await Task.Delay(10, deadline.Token);
            }
        }

        // Both turns are taken: the third waits (its work has not run) until one ends.
        var third = gate.RunAsync(hash(null), CancellationToken.None);
        Assert.False(third.IsCompleted);
        Assert.Equal(2, Volatile.Read(ref running));
        firstMayEnd.Set();
        await first;
        await third;
        secondMayEnd.Set();
        await second;
        Assert.Equal(2, most);
    }

    [Fact]
    public async Task ALoginThatGivesUpWhileWaitingNeverHashes()
    {
        using var gate = new HashingGate(1);
        using var mayEnd = new ManualResetEventSlim();
        var holder = Task.Run(() => gate.RunAsync(() => mayEnd.Wait(TimeSpan.FromSeconds(30)), CancellationToken.None));
        using var gone = new CancellationTokenSource();
        var ran = false;
        Task<bool> waiting;
        using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            // Until the holder has the turn, a new call may still get it: ask again until one waits.
            while (true)
            {
                waiting = gate.RunAsync(() => ran = true, gone.Token);
                if (!waiting.IsCompleted)
                {
                    break;
                }

                ran = false;
                await Task.Delay(10, deadline.Token);
            }
        }

        await gone.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        mayEnd.Set();
        await holder;
        Assert.False(ran);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var seen = Volatile.Read(ref target);
        while (value > seen && Interlocked.CompareExchange(ref target, value, seen) is var previous && previous != seen)
        {
            seen = previous;
        }
    }
}
