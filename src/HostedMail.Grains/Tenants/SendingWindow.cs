using Orleans;

namespace HostedMail.Grains.Tenants;

/// <summary>
/// Messages sent in the last hour, in one-minute buckets (a sliding hour to the minute, as the
/// queue-counting limiter it replaces was): the tenant grain's persisted sending counter.
/// </summary>
[GenerateSerializer]
[Alias("HostedMail.SendingWindow")]
public sealed class SendingWindow
{
    private const int Buckets = 60;

    /// <summary>Messages per minute; index = minute since the epoch modulo 60.</summary>
    [Id(0)]
    public int[] Counts { get; set; } = new int[Buckets];

    /// <summary>The newest minute (since the Unix epoch) a count was added in.</summary>
    [Id(1)]
    public long LastMinute { get; set; }

    /// <summary>Messages counted in the hour up to <paramref name="now"/>.</summary>
    public int Total(DateTimeOffset now)
    {
        Advance(now);
        return Counts.Sum();
    }

    public void Add(DateTimeOffset now, int messages)
    {
        Advance(now);
        Counts[(int)(LastMinute % Buckets)] += messages;
    }

    /// <summary>Empties the buckets of the minutes that fell out of the hour since the last count.</summary>
    private void Advance(DateTimeOffset now)
    {
        if (Counts.Length != Buckets)
        {
            Counts = new int[Buckets];
        }

        var minute = now.ToUnixTimeSeconds() / 60;
        if (minute <= LastMinute)
        {
            return;
        }

        var passed = Math.Min(minute - LastMinute, Buckets);
        for (var i = 1; i <= passed; i++)
        {
            Counts[(int)((LastMinute + i) % Buckets)] = 0;
        }

        LastMinute = minute;
    }
}
