namespace HostedMail.Dns;

/// <summary>
/// What the resolver learned about one upstream server. The 95th percentile of its last
/// <see cref="Window"/> round trips decides how long a query waits before a second one is sent
/// beside it: a hedged request in the sense of Dean and Barroso's "The Tail at Scale" (2013),
/// which costs about 5 % more queries and bounds what a lost datagram costs by what the server's
/// slowest usual answers take. (RFC 6298's SRTT + 4 x RTTVAR, used before, is a retransmission
/// timer: on a loaded machine one late answer inflated it to tens of milliseconds, and every lost
/// query cost that.) A server that refused a query (ICMP port unreachable: nothing listens) is
/// held down for a moment, during which queries to it fail at once, without a packet and a caught
/// exception each, as unbound keeps unresponsive servers aside.
/// </summary>
internal sealed class ServerHealth
{
    /// <summary>How many recent round trips the percentile is taken over.</summary>
    public const int Window = 64;

    private readonly Lock _lock = new();
    private readonly double[] _samplesMs = new double[Window];
    private int _count;
    private int _next;
    private double _p95Ms = double.NaN;
    private long _heldDownUntilTicks;
    private long _sent;

    /// <summary>Queries sent to this server so far (diagnostics and tests).</summary>
    public long Sent => Interlocked.Read(ref _sent);

    public void CountSent() => Interlocked.Increment(ref _sent);

    /// <summary>The server refused a query at <paramref name="now"/>: queries to it fail at once for <paramref name="holdDown"/>.</summary>
    public void Refused(DateTimeOffset now, TimeSpan holdDown) => Volatile.Write(ref _heldDownUntilTicks, (now + holdDown).UtcTicks);

    /// <summary>Whether the server refused a query so recently that asking it again is pointless.</summary>
    public bool IsHeldDown(DateTimeOffset now) => now.UtcTicks < Volatile.Read(ref _heldDownUntilTicks);

    /// <summary>Adds the time one answered query took.</summary>
    public void Record(TimeSpan roundTrip)
    {
        Span<double> sorted = stackalloc double[Window];
        lock (_lock)
        {
            _samplesMs[_next] = Math.Max(0, roundTrip.TotalMilliseconds);
            _next = (_next + 1) % Window;
            _count = Math.Min(_count + 1, Window);

            // 64 values: sorting them per answer costs well under a microsecond.
            sorted = sorted[.._count];
            _samplesMs.AsSpan(0, _count).CopyTo(sorted);
            sorted.Sort();
            _p95Ms = sorted[(int)Math.Ceiling(0.95 * _count) - 1];
        }
    }

    /// <summary>The 95th-percentile round trip within [floor, ceiling]; the ceiling while nothing was measured.</summary>
    public TimeSpan HedgeDelay(TimeSpan floor, TimeSpan ceiling)
    {
        var p95Ms = Volatile.Read(ref _p95Ms);
        if (double.IsNaN(p95Ms))
        {
            return ceiling;
        }

        var estimate = TimeSpan.FromMilliseconds(p95Ms);
        return estimate < floor ? floor : estimate > ceiling ? ceiling : estimate;
    }
}
