using System.Net;

namespace HostedMail.Net;

/// <summary>Why a connection was refused before its session started.</summary>
public enum ConnectionRejection
{
    /// <summary>The listener's total limit is reached.</summary>
    TooManyConnections,
    /// <summary>This client address (or IPv6 /64) has too many connections.</summary>
    TooManyConnectionsFromAddress,
    /// <summary>The node is shutting down.</summary>
    ShuttingDown,
}

/// <summary>Counts open connections in total and per client address. Thread-safe; one per listener (or shared by listeners that share limits).</summary>
public sealed class ConnectionLimiter(int maxConnections, int maxConnectionsPerAddress, int ipv6PrefixLength = 64)
{
    private readonly Dictionary<IPAddress, int> _perAddress = [];
    private readonly Lock _lock = new();
    private int _total;

    /// <summary>Open connections counted now.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _total;
            }
        }
    }

    /// <summary>Takes a slot for <paramref name="address"/>; dispose the lease when the connection ends.</summary>
    public bool TryAcquire(IPAddress address, out Lease lease, out ConnectionRejection rejection)
    {
        var key = IpKey.Normalize(address, ipv6PrefixLength);
        lock (_lock)
        {
            lease = default;
            rejection = default;
            if (_total >= maxConnections)
            {
                rejection = ConnectionRejection.TooManyConnections;
                return false;
            }
            _perAddress.TryGetValue(key, out var n);
            if (n >= maxConnectionsPerAddress)
            {
                rejection = ConnectionRejection.TooManyConnectionsFromAddress;
                return false;
            }
            _perAddress[key] = n + 1;
            _total++;
        }
        lease = new Lease(this, key);
        return true;
    }

    private void Release(IPAddress key)
    {
        lock (_lock)
        {
            _total--;
            if (_perAddress.TryGetValue(key, out var n) && n > 1)
            {
                _perAddress[key] = n - 1;
            }
            else
            {
                // Remove at zero so the table holds only addresses with open connections.
                _perAddress.Remove(key);
            }
        }
    }

    /// <summary>A held connection slot.</summary>
    public struct Lease : IDisposable
    {
        private ConnectionLimiter? _owner;
        private readonly IPAddress? _key;

        internal Lease(ConnectionLimiter owner, IPAddress key)
        {
            _owner = owner;
            _key = key;
        }

        /// <summary>Releases the slot (once).</summary>
        public void Dispose()
        {
            _owner?.Release(_key!);
            _owner = null;
        }
    }
}
