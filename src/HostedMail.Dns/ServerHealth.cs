namespace HostedMail.Dns;

/// <summary>
/// What the resolver learned about one upstream server. Its smoothed round-trip time decides how
/// long a query waits before a second one is sent beside it. The estimator is TCP's retransmission timer
/// (RFC 6298 section 2: SRTT and RTTVAR with alpha 1/8 and beta 1/4, timeout SRTT + 4 x RTTVAR):
/// a resolver on loopback answering in a millisecond gets hedged after a few milliseconds, one that
/// recurses for tens of milliseconds gets a delay that covers its usual spread. A server that
/// refused a query (ICMP port unreachable: nothing listens) is held down for a moment, during
/// which queries to it fail at once, without a packet and a caught exception each, as unbound
/// keeps unresponsive servers aside.
/// </summary>
internal sealed class ServerHealth
{
    private readonly Lock _lock = new();
    private double _srttMs = double.NaN;
    private double _rttvarMs;
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
        var sample = Math.Max(0, roundTrip.TotalMilliseconds);
        lock (_lock)
        {
            if (double.IsNaN(_srttMs))
            {
                // RFC 6298 section 2.2: the first measurement.
                _srttMs = sample;
                _rttvarMs = sample / 2;
                return;
            }

            // RFC 6298 section 2.3: RTTVAR before SRTT, each from the previous SRTT.
            _rttvarMs = (0.75 * _rttvarMs) + (0.25 * Math.Abs(_srttMs - sample));
            _srttMs = (0.875 * _srttMs) + (0.125 * sample);
        }
    }

    /// <summary>SRTT + 4 x RTTVAR within [floor, ceiling]; the ceiling while nothing was measured.</summary>
    public TimeSpan HedgeDelay(TimeSpan floor, TimeSpan ceiling)
    {
        double estimateMs;
        lock (_lock)
        {
            if (double.IsNaN(_srttMs))
            {
                return ceiling;
            }

            estimateMs = _srttMs + (4 * _rttvarMs);
        }

        var estimate = TimeSpan.FromMilliseconds(estimateMs);
        return estimate < floor ? floor : estimate > ceiling ? ceiling : estimate;
    }
}
