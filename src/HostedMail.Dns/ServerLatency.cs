namespace HostedMail.Dns;

/// <summary>
/// Smoothed round-trip time of one upstream server, from which the resolver decides how long a
/// query waits before a second one is sent beside it. The estimator is TCP's retransmission timer
/// (RFC 6298 section 2: SRTT and RTTVAR with alpha 1/8 and beta 1/4, timeout SRTT + 4 x RTTVAR):
/// a resolver on loopback answering in a millisecond gets hedged after a few milliseconds, one that
/// recurses for tens of milliseconds gets a delay that covers its usual spread.
/// </summary>
internal sealed class ServerLatency
{
    private readonly Lock _lock = new();
    private double _srttMs = double.NaN;
    private double _rttvarMs;

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
