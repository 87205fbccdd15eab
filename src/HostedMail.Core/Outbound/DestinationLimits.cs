using Orleans;

namespace HostedMail.Core.Outbound;

/// <summary>
/// Bounds the outbound connections open to one destination (a domain, or the smarthost) across
/// the whole cluster, so N nodes do not open N times the connections a receiver tolerates.
/// </summary>
public interface IDestinationLimiter
{
    /// <summary>
    /// Waits for one of the destination's <paramref name="limit"/> slots and holds it until the
    /// handle is disposed. Throws <see cref="OperationCanceledException"/> when cancelled while waiting.
    /// </summary>
    Task<IAsyncDisposable> AcquireAsync(string destination, int limit, CancellationToken cancellationToken);
}

/// <summary>
/// The cluster-wide slots of one destination, keyed by its lower-cased name: leases that their
/// holders renew, ending at release, at expiry, or when the holder's node is declared dead.
/// </summary>
[Alias("HostedMail.IDestinationLimiterGrain")]
public interface IDestinationLimiterGrain : IGrainWithStringKey
{
    /// <summary>Takes a slot for <paramref name="holder"/> when fewer than <paramref name="limit"/> live leases exist.</summary>
    [Alias("TryAcquire")]
    Task<bool> TryAcquireAsync(Guid holder, string holderNode, int limit, TimeSpan lease);

    /// <summary>Extends the holder's lease; false when it had ended (the slot may be someone else's now).</summary>
    [Alias("Renew")]
    Task<bool> RenewAsync(Guid holder, string holderNode, TimeSpan lease);

    [Alias("Release")]
    Task ReleaseAsync(Guid holder);

    /// <summary>Live leases now (tests and operators).</summary>
    [Alias("Count")]
    Task<int> CountAsync();
}
