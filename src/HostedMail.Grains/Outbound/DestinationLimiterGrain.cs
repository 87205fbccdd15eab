using HostedMail.Core.Outbound;
using HostedMail.Grains.Mailboxes;
using Orleans;
using Orleans.Runtime;

namespace HostedMail.Grains.Outbound;

/// <summary>
/// The outbound connection slots of one destination, cluster-wide (<see cref="IDestinationLimiterGrain"/>):
/// leases that end at release, expiry, or the death of the holder's node.
/// </summary>
internal sealed class DestinationLimiterGrain(IClusterMembershipService membership, TimeProvider time) : Grain, IDestinationLimiterGrain
{
    private readonly LeaseTable _slots = new(membership, time);

    public Task<bool> TryAcquireAsync(Guid holder, string holderNode, int limit, TimeSpan lease) => Task.FromResult(Take(holder, holderNode, Math.Max(1, limit), lease));

    // After the grain moved the table is empty: the renewal takes the slot again (the limit is
    // the one the holder was given; a renewal never pushes the count over the last limit seen).
    public Task<bool> RenewAsync(Guid holder, string holderNode, TimeSpan lease) => Task.FromResult(Take(holder, holderNode, Math.Max(_limit, 1), lease));

    public Task ReleaseAsync(Guid holder)
    {
        _slots.Release(holder);
        return Task.CompletedTask;
    }

    public Task<int> CountAsync() => Task.FromResult(_slots.Count);

    private int _limit = int.MaxValue;

    private bool Take(Guid holder, string holderNode, int limit, TimeSpan lease)
    {
        if (limit != int.MaxValue)
        {
            _limit = limit;
        }

        if (!_slots.TryTake(holder, holderNode, limit, lease))
        {
            return false;
        }

        this.DelayDeactivation(lease);
        return true;
    }
}
