using Orleans;

namespace HostedMail.Core.Security;

/// <summary>
/// The mailbox's grain (ARCHITECTURE.md): the one place, cluster-wide, that counts
/// authentication failures for a login and locks it out. Keyed by the login name, trimmed and
/// lower-cased (<see cref="AuthenticationKeys.Login"/>): failures for names that are no mailbox
/// count too, so guessing names costs the same as guessing passwords.
/// </summary>
[Alias("HostedMail.IMailboxGrain")]
public interface IMailboxGrain : IGrainWithStringKey
{
    /// <summary>The login's failure count and lockout, now.</summary>
    [Alias("CheckLogin")]
    Task<AuthThrottle> CheckLoginAsync();

    /// <summary>Counts a failed login (persisted before it returns); returns the new standing.</summary>
    [Alias("LoginFailed")]
    Task<AuthThrottle> LoginFailedAsync();

    /// <summary>A successful login clears the count.</summary>
    [Alias("LoginSucceeded")]
    Task LoginSucceededAsync();
}

/// <summary>
/// Counts authentication failures from one client address (an IPv4 address or an IPv6 /64),
/// cluster-wide: a balancer spreading an attacker over N nodes no longer gives N times the attempts.
/// </summary>
[Alias("HostedMail.IClientAddressGrain")]
public interface IClientAddressGrain : IGrainWithStringKey
{
    /// <summary>The address's failure count and lockout, now.</summary>
    [Alias("Check")]
    Task<AuthThrottle> CheckAsync();

    /// <summary>Counts a failed login from the address (persisted before it returns); returns the new standing.</summary>
    [Alias("Failed")]
    Task<AuthThrottle> FailedAsync();
}

/// <summary>The keys the authentication grains are addressed by.</summary>
public static class AuthenticationKeys
{
    /// <summary>A login name as its <see cref="IMailboxGrain"/> key.</summary>
    public static string Login(string username) => username.Trim().ToLowerInvariant();
}
