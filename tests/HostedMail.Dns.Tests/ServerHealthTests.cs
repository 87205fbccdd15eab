namespace HostedMail.Dns.Tests;

/// <summary>The hedge delay learned from a server's round trips (their 95th percentile).</summary>
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
    public void ASteadyServerIsHedgedAtItsRoundTrip()
    {
        var latency = new ServerHealth();
        for (var i = 0; i < 100; i++)
        {
            latency.Record(TimeSpan.FromMilliseconds(40 + (i % 3)));
        }

        Assert.InRange(latency.HedgeDelay(Floor, Ceiling).TotalMilliseconds, 40, 42);
    }

    [Fact]
    public void OneLateAnswerAmongManyQuickOnesDoesNotLengthenTheDelay()
    {
        // A loaded machine delivers an answer late now and then; with SRTT + 4 x RTTVAR one such
        // sample held the delay (what each lost query costs) near it for many queries after.
        var latency = new ServerHealth();
        for (var i = 0; i < ServerHealth.Window; i++)
        {
            latency.Record(TimeSpan.FromMilliseconds(i == 30 ? 300 : 12));
        }

        Assert.Equal(12, latency.HedgeDelay(Floor, Ceiling).TotalMilliseconds);
    }

    [Fact]
    public void TheDelayCoversTheSlowestTwentiethOfAnswersUpToTheCeiling()
    {
        var latency = new ServerHealth();
        for (var i = 0; i < 100; i++)
        {
            // A recursive resolver: cached answers at once, every tenth after a recursion.
            latency.Record(TimeSpan.FromMilliseconds(i % 10 == 0 ? 80 : 1));
        }

        Assert.Equal(80, latency.HedgeDelay(Floor, Ceiling).TotalMilliseconds);

        // A server that has become slow: its recent answers decide, the ceiling bounds them.
        for (var i = 0; i < ServerHealth.Window; i++)
        {
            latency.Record(TimeSpan.FromSeconds(2));
        }

        Assert.Equal(Ceiling, latency.HedgeDelay(Floor, Ceiling));
    }

    [Fact]
    public void AServerThatSpeedsUpIsHedgedSoonerOnceItsSlowAnswersLeaveTheWindow()
    {
        var latency = new ServerHealth();
        for (var i = 0; i < ServerHealth.Window; i++)
        {
            latency.Record(TimeSpan.FromMilliseconds(200));
        }

        for (var i = 0; i < ServerHealth.Window - 3; i++)
        {
            latency.Record(TimeSpan.FromMilliseconds(20));
        }

        Assert.Equal(20, latency.HedgeDelay(Floor, Ceiling).TotalMilliseconds);
    }
}
