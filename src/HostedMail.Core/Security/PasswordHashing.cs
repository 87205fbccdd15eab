namespace HostedMail.Core.Security;

/// <summary>
/// Runs <see cref="IPasswordHasher"/>'s deliberately slow work (PBKDF2-SHA512 at 210,000
/// iterations: about 100 ms of a core) on threads of its own, at most one per core at a time.
/// </summary>
/// <remarks>
/// Called inline, a hash held a thread-pool worker for its whole run, and the pool keeps few of
/// them (two on two cores): when two logins missed the verified-login cache at once, every
/// session of the node waited for them, 100-300 ms for any command (bench/RESULTS.md,
/// 2026-12-07). Here the pool's workers are never held, and a burst of logins (or guesses)
/// queues for the cores instead of taking all of them from the node's sessions.
/// </remarks>
public static class PasswordHashing
{
    private static readonly SemaphoreSlim Slots = new(Environment.ProcessorCount, Environment.ProcessorCount);

    /// <summary><see cref="IPasswordHasher.Verify"/> off the thread pool.</summary>
    public static Task<PasswordCheck> VerifyAsync(this IPasswordHasher hasher, string hash, string password, CancellationToken cancellationToken = default) =>
        RunAsync(() => hasher.Verify(hash, password), cancellationToken);

    /// <summary><see cref="IPasswordHasher.Hash"/> off the thread pool.</summary>
    public static Task<string> HashAsync(this IPasswordHasher hasher, string password, CancellationToken cancellationToken = default) =>
        RunAsync(() => hasher.Hash(password), cancellationToken);

    private static async Task<T> RunAsync<T>(Func<T> work, CancellationToken cancellationToken)
    {
        await Slots.WaitAsync(cancellationToken);
        try
        {
            // LongRunning: a thread of its own (about 0.1 ms to start, against the hash's 100).
            return await Task.Factory.StartNew(work, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        }
        finally
        {
            Slots.Release();
        }
    }
}
