using System.Net;
using HostedMail.Core;
using HostedMail.Core.Accounts;
using HostedMail.Core.Audit;
using Npgsql;

namespace HostedMail.Storage.Stores;

internal sealed class PostgresAccountStore(NpgsqlDataSource dataSource) : IAccountStore
{
    // A portal_users row is a membership of an account in a tenant; the account (portal_accounts)
    // holds what is the person's: address, password, TOTP, lockout, recovery codes.
    internal const string UserColumns = "u.tenant_id, u.user_id, a.email, u.display_name, u.role, a.password_hash IS NOT NULL, u.email_confirmed_at, a.totp_enabled, a.failed_logins, a.locked_until, u.created_at";
    internal const string UserJoin = "JOIN portal_accounts a ON a.account_id = u.account_id";
    private const string AccountOf = "(SELECT account_id FROM portal_users WHERE tenant_id = @tenant_id AND user_id = @user_id)";
    private const string SessionColumns = "s.tenant_id, s.session_id, s.user_id, s.csrf_token, s.created_at, s.last_seen_at, s.expires_at, s.remote_addr, s.user_agent";

    public async Task<SignUpRecord> SignUpAsync(string tenantName, string tenantDisplayName, string plan, string email, string? displayName, string passwordHash, AuditEntry audit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        try
        {
            var tenantId = (await Db.QueryAsync(connection, transaction, "INSERT INTO tenants (name, display_name, plan) VALUES (@name, @display_name, @plan) RETURNING tenant_id",
                r => r.GetInt64(0), cancellationToken, ("name", tenantName), ("display_name", tenantDisplayName), ("plan", plan)))[0];
            // An existing account keeps its password: the new tenant becomes one more (unconfirmed) membership.
            var (accountId, created) = await EnsureAccountAsync(connection, transaction, email, passwordHash, cancellationToken);
            var user = await InsertMembershipAsync(connection, transaction, tenantId, accountId, displayName, PortalRole.Owner, cancellationToken);
            await Db.InsertAuditAsync(connection, transaction, audit with { TenantId = tenantId }, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return new SignUpRecord(tenantId, user, created);
        }
        catch (PostgresException ex) when (Db.IsUniqueViolation(ex))
        {
            throw HostedMailException.Conflict($"the tenant name '{tenantName}' is taken");
        }
    }

    public async Task<(PortalUser User, bool NewAccount)> CreateUserAsync(long tenantId, string email, string? displayName, PortalRole role, AuditEntry audit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        try
        {
            var (accountId, created) = await EnsureAccountAsync(connection, transaction, email, null, cancellationToken);
            var user = await InsertMembershipAsync(connection, transaction, tenantId, accountId, displayName, role, cancellationToken);
            await Db.InsertAuditAsync(connection, transaction, audit, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return (user, created);
        }
        catch (PostgresException ex) when (Db.IsUniqueViolation(ex))
        {
            throw HostedMailException.Conflict($"{email} is already a user of this tenant");
        }
    }

    public async Task<IReadOnlyList<PortalUser>> FindMembershipsAsync(string email, CancellationToken cancellationToken) =>
        await Db.QueryAsync(dataSource, $"SELECT {UserColumns} FROM portal_users u {UserJoin} WHERE a.email = @email ORDER BY u.created_at, u.tenant_id", MapUser, cancellationToken, ("email", email));

    private static async Task<(long AccountId, bool Created)> EnsureAccountAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string email, string? passwordHash, CancellationToken cancellationToken)
    {
        var inserted = await Db.QueryAsync(connection, transaction, """
            INSERT INTO portal_accounts (email, password_hash) VALUES (@email, @hash)
            ON CONFLICT (email) DO NOTHING RETURNING account_id
            """, r => r.GetInt64(0), cancellationToken, ("email", email), ("hash", passwordHash));
        if (inserted.Count > 0)
        {
            return (inserted[0], true);
        }

        return ((await Db.QueryAsync(connection, transaction, "SELECT account_id FROM portal_accounts WHERE email = @email", r => r.GetInt64(0), cancellationToken, ("email", email)))[0], false);
    }

    private static async Task<PortalUser> InsertMembershipAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long tenantId, long accountId, string? displayName, PortalRole role, CancellationToken cancellationToken) =>
        (await Db.QueryAsync(connection, transaction, $"""
            WITH u AS (
                INSERT INTO portal_users (tenant_id, account_id, display_name, role) VALUES (@tenant_id, @account_id, @display_name, @role)
                RETURNING *)
            SELECT {UserColumns} FROM u {UserJoin}
            """, MapUser, cancellationToken, ("tenant_id", tenantId), ("account_id", accountId), ("display_name", displayName), ("role", role.Name())))[0];

