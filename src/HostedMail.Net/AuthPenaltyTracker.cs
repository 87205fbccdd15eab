using System.Collections.Concurrent;
using System.Net;

namespace HostedMail.Net;

/// <summary>Thresholds for authentication penalties; bind from configuration.</summary>
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
    /// <summary>Most counters kept; beyond it the oldest are dropped, so a flood of addresses cannot exhaust memory.</summary>
    public int MaxEntries { get; set; } = 100_000;
    /// <summary>IPv6 addresses are counted per network of this prefix length.</summary>
    public int Ipv6PrefixLength { get; set; } = 64;
}

/// <summary>What to do before trying credentials.</summary>
/// <param name="Delay">Wait this long before verifying (zero when there were few failures).</param>
/// <param name="LockedFor">When locked out, the time left; null when not locked out.</param>
public readonly record struct PenaltyDecision(TimeSpan Delay, TimeSpan? LockedFor);

/// <summary>
/// Counts authentication failures per client address and per username: a delay that doubles
/// after the free failures, then a temporary lockout. Memory-bounded; time from TimeProvider.
/// One instance per node, shared by SMTP, IMAP and POP3.
/// </summary>
/// <remarks>
/// Implementation notes: counters are per node (a balancer spreads an attacker over nodes, so
/// the effective limit is N times higher; acceptable for throttling guessing, and no database
/// write per failed login). After a lockout ends the count stays at the threshold, so the next
/// failure locks again at once, until a success or <see cref="AuthPenaltyOptions.ForgetAfter"/>.
/// A username lockout also refuses the right password (else it would not stop guessing); that
/// lets someone lock a user out for <see cref="AuthPenaltyOptions.LockoutDuration"/>, which is why
/// the username threshold is high and the duration short.
/// </remarks>
public sealed class AuthPenaltyTracker(AuthPenaltyOptions options, TimeProvider timeProvider)
{
    private readonly ConcurrentDictionary<string, Counter> _counters = new(StringComparer.Ordinal);
    private long _nextSweepTicks;

    /// <summary>Counters currently kept (for tests and metrics).</summary>
    public int Count => _counters.Count;

    /// <summary>Decides delay and lockout for an attempt from <paramref name="address"/> as <paramref name="username"/>.</summary>
    public PenaltyDecision Check(IPAddress address, string username)
    {
        var now = timeProvider.GetUtcNow();
        var byAddress = Read(AddressKey(address), now);
        var byUser = Read(UserKey(username), now);
        var lockedUntil = Max(byAddress.LockedUntil, byUser.LockedUntil);
        if (lockedUntil > now)
        {
            return new PenaltyDecision(TimeSpan.Zero, lockedUntil - now);
        }
        var failures = Math.Max(byAddress.Failures, byUser.Failures) - options.FreeFailures;
        if (failures <= 0)
        {
            return new PenaltyDecision(TimeSpan.Zero, null);
        }
        var factor = Math.Pow(2, Math.Min(failures - 1, 30));
        var delay = TimeSpan.FromTicks((long)Math.Min(options.MaxDelay.Ticks, options.BaseDelay.Ticks * factor));
        return new PenaltyDecision(delay, null);
    }

    /// <summary>Counts a failed attempt against both the address and the username.</summary>
    public void RecordFailure(IPAddress address, string username)
    {
        var now = timeProvider.GetUtcNow();
        Fail(AddressKey(address), options.AddressLockoutThreshold, now);
        Fail(UserKey(username), options.UsernameLockoutThreshold, now);
        MaybeSweep(now);
    }

    /// <summary>A success clears the username's counter. The address keeps its count: one valid login must not launder a shared address's guessing.</summary>
    public void RecordSuccess(IPAddress address, string username)
    {
        _ = address;
        _counters.TryRemove(UserKey(username), out _);
    }

    private string AddressKey(IPAddress address) => "a:" + IpKey.Normalize(address, options.Ipv6PrefixLength);

    private static string UserKey(string username) => "u:" + username.Trim().ToLowerInvariant();

    private (int Failures, DateTimeOffset LockedUntil) Read(string key, DateTimeOffset now)
    {
        if (!_counters.TryGetValue(key, out var counter))
        {
            return (0, default);
        }
        lock (counter)
        {
            return counter.IsStale(now, options.ForgetAfter) ? (0, default) : (counter.Failures, counter.LockedUntil);
        }
    }

    private void Fail(string key, int threshold, DateTimeOffset now)
    {
        var counter = _counters.GetOrAdd(key, static _ => new Counter());
        lock (counter)
        {
            if (counter.IsStale(now, options.ForgetAfter))
            {
                counter.Failures = 0;
                counter.LockedUntil = default;
            }
            counter.Failures++;
            counter.LastFailure = now;
            if (counter.Failures >= threshold && counter.LockedUntil <= now)
            {
                counter.LockedUntil = now + options.LockoutDuration;
            }
        }
    }

    private void MaybeSweep(DateTimeOffset now)
    {
        var overCapacity = _counters.Count > options.MaxEntries;
        var due = now.UtcTicks >= Interlocked.Read(ref _nextSweepTicks);
        if (!overCapacity && !due)
        {
            return;
        }
        Interlocked.Exchange(ref _nextSweepTicks, (now + TimeSpan.FromMinutes(1)).UtcTicks);
        foreach (var (key, counter) in _counters)
        {
            bool stale;
            lock (counter)
            {
                stale = counter.IsStale(now, options.ForgetAfter);
            }
            if (stale)
            {
                _counters.TryRemove(key, out _);
            }
        }
        var excess = _counters.Count - (options.MaxEntries * 9 / 10);
        if (_counters.Count > options.MaxEntries && excess > 0)
        {
            // Still full of live counters (a wide flood): drop the least recently failed.
            foreach (var (key, _) in _counters.OrderBy(static p => p.Value.LastFailure).Take(excess).ToList())
            {
                _counters.TryRemove(key, out _);
            }
        }
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private sealed class Counter
    {
        public int Failures;
        public DateTimeOffset LastFailure;
        public DateTimeOffset LockedUntil;

        public bool IsStale(DateTimeOffset now, TimeSpan forgetAfter) => LockedUntil <= now && now - LastFailure > forgetAfter;
    }
}
