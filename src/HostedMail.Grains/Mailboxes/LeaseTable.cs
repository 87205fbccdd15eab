using Orleans.Runtime;

namespace HostedMail.Grains.Mailboxes;

/// <summary>
/// Leases held by callers on other nodes, in a grain's memory: one ends at release, at expiry, or
/// as soon as membership declares its holder's node dead (so a SIGKILLed node's POP3 sessions and
/// outbound connections free their slots within the membership's ~3 s, not the lease).
/// </summary>
// Implementation notes:
// - Memory only: when the grain moves (deactivation, its node's death) the table starts empty,
//   and holders re-establish their leases at their next renewal (RenewAsync re-takes a free slot).
//   Between the two a newcomer may take a slot a holder still uses; the POP3 lock and connection
//   limits tolerate that rare overlap (messages are protected by the database, not by these).
internal sealed class LeaseTable(IClusterMembershipService membership, TimeProvider time)
{
    private readonly Dictionary<Guid, (string Node, DateTimeOffset Until)> _leases = [];

    public int Count
    {
        get
        {
            Prune();
            return _leases.Count;
        }
    }

    /// <summary>When the last live lease ends (null when none): the grain stays active until then.</summary>
    public DateTimeOffset? LastExpiry => _leases.Count == 0 ? null : _leases.Values.Max(l => l.Until);

    /// <summary>Takes or extends <paramref name="holder"/>'s lease when it has one or fewer than <paramref name="limit"/> others are live.</summary>
    public bool TryTake(Guid holder, string node, int limit, TimeSpan lease)
    {
        Prune();
        if (!_leases.ContainsKey(holder) && _leases.Count >= limit)
        {
            return false;
        }

        _leases[holder] = (node, time.GetUtcNow() + lease);
        return true;
    }

    public void Release(Guid holder) => _leases.Remove(holder);

    private void Prune()
    {
        if (_leases.Count == 0)
        {
            return;
        }

        var now = time.GetUtcNow();
        var snapshot = membership.CurrentSnapshot;
        foreach (var (holder, lease) in _leases.ToList())
        {
            if (lease.Until <= now || IsDead(snapshot, lease.Node))
            {
                _leases.Remove(holder);
            }
        }
    }

    internal static bool IsDead(ClusterMembershipSnapshot snapshot, string node)
    {
        try
        {
            return snapshot.GetSiloStatus(SiloAddress.FromParsableString(node)) == SiloStatus.Dead;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