    public async Task<PortalUser?> GetAsync(long tenantId, long userId, CancellationToken cancellationToken) =>
        (await Db.QueryAsync(dataSource, $"SELECT {UserColumns} FROM portal_users u {UserJoin} WHERE u.tenant_id = @tenant_id AND u.user_id = @user_id", MapUser, cancellationToken,
            ("tenant_id", tenantId), ("user_id", userId))).FirstOrDefault();

    public async Task<IReadOnlyList<PortalUser>> ListAsync(long tenantId, CancellationToken cancellationToken) =>
        await Db.QueryAsync(dataSource, $"SELECT {UserColumns} FROM portal_users u {UserJoin} WHERE u.tenant_id = @tenant_id ORDER BY a.email", MapUser, cancellationToken, ("tenant_id", tenantId));

    public async Task<PortalUserSecrets?> GetSecretsAsync(long tenantId, long userId, CancellationToken cancellationToken) =>
        (await Db.QueryAsync(dataSource, $"SELECT password_hash, totp_secret, totp_last_step FROM portal_accounts WHERE account_id = {AccountOf}",
            r => new PortalUserSecrets(Db.NullableString(r, 0), r.IsDBNull(1) ? null : r.GetFieldValue<byte[]>(1), r.GetInt64(2)), cancellationToken,
            ("tenant_id", tenantId), ("user_id", userId))).FirstOrDefault();

