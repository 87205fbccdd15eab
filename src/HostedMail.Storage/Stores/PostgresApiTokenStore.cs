using HostedMail.Core.Accounts;
using HostedMail.Core.ApiTokens;
using HostedMail.Core.Audit;
using Npgsql;

namespace HostedMail.Storage.Stores;

internal sealed class PostgresApiTokenStore(NpgsqlDataSource dataSource) : IApiTokenStore
{
    private const string Columns = "k.tenant_id, k.token_id, k.user_id, k.name, k.prefix, k.scopes, k.created_at, k.expires_at, k.last_used_at, k.revoked_at";

    public async Task<ApiToken> CreateAsync(long tenantId, long userId, string name, byte[] tokenHash, string prefix, IReadOnlyList<string> scopes, DateTimeOffset now, DateTimeOffset expiresAt, AuditEntry audit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var token = (await Db.QueryAsync(connection, transaction, $"""
            INSERT INTO api_tokens AS k (tenant_id, user_id, name, token_sha256, prefix, scopes, created_at, expires_at)
            VALUES (@tenant_id, @user_id, @name, @hash, @prefix, @scopes, @now, @expires)
            RETURNING {Columns}
            """, Map, cancellationToken, ("tenant_id", tenantId), ("user_id", userId), ("name", name), ("hash", tokenHash), ("prefix", prefix),
            ("scopes", scopes.ToArray()), ("now", now), ("expires", expiresAt)))[0];
        await Db.InsertAuditAsync(connection, transaction, audit, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return token;
    }

    public async Task<(ApiToken Token, PortalUser User)?> FindLiveAsync(byte[] tokenHash, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var rows = await Db.QueryAsync(dataSource, $"""
            SELECT {Columns}, {PostgresAccountStore.UserColumns} FROM api_tokens k
            JOIN portal_users u ON u.tenant_id = k.tenant_id AND u.user_id = k.user_id {PostgresAccountStore.UserJoin}
            WHERE k.token_sha256 = @hash AND k.revoked_at IS NULL AND k.expires_at > @now
            """, r => (Map(r), PostgresAccountStore.MapUser(r, 10)), cancellationToken, ("hash", tokenHash), ("now", now));
        return rows.Count == 0 ? null : rows[0];
    }

    public async Task<IReadOnlyList<ApiToken>> ListAsync(long tenantId, long? userId, CancellationToken cancellationToken) =>
        await Db.QueryAsync(dataSource, $"""
            SELECT {Columns} FROM api_tokens k
            WHERE k.tenant_id = @tenant_id AND (@user_id::bigint IS NULL OR k.user_id = @user_id) ORDER BY k.token_id
            """, Map, cancellationToken, ("tenant_id", tenantId), ("user_id", userId));

    public async Task<ApiToken?> GetAsync(long tenantId, long tokenId, CancellationToken cancellationToken) =>
        (await Db.QueryAsync(dataSource, $"SELECT {Columns} FROM api_tokens k WHERE k.tenant_id = @tenant_id AND k.token_id = @token_id", Map, cancellationToken,
            ("tenant_id", tenantId), ("token_id", tokenId))).FirstOrDefault();

    public async Task<bool> RevokeAsync(long tenantId, long tokenId, DateTimeOffset now, AuditEntry audit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var command = Db.Command(connection, transaction,
            "UPDATE api_tokens SET revoked_at = @now WHERE tenant_id = @tenant_id AND token_id = @token_id AND revoked_at IS NULL",
            ("now", now), ("tenant_id", tenantId), ("token_id", tokenId));
        var changed = await command.ExecuteNonQueryAsync(cancellationToken) > 0;
        if (changed)
        {
            await Db.InsertAuditAsync(connection, transaction, audit, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return changed;
    }

    public async Task TouchAsync(long tenantId, long tokenId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await Db.ExecuteAsync(connection, null, "UPDATE api_tokens SET last_used_at = @now WHERE tenant_id = @tenant_id AND token_id = @token_id", cancellationToken,
            ("now", now), ("tenant_id", tenantId), ("token_id", tokenId));
    }

    private static ApiToken Map(NpgsqlDataReader r) => new(
        r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), r.GetString(3), r.GetString(4), r.GetFieldValue<string[]>(5),
        r.GetFieldValue<DateTimeOffset>(6), r.GetFieldValue<DateTimeOffset>(7), Db.Nullable<DateTimeOffset>(r, 8), Db.Nullable<DateTimeOffset>(r, 9));
}
