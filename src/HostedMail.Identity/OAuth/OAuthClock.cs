namespace HostedMail.Identity.OAuth;

/// <summary>
/// The clock of the authorization server: which signing key is current, OpenIddict's token
/// lifetimes and the access-token checks of the mail protocols and the portal API. The node's
/// <see cref="TimeProvider"/> unless a test moves it (key rotation is a matter of days; the rest of
/// the node, Orleans included, keeps the real time).
/// </summary>
public sealed class OAuthClock(TimeProvider time)
{
    public TimeProvider Time { get; } = time;

    public DateTimeOffset GetUtcNow() => Time.GetUtcNow();
}