    public async Task<PortalUser?> SetRoleAsync(long tenantId, long userId, PortalRole role, AuditEntry audit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var user = (await Db.QueryAsync(connection, transaction, $"""
            WITH u AS (UPDATE portal_users SET role = @role WHERE tenant_id = @tenant_id AND user_id = @user_id RETURNING *)
            SELECT {UserColumns} FROM u {UserJoin}
            """,
            MapUser, cancellationToken, ("role", role.Name()), ("tenant_id", tenantId), ("user_id", userId))).FirstOrDefault();
        if (user is not null)
        {
            await Db.InsertAuditAsync(connection, transaction, audit, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return user;
    }

    public async Task<bool> DeleteAsync(long tenantId, long userId, AuditEntry audit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var gone = await Db.QueryAsync(connection, transaction, "DELETE FROM portal_users WHERE tenant_id = @tenant_id AND user_id = @user_id RETURNING account_id",
            r => r.GetInt64(0), cancellationToken, ("tenant_id", tenantId), ("user_id", userId));
        if (gone.Count == 0)
        {
            return false;
        }

        // The account goes with its last membership: an address with no tenant has nothing to sign in to.
        await Db.ExecuteAsync(connection, transaction, "DELETE FROM portal_accounts a WHERE a.account_id = @account_id AND NOT EXISTS (SELECT 1 FROM portal_users o WHERE o.account_id = a.account_id)",
            cancellationToken, ("account_id", gone[0]));
        await Db.InsertAuditAsync(connection, transaction, audit, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    public async Task<int> CountOwnersAsync(long tenantId, CancellationToken cancellationToken) =>
        (int)(await Db.QueryAsync(dataSource, "SELECT count(*) FROM portal_users WHERE tenant_id = @tenant_id AND role = 'owner'", r => r.GetInt64(0), cancellationToken, ("tenant_id", tenantId)))[0];

    public async Task SetPasswordHashAsync(long tenantId, long userId, string passwordHash, bool endSessions, AuditEntry? audit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await Db.ExecuteAsync(connection, transaction, $"UPDATE portal_accounts SET password_hash = @hash WHERE account_id = {AccountOf}", cancellationToken,
            ("hash", passwordHash), ("tenant_id", tenantId), ("user_id", userId));
        if (endSessions)
        {
            // The password is the account's: the sessions of every membership end.
            await Db.ExecuteAsync(connection, transaction, $"""
                DELETE FROM portal_sessions s USING portal_users m
                WHERE m.account_id = {AccountOf} AND s.tenant_id = m.tenant_id AND s.user_id = m.user_id
                """, cancellationToken, ("tenant_id", tenantId), ("user_id", userId));
        }

        if (audit is not null)
        {
            await Db.InsertAuditAsync(connection, transaction, audit, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    public Task ConfirmEmailAsync(long tenantId, long userId, DateTimeOffset at, AuditEntry audit, CancellationToken cancellationToken) =>
        WriteAsync("UPDATE portal_users SET email_confirmed_at = @at WHERE tenant_id = @tenant_id AND user_id = @user_id AND email_confirmed_at IS NULL", audit, cancellationToken,
            ("at", at), ("tenant_id", tenantId), ("user_id", userId));

    public async Task RecordFailedLoginAsync(long tenantId, long userId, int threshold, DateTimeOffset lockUntil, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await Db.ExecuteAsync(connection, null, $"""
            UPDATE portal_accounts SET
                locked_until = CASE WHEN failed_logins + 1 >= @threshold THEN @lock_until ELSE locked_until END,
                failed_logins = CASE WHEN failed_logins + 1 >= @threshold THEN 0 ELSE failed_logins + 1 END
            WHERE account_id = {AccountOf}
            """, cancellationToken, ("threshold", threshold), ("lock_until", lockUntil), ("tenant_id", tenantId), ("user_id", userId));
    }

    public async Task ResetFailedLoginsAsync(long tenantId, long userId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await Db.ExecuteAsync(connection, null, $"UPDATE portal_accounts SET failed_logins = 0, locked_until = NULL WHERE account_id = {AccountOf} AND (failed_logins <> 0 OR locked_until IS NOT NULL)",
            cancellationToken, ("tenant_id", tenantId), ("user_id", userId));
    }

    public async Task RecordSignInAsync(long tenantId, long userId, AuditEntry audit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await Db.InsertAuditAsync(connection, transaction, audit with { TenantId = tenantId }, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task SetPendingTotpSecretAsync(long tenantId, long userId, byte[] secret, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await Db.ExecuteAsync(connection, null, $"UPDATE portal_accounts SET totp_secret = @secret WHERE account_id = {AccountOf} AND NOT totp_enabled",
            cancellationToken, ("secret", secret), ("tenant_id", tenantId), ("user_id", userId));
    }

    public async Task EnableTotpAsync(long tenantId, long userId, long acceptedStep, IReadOnlyList<byte[]> recoveryCodeHashes, AuditEntry audit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await Db.ExecuteAsync(connection, transaction, $"UPDATE portal_accounts SET totp_enabled = true, totp_last_step = @step WHERE account_id = {AccountOf}",
            cancellationToken, ("step", acceptedStep), ("tenant_id", tenantId), ("user_id", userId));
        await ReplaceCodesAsync(connection, transaction, tenantId, userId, recoveryCodeHashes, cancellationToken);
        await Db.InsertAuditAsync(connection, transaction, audit, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task DisableTotpAsync(long tenantId, long userId, AuditEntry audit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await Db.ExecuteAsync(connection, transaction, $"UPDATE portal_accounts SET totp_enabled = false, totp_secret = NULL WHERE account_id = {AccountOf}",
            cancellationToken, ("tenant_id", tenantId), ("user_id", userId));
        await ReplaceCodesAsync(connection, transaction, tenantId, userId, [], cancellationToken);
        await Db.InsertAuditAsync(connection, transaction, audit, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task ReplaceRecoveryCodesAsync(long tenantId, long userId, IReadOnlyList<byte[]> recoveryCodeHashes, AuditEntry audit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await ReplaceCodesAsync(connection, transaction, tenantId, userId, recoveryCodeHashes, cancellationToken);
        await Db.InsertAuditAsync(connection, transaction, audit, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<bool> UseRecoveryCodeAsync(long tenantId, long userId, byte[] codeHash, DateTimeOffset at, CancellationToken cancellationToken) =>
        (await Db.QueryAsync(dataSource, $"""
            UPDATE portal_account_recovery_codes SET used_at = @at
            WHERE account_id = {AccountOf} AND code_sha256 = @hash AND used_at IS NULL
            RETURNING 1
            """, r => r.GetInt32(0), cancellationToken, ("at", at), ("tenant_id", tenantId), ("user_id", userId), ("hash", codeHash))).Count > 0;

    public async Task<int> CountUnusedRecoveryCodesAsync(long tenantId, long userId, CancellationToken cancellationToken) =>
        (int)(await Db.QueryAsync(dataSource, $"SELECT count(*) FROM portal_account_recovery_codes WHERE account_id = {AccountOf} AND used_at IS NULL",
            r => r.GetInt64(0), cancellationToken, ("tenant_id", tenantId), ("user_id", userId)))[0];

    public async Task<bool> AdvanceTotpStepAsync(long tenantId, long userId, long step, CancellationToken cancellationToken) =>
        (await Db.QueryAsync(dataSource, $"UPDATE portal_accounts SET totp_last_step = @step WHERE account_id = {AccountOf} AND totp_last_step < @step RETURNING 1",
            r => r.GetInt32(0), cancellationToken, ("step", step), ("tenant_id", tenantId), ("user_id", userId))).Count > 0;

    public async Task<PortalSession> CreateSessionAsync(long tenantId, long userId, byte[] tokenHash, string csrfToken, DateTimeOffset now, DateTimeOffset expiresAt, IPAddress? remoteAddress, string? userAgent, AuditEntry audit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var session = (await Db.QueryAsync(connection, transaction, $"""
            INSERT INTO portal_sessions AS s (tenant_id, user_id, token_sha256, csrf_token, created_at, last_seen_at, expires_at, remote_addr, user_agent)
            VALUES (@tenant_id, @user_id, @hash, @csrf, @now, @now, @expires, @addr, @ua)
            RETURNING {SessionColumns}
            """, MapSession, cancellationToken, ("tenant_id", tenantId), ("user_id", userId), ("hash", tokenHash), ("csrf", csrfToken),
            ("now", now), ("expires", expiresAt), ("addr", remoteAddress), ("ua", userAgent)))[0];
        await Db.InsertAuditAsync(connection, transaction, audit, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return session;
    }

    public async Task<(PortalSession Session, PortalUser User)?> FindSessionAsync(byte[] tokenHash, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var rows = await Db.QueryAsync(dataSource, $"""
            SELECT {SessionColumns}, {UserColumns} FROM portal_sessions s
            JOIN portal_users u ON u.tenant_id = s.tenant_id AND u.user_id = s.user_id {UserJoin}
            WHERE s.token_sha256 = @hash AND s.expires_at > @now
            """, r => (MapSession(r), MapUser(r, 9)), cancellationToken, ("hash", tokenHash), ("now", now));
        return rows.Count == 0 ? null : rows[0];
    }

    public async Task TouchSessionAsync(long tenantId, long sessionId, DateTimeOffset now, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await Db.ExecuteAsync(connection, null, "UPDATE portal_sessions SET last_seen_at = @now, expires_at = @expires WHERE tenant_id = @tenant_id AND session_id = @session_id",
            cancellationToken, ("now", now), ("expires", expiresAt), ("tenant_id", tenantId), ("session_id", sessionId));
    }

    public async Task<IReadOnlyList<PortalSession>> ListSessionsAsync(long tenantId, long userId, DateTimeOffset now, CancellationToken cancellationToken) =>
        await Db.QueryAsync(dataSource, $"""
            SELECT {SessionColumns} FROM portal_sessions s
            WHERE s.tenant_id = @tenant_id AND s.user_id = @user_id AND s.expires_at > @now ORDER BY s.last_seen_at DESC, s.session_id DESC
            """, MapSession, cancellationToken, ("tenant_id", tenantId), ("user_id", userId), ("now", now));

    public async Task<(int Sessions, int Links)> DeleteExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        (await Db.QueryAsync(dataSource, """
            WITH sessions AS (DELETE FROM portal_sessions WHERE expires_at < @now RETURNING 1),
                 links AS (DELETE FROM portal_user_tokens WHERE expires_at < @now RETURNING 1)
            SELECT (SELECT count(*) FROM sessions)::int, (SELECT count(*) FROM links)::int
            """, r => (r.GetInt32(0), r.GetInt32(1)), cancellationToken, ("now", now)))[0];

    public async Task<bool> DeleteSessionAsync(long tenantId, long userId, long sessionId, AuditEntry? audit, CancellationToken cancellationToken) =>
        await WriteAsync("DELETE FROM portal_sessions WHERE tenant_id = @tenant_id AND user_id = @user_id AND session_id = @session_id", audit, cancellationToken,
            ("tenant_id", tenantId), ("user_id", userId), ("session_id", sessionId)) > 0;

    public async Task CreateUserTokenAsync(long tenantId, long userId, UserTokenPurpose purpose, byte[] tokenHash, DateTimeOffset now, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await Db.ExecuteAsync(connection, null, """
            INSERT INTO portal_user_tokens (tenant_id, token_sha256, user_id, purpose, created_at, expires_at)
            VALUES (@tenant_id, @hash, @user_id, @purpose, @now, @expires)
            """, cancellationToken, ("tenant_id", tenantId), ("hash", tokenHash), ("user_id", userId), ("purpose", PurposeName(purpose)), ("now", now), ("expires", expiresAt));
    }

    public async Task<(long TenantId, long UserId)?> ConsumeUserTokenAsync(byte[] tokenHash, UserTokenPurpose purpose, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var rows = await Db.QueryAsync(dataSource, """
            UPDATE portal_user_tokens SET used_at = @now
            WHERE token_sha256 = @hash AND purpose = @purpose AND used_at IS NULL AND expires_at > @now
            RETURNING tenant_id, user_id
            """, r => (r.GetInt64(0), r.GetInt64(1)), cancellationToken, ("now", now), ("hash", tokenHash), ("purpose", PurposeName(purpose)));
        return rows.Count == 0 ? null : rows[0];
    }

    private static async Task ReplaceCodesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long tenantId, long userId, IReadOnlyList<byte[]> hashes, CancellationToken cancellationToken)
    {
        await Db.ExecuteAsync(connection, transaction, $"DELETE FROM portal_account_recovery_codes WHERE account_id = {AccountOf}", cancellationToken,
            ("tenant_id", tenantId), ("user_id", userId));
        foreach (var hash in hashes)
        {
            await Db.ExecuteAsync(connection, transaction, $"INSERT INTO portal_account_recovery_codes (account_id, code_sha256) VALUES ({AccountOf}, @hash) ON CONFLICT DO NOTHING",
                cancellationToken, ("tenant_id", tenantId), ("user_id", userId), ("hash", hash));
        }
    }

    private async Task<int> WriteAsync(string sql, AuditEntry? audit, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var command = Db.Command(connection, transaction, sql, parameters);
        var rows = await command.ExecuteNonQueryAsync(cancellationToken);
        if (rows > 0 && audit is not null)
        {
            await Db.InsertAuditAsync(connection, transaction, audit, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return rows;
    }

    private static string PurposeName(UserTokenPurpose purpose) => purpose == UserTokenPurpose.ConfirmEmail ? "confirm_email" : "reset_password";

    internal static PortalUser MapUser(NpgsqlDataReader r) => MapUser(r, 0);

    internal static PortalUser MapUser(NpgsqlDataReader r, int o) => new(
        r.GetInt64(o), r.GetInt64(o + 1), r.GetString(o + 2), Db.NullableString(r, o + 3),
        PortalRoles.Parse(r.GetString(o + 4)) ?? PortalRole.ReadOnly, r.GetBoolean(o + 5), Db.Nullable<DateTimeOffset>(r, o + 6),
        r.GetBoolean(o + 7), r.GetInt32(o + 8), Db.Nullable<DateTimeOffset>(r, o + 9), r.GetFieldValue<DateTimeOffset>(o + 10));

    private static PortalSession MapSession(NpgsqlDataReader r) => new(
        r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), r.GetString(3), r.GetFieldValue<DateTimeOffset>(4), r.GetFieldValue<DateTimeOffset>(5),
        r.GetFieldValue<DateTimeOffset>(6), r.IsDBNull(7) ? null : r.GetFieldValue<IPAddress>(7), Db.NullableString(r, 8));
}
