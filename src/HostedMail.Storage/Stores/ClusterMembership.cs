using Npgsql;

namespace HostedMail.Storage.Stores;

/// <summary>What the Orleans membership table (migration 0070) says about running nodes, for operator tools.</summary>
public static class ClusterMembership
{
    // Orleans' SiloStatus.Active; a node writes i_am_alive_time every 30 s by default, so a node
    // killed without being declared dead stops counting after a few minutes.
    private const string Sql = """
        SELECT count(*) FROM orleans.membership
        WHERE deployment_id = @cluster AND status = 3 AND proxy_port > 0 AND i_am_alive_time > now() - interval '3 minutes'
        """;

    /// <summary>Whether a node of <paramref name="clusterId"/> is up to be asked as a gateway.</summary>
    public static async Task<bool> HasLiveGatewayAsync(NpgsqlDataSource dataSource, string clusterId, CancellationToken cancellationToken) =>
        (await Db.QueryAsync(dataSource, Sql, r => r.GetInt64(0), cancellationToken, ("cluster", clusterId)))[0] > 0;
}
