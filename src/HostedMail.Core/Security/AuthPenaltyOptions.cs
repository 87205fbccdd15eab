namespace HostedMail.Core.Security;

/// <summary>Thresholds for authentication penalties (<c>Auth:Penalties</c>); counted cluster-wide in grains.</summary>
public sealed class AuthPenaltyOptions
{
    /// <summary>Failures answered without delay.</summary>
    public int FreeFailures { get; set; } = 3;
    /// <summary>Delay after the first failure beyond the free ones; doubles with each further failure.</summary>
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromSeconds(1);
    /// <summary>The delay stops growing here.</summary>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(15);
    /// <summary>Failures from one address (IPv6 /64) before it is locked out.</summary>
    public int AddressLockoutThreshold { get; set; } = 30;
    /// <summary>Failures for one username before it is locked out.</summary>
    public int UsernameLockoutThreshold { get; set; } = 10;
    /// <summary>How long a lockout lasts.</summary>
    public TimeSpan LockoutDuration { get; set; } = TimeSpan.FromMinutes(15);
    /// <summary>A counter with no failure for this long (and no running lockout) is forgotten.</summary>
    public TimeSpan ForgetAfter { get; set; } = TimeSpan.FromHours(1);
    /// <summary>IPv6 addresses are counted per network of this prefix length.</summary>
    public int Ipv6PrefixLength { get; set; } = 64;

    /// <summary>The wait before verifying after <paramref name="failures"/> failures: none for the free ones, then doubling up to <see cref="MaxDelay"/>.</summary>
    public TimeSpan DelayAfter(int failures)
    {
        var beyond = failures - FreeFailures;
        if (beyond <= 0)
        {
            return TimeSpan.Zero;
        }

        var factor = Math.Pow(2, Math.Min(beyond - 1, 30));
        return TimeSpan.FromTicks((long)Math.Min(MaxDelay.Ticks, BaseDelay.Ticks * factor));
    }
}
