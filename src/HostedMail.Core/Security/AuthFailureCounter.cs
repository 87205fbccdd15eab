using Orleans;

namespace HostedMail.Core.Security;

/// <summary>
/// The rule of one authentication failure counter (per mailbox login or per client address):
/// failures count up, reaching the threshold locks for <see cref="AuthPenaltyOptions.LockoutDuration"/>,
/// and a counter idle for <see cref="AuthPenaltyOptions.ForgetAfter"/> starts again from zero.
/// The state lives in a grain (<see cref="IMailboxGrain"/>, <see cref="IClientAddressGrain"/>), which
/// persists it, so the count is one per cluster and survives the grain's node.
/// </summary>
/// <remarks>
/// After a lockout ends the count stays at the threshold, so the next failure locks again at
/// once, until a success or <see cref="AuthPenaltyOptions.ForgetAfter"/>.
/// </remarks>
[GenerateSerializer]
[Alias("HostedMail.AuthFailureCounter")]
public sealed class AuthFailureCounter
{
    /// <summary>Failures counted since the last reset.</summary>
    [Id(0)]
    public int Failures { get; set; }

    /// <summary>When the last failure happened.</summary>
    [Id(1)]
    public DateTimeOffset LastFailure { get; set; }

    /// <summary>Locked until then (in the past or default: not locked).</summary>
    [Id(2)]
    public DateTimeOffset LockedUntil { get; set; }

    /// <summary>The counter as it stands at <paramref name="now"/> (zero once stale).</summary>
    public AuthThrottle Read(DateTimeOffset now, AuthPenaltyOptions options) =>
        IsStale(now, options) ? default : new AuthThrottle(Failures, LockedUntil > now ? LockedUntil : null);

    /// <summary>Counts a failure at <paramref name="now"/>; locks once <paramref name="threshold"/> is reached.</summary>
    public AuthThrottle Fail(DateTimeOffset now, int threshold, AuthPenaltyOptions options)
    {
        if (IsStale(now, options))
        {
            Failures = 0;
            LockedUntil = default;
        }

        Failures++;
        LastFailure = now;
        if (Failures >= threshold && LockedUntil <= now)
        {
            LockedUntil = now + options.LockoutDuration;
        }

        return Read(now, options);
    }

    /// <summary>Whether nothing is worth keeping: no running lockout and no failure for <see cref="AuthPenaltyOptions.ForgetAfter"/>.</summary>
    public bool IsStale(DateTimeOffset now, AuthPenaltyOptions options) => LockedUntil <= now && now - LastFailure > options.ForgetAfter;
}

/// <summary>One counter's standing: failures counted, and the end of a running lockout (null when none).</summary>
[GenerateSerializer]
[Alias("HostedMail.AuthThrottle")]
public readonly record struct AuthThrottle([property: Id(0)] int Failures, [property: Id(1)] DateTimeOffset? LockedUntil);
