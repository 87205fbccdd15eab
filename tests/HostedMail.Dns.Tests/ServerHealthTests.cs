namespace HostedMail.Dns.Tests;

/// <summary>The hedge delay learned from a server's round trips (RFC 6298's estimator).</summary>
public sealed class ServerHealthTests
{
    private static readonly TimeSpan Floor = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan Ceiling = TimeSpan.FromMilliseconds(400);

    [Fact]
    public void AServerThatNeverAnsweredWaitsTheCeiling()
    {
        Assert.Equal(Ceiling, new ServerHealth().HedgeDelay(Floor, Ceiling));
    }

    [Fact]
    public void AServerAnsweringInAMillisecondIsHedgedAfterTheFloor()
    {
        var latency = new ServerHealth();
        for (var i = 0; i < 50; i++)
        {
            latency.Record(TimeSpan.FromMilliseconds(1));
        }

        Assert.Equal(Floor, latency.HedgeDelay(Floor, Ceiling));
    }

    [Fact]
    public void ASteadyServerIsHedgedJustAboveItsRoundTrip()
    {
        var latency = new ServerHealth();
        for (var i = 0; i < 100; i++)
        {
            latency.Record(TimeSpan.FromMilliseconds(40));
        }

        Assert.InRange(latency.HedgeDelay(Floor, Ceiling).TotalMilliseconds, 40, 45);
    }

    [Fact]
    public void SpreadInRoundTripsLengthensTheDelayUpToTheCeiling()
    {
        var steady = new ServerHealth();
        var spread = new ServerHealth();
        for (var i = 0; i < 100; i++)
        {
            steady.Record(TimeSpan.FromMilliseconds(20));
            // A recursive resolver: cached answers at once, cache misses after a recursion.
            spread.Record(TimeSpan.FromMilliseconds(i % 4 == 0 ? 80 : 1));
        }

        Assert.True(spread.HedgeDelay(Floor, Ceiling) > steady.HedgeDelay(Floor, Ceiling));

        spread.Record(TimeSpan.FromSeconds(30));
        Assert.Equal(Ceiling, spread.HedgeDelay(Floor, Ceiling));
    }
}
