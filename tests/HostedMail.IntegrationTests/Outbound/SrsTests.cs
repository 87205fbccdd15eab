using HostedMail.Smtp.Outbound;

namespace HostedMail.IntegrationTests.Outbound;

public sealed class SrsTests
{
    private static Srs Create(ManualClock clock) => new(new OutboundOptions { Srs = { Domain = "fwd.hostedmail.test", Secret = "s3cret" } }, clock);

    [Fact]
    public void ForwardedSendersAreRewrittenAndMapBack()
    {
        var clock = new ManualClock();
        var srs = Create(clock);
        var rewritten = srs.Forward("bob@outside.example");
        Assert.Matches(@"^SRS0=[A-Za-z0-9_-]{4}=[A-Z2-7]{2}=outside\.example=bob@fwd\.hostedmail\.test$", rewritten);
        Assert.Equal("bob@outside.example", srs.Reverse(rewritten));
        Assert.Equal(string.Empty, srs.Forward(string.Empty));
    }

    [Fact]
    public void ForgedAndExpiredAddressesAreRefused()
    {
        var clock = new ManualClock();
        var srs = Create(clock);
        var rewritten = srs.Forward("bob@outside.example");
        Assert.Null(srs.Reverse(rewritten.Replace("=bob@", "=eve@", StringComparison.Ordinal)));
        clock.Advance(TimeSpan.FromDays(30));
        Assert.Null(srs.Reverse(rewritten));
    }
}
