using System.Net;
using System.Net.Sockets;

namespace HostedMail.Net;

/// <summary>
/// A port nobody listens on, for listeners configured with port 0 (test nodes, many at once).
/// Asking the kernel for port 0 and releasing it hands out a port of the ephemeral range, which an
/// outgoing connection (a database connection, a test client) may take before the listener binds
/// it: test silos failed with "Address already in use" that way. These ports come from below
/// Linux's ephemeral range (32768–60999), where only listeners bind, in an order per process so
/// the picks of one process never collide and those of two rarely do.
/// </summary>
public static class FreePorts
{
    private const int First = 20000;
    private const int Count = 12000;
    private static int counter = Environment.ProcessId * 7919;

    public static int Next() => Next(IPAddress.Loopback);

    public static int Next(IPAddress address)
    {
        for (var i = 0; i < Count; i++)
        {
            var port = First + (int)((uint)Interlocked.Increment(ref counter) % Count);
            try
            {
                using var listener = new TcpListener(address, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
                // Taken by a listener of this or another process: try the next one.
            }
        }

        throw new InvalidOperationException($"no free TCP port in {First}-{First + Count - 1} on {address}");
    }
}
