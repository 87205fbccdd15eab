namespace HostedMail.Smtp.Tests;

/// <summary>Timeouts for awaits in tests: never sleep, always await with a bound.</summary>
internal static class TestContext
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    public static CancellationToken Token => CancellationToken.None;
}
