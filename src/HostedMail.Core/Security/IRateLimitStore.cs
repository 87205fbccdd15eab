namespace HostedMail.Core.Security;

/// <summary>A named allowance: at most <see cref="Permits"/> counted requests per key in each fixed <see cref="Window"/>.</summary>
public sealed record RateLimitBudget(string Name, int Permits, TimeSpan Window)
{
    /// <summary>The start of the fixed window <paramref name="now"/> falls in (windows are aligned to the Unix epoch, so every node agrees).</summary>
    public DateTimeOffset WindowStart(DateTimeOffset now)
    {
        var ticks = Math.Max(1, Window.Ticks);
        var sinceEpoch = now.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        return DateTimeOffset.UnixEpoch.AddTicks(sinceEpoch - (sinceEpoch % ticks));
    }
}

/// <summary>The answer to one request for a permit: granted or not, and when its window ends (for <c>Retry-After</c>).</summary>
public readonly record struct RateLimitLease(bool Granted, DateTimeOffset WindowStart, DateTimeOffset WindowEnd);

/// <summary>
/// Counts requests against budgets for the whole cluster, not per node. PostgreSQL implements it
/// today (one counter row per budget, key and window); a limiter grain may replace that
/// implementation later without changing its callers.
/// </summary>
public interface IRateLimitStore
{
    /// <summary>Counts one request of <paramref name="key"/> if the budget allows it; a refused request is not counted.</summary>
    Task<RateLimitLease> TryAcquireAsync(RateLimitBudget budget, string key, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Gives a granted permit back (the request turned out not to count, e.g. it was refused as invalid input).</summary>
    Task ReleaseAsync(RateLimitBudget budget, string key, RateLimitLease lease, CancellationToken cancellationToken);
}
