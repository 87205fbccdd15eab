using HostedMail.Core.Security;

namespace HostedMail.Net.Tests;

/// <summary>
/// The slow password hash runs off the thread pool, at most one per core at a time
/// (<see cref="PasswordHashing"/>): a hash on a pool worker held it for ~100 ms and stalled the
/// node's sessions when two ran at once.
/// </summary>
public sealed class PasswordHashingTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task HashesRunOnThreadsOfTheirOwnAndTheirResultsComeBack()
    {
        var hasher = new RecordingHasher();
        Assert.Equal(PasswordCheck.Success, await hasher.VerifyAsync("stored", "right"));
        Assert.Equal(PasswordCheck.Failed, await hasher.VerifyAsync("stored", "wrong"));
        Assert.Equal("hash:secret", await hasher.HashAsync("secret"));
        Assert.Equal(3, hasher.Threads.Count);
        Assert.DoesNotContain(true, hasher.Threads);
    }

    [Fact]
    public async Task NoMoreHashesRunAtOnceThanThereAreCoresAndThePoolStaysFree()
    {
        var hasher = new GatedHasher();
        var checks = Enumerable.Range(0, Environment.ProcessorCount * 3).Select(_ => hasher.VerifyAsync("stored", "right")).ToList();
        while (Volatile.Read(ref hasher.Running) < Environment.ProcessorCount)
        {
            await Task.Delay(5);
        }

        // The hashes that could start have; a thread-pool work item still runs at once.
        Assert.Equal(42, await Task.Run(() => 42).WaitAsync(Timeout));
        await Task.Delay(200);
        Assert.Equal(Environment.ProcessorCount, Volatile.Read(ref hasher.Running));

        hasher.Gate.Set();
        Assert.All(await Task.WhenAll(checks).WaitAsync(Timeout), c => Assert.Equal(PasswordCheck.Success, c));
        Assert.Equal(Environment.ProcessorCount, hasher.MostAtOnce);
    }

    private sealed class RecordingHasher : IPasswordHasher
    {
        public System.Collections.Concurrent.ConcurrentBag<bool> Threads { get; } = [];

        public string Hash(string password)
        {
            Threads.Add(Thread.CurrentThread.IsThreadPoolThread);
            return "hash:" + password;
        }

        public PasswordCheck Verify(string hash, string password)
        {
            Threads.Add(Thread.CurrentThread.IsThreadPoolThread);
            return password == "right" ? PasswordCheck.Success : PasswordCheck.Failed;
        }
    }

    private sealed class GatedHasher : IPasswordHasher
    {
        public int Running;
        private int _mostAtOnce;

        public ManualResetEventSlim Gate { get; } = new();

        public int MostAtOnce => Volatile.Read(ref _mostAtOnce);

        public string Hash(string password) => throw new NotSupportedException();

        public PasswordCheck Verify(string hash, string password)
        {
            var now = Interlocked.Increment(ref Running);
            int most;
            while (now > (most = Volatile.Read(ref _mostAtOnce)) && Interlocked.CompareExchange(ref _mostAtOnce, now, most) != most)
            {
            }

            Gate.Wait(Timeout);
            Interlocked.Decrement(ref Running);
            return PasswordCheck.Success;
        }
    }
}
