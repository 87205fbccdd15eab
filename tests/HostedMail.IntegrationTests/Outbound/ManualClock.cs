namespace HostedMail.IntegrationTests.Outbound;

/// <summary>A clock the test moves by hand: retries and expiry are tested without waiting. Timers (network timeouts) stay real.</summary>
public sealed class ManualClock : TimeProvider
{
    private DateTimeOffset now = DateTimeOffset.UtcNow.AddSeconds(1);

    public override DateTimeOffset GetUtcNow() => now;

    public void Advance(TimeSpan by) => now += by;
}
