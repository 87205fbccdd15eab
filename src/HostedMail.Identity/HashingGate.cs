namespace HostedMail.Identity;

/// <summary>
/// Lets at most one slow password hash per core run at a time; the rest wait their turn in order.
/// </summary>
/// <remarks>
/// A login storm (every client of a node that died reconnecting to the survivor, which has
/// verified none of their passwords) used to start all its hashes at once: the thread pool grew,
/// the cores were shared by all of them, and every login finished late, the first as late as the
/// last (100 PBKDF2 verifications on 2 cores: all after about 7.5 s). In turns, the first finish
/// after one hash time and the median halves; and the threads that serve sessions already logged
/// in, grain messages and membership probes are not starved meanwhile.
/// </remarks>
public sealed class HashingGate(int concurrency) : IDisposable
{
    private readonly SemaphoreSlim _turns = new(Math.Max(1, concurrency));

    /// <summary>One gate per process: the cores are the process's, whichever service hashes.</summary>
    public static HashingGate Shared { get; } = new(Environment.ProcessorCount);

    /// <summary>Runs <paramref name="work"/> when a turn is free; waiting ends early only by <paramref name="cancellationToken"/>.</summary>
    public async Task<T> RunAsync<T>(Func<T> work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        await _turns.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return work();
        }
        finally
        {
            _turns.Release();
        }
    }

    public void Dispose() => _turns.Dispose();
}
