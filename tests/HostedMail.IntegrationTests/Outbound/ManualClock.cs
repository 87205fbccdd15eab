namespace HostedMail.IntegrationTests.Outbound;

/// <summary>A clock the test moves by hand: retries and expiry are tested without waiting. It starts a minute ahead, so rows queued "now" by the database are due. Timers (network timeouts) stay real.</summary>
public sealed class ManualClock : TimeProvider
{
    private DateTimeOffset now = DateTimeOffset.UtcNow.AddMinutes(1);

    public override DateTimeOffset GetUtcNow() => now;

    public void Advance(TimeSpan by) => now += by;
}
