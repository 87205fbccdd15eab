using HostedMail.Core.Outbound;
using HostedMail.Grains.Mailboxes;
using Microsoft.Extensions.Logging;
using Orleans;
using Orleans.Runtime;

namespace HostedMail.Grains.Outbound;

/// <summary>
/// <see cref="IDestinationLimiter"/> over <see cref="IDestinationLimiterGrain"/>: asks for a slot,
/// and while the destination is full asks again after a growing pause (20 ms doubling to 1 s);
/// the slot is a lease renewed while the connection lasts.
/// </summary>
internal sealed class GrainDestinationLimiter(IGrainFactory grains, ILocalSiloDetails silo, MailboxCoordinationOptions options, TimeProvider time, ILogger<GrainDestinationLimiter> logger) : IDestinationLimiter
{
    private static readonly TimeSpan FirstPause = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan LongestPause = TimeSpan.FromSeconds(1);

    public async Task<IAsyncDisposable> AcquireAsync(string destination, int limit, CancellationToken cancellationToken)
    {
        var grain = grains.GetGrain<IDestinationLimiterGrain>(destination.ToLowerInvariant());
        var holder = Guid.NewGuid();
        var node = silo.SiloAddress.ToParsableString();
        var lease = options.DestinationLease;
        var pause = FirstPause;
        while (true)
        {
            try
            {
                if (await grain.TryAcquireAsync(holder, node, limit, lease).WaitAsync(options.CallTimeout, cancellationToken))
                {
                    return new LeaseHandle($"an outbound slot for {destination}", lease,
                        () => grain.RenewAsync(holder, node, lease).WaitAsync(options.CallTimeout), () => grain.ReleaseAsync(holder).WaitAsync(options.CallTimeout), time, logger);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // The grain is unreachable for a moment (membership changing): ask again.
                logger.LogWarning(ex, "Could not ask for an outbound slot for {Destination}; retrying", destination);
            }

            await Task.Delay(pause, time, cancellationToken);
            pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, LongestPause.Ticks));
        }
    }
}
