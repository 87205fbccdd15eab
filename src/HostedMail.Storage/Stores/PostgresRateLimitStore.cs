using HostedMail.Core.Security;
using Npgsql;

namespace HostedMail.Storage.Stores;

/// <summary>Rate-limit counters in <c>rate_limit_counters</c>: every node counts on the same row, so the budget holds cluster-wide.</summary>
internal sealed class PostgresRateLimitStore(NpgsqlDataSource dataSource) : IRateLimitStore
{
    // The conditional upsert counts and checks in one statement: concurrent requests on any node
    // cannot together exceed the budget, and a refused request (no row returned) adds nothing.
    private const string AcquireSql = """
        INSERT INTO rate_limit_counters AS c (budget, key, window_start, hits) VALUES (@budget, @key, @window_start, 1)
        ON CONFLICT (budget, key, window_start) DO UPDATE SET hits = c.hits + 1 WHERE c.hits < @permits
        RETURNING hits
        """;

    private const string ReleaseSql = """
        UPDATE rate_limit_counters SET hits = hits - 1
        WHERE budget = @budget AND key = @key AND window_start = @window_start AND hits > 0
        """;

    // Windows that ended are of no use; the first hit of a new window clears the budget's old ones.
    private const string SweepSql = "DELETE FROM rate_limit_counters WHERE budget = @budget AND window_start < @window_start";

    public async Task<RateLimitLease> TryAcquireAsync(RateLimitBudget budget, string key, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var start = budget.WindowStart(now);
        var lease = new RateLimitLease(false, start, start + budget.Window);
        if (budget.Permits <= 0)
        {
            return lease;
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var hits = await Db.QueryAsync(connection, null, AcquireSql, r => r.GetInt32(0), cancellationToken,
            ("budget", budget.Name), ("key", key), ("window_start", start), ("permits", budget.Permits));
        if (hits.Count == 1 && hits[0] == 1)
        {
            await Db.ExecuteAsync(connection, null, SweepSql, cancellationToken, ("budget", budget.Name), ("window_start", start));
        }

        return lease with { Granted = hits.Count == 1 };
    }

    public async Task ReleaseAsync(RateLimitBudget budget, string key, RateLimitLease lease, CancellationToken cancellationToken)
    {
        if (!lease.Granted)
        {
            return;
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await Db.ExecuteAsync(connection, null, ReleaseSql, cancellationToken, ("budget", budget.Name), ("key", key), ("window_start", lease.WindowStart));
    }
}
