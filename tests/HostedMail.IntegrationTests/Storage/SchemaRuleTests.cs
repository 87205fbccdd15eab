using HostedMail.Storage.Stores;
using HostedMail.Testing;
using Npgsql;

namespace HostedMail.IntegrationTests.Storage;

/// <summary>
/// Schema choices made for the hot IMAP rows: the column rules that migration 0097 moved from table
/// CHECK constraints to domains (so a counter update of a folder or mailbox row no longer evaluates
/// them) still refuse every bad value, on INSERT and on an UPDATE that sets the column, while
/// updates of other columns pass; and SELECT's sequence map is read from an index alone (0098).
/// </summary>
public sealed class SchemaRuleTests : IAsyncLifetime
{
    private TestDatabase database = null!;
    private long tenant;
    private long mailbox;
    private long folder;

    public async Task InitializeAsync()
    {
        database = await TestDatabase.CreateMigratedAsync();
        tenant = await ScalarAsync("INSERT INTO tenants (name) VALUES ('rules') RETURNING tenant_id");
        var domain = await ScalarAsync($"INSERT INTO domains (tenant_id, name, verification_token) VALUES ({tenant}, 'rules.example', 'x') RETURNING domain_id");
        mailbox = await ScalarAsync($"INSERT INTO mailboxes (tenant_id, domain_id, address, quota_bytes) VALUES ({tenant}, {domain}, 'ann@rules.example', 1000) RETURNING mailbox_id");
        folder = await ScalarAsync($"INSERT INTO folders (tenant_id, mailbox_id, name, special_use) VALUES ({tenant}, {mailbox}, 'Sent', '\\Sent') RETURNING folder_id");
    }

    public Task DisposeAsync() => database.DisposeAsync().AsTask();

    [Fact]
    public async Task CounterUpdatesPassAndEveryBadValueIsRefused()
    {
        // The updates every IMAP change makes: none of the rules' columns is set.
        await ExecuteAsync($"UPDATE folders SET highest_modseq = highest_modseq + 1, uid_next = uid_next + 1 WHERE folder_id = {folder}");
        await ExecuteAsync($"UPDATE mailboxes SET used_bytes = used_bytes + 10 WHERE mailbox_id = {mailbox}");

        await RefusedAsync($"INSERT INTO folders (tenant_id, mailbox_id, name, special_use) VALUES ({tenant}, {mailbox}, 'X', '\\Bogus')");
        await RefusedAsync($"UPDATE folders SET special_use = '\\sent' WHERE folder_id = {folder}");
        await RefusedAsync($"UPDATE folders SET uid_validity = 0 WHERE folder_id = {folder}");
        await RefusedAsync($"UPDATE folders SET uid_validity = 4294967296 WHERE folder_id = {folder}");
        await RefusedAsync($"UPDATE mailboxes SET address = 'Ann@rules.example' WHERE mailbox_id = {mailbox}");
        await RefusedAsync($"UPDATE mailboxes SET quota_bytes = -1 WHERE mailbox_id = {mailbox}");
        await RefusedAsync($"UPDATE mailboxes SET state = 'deleted' WHERE mailbox_id = {mailbox}");
        await RefusedAsync($"INSERT INTO blobs (tenant_id, sha256, size, data) VALUES ({tenant}, '\\x00', 1, '\\x00')");
        await ExecuteAsync($"INSERT INTO blobs (tenant_id, sha256, size, data) VALUES ({tenant}, decode(repeat('ab', 32), 'hex'), 1, '\\x00')");
        foreach (var uid in new[] { 0L, 4294967296L })
        {
            await RefusedAsync($"""
                INSERT INTO messages (tenant_id, mailbox_id, folder_id, uid, modseq, blob_sha256, size, internal_date)
                VALUES ({tenant}, {mailbox}, {folder}, {uid}, 1, decode(repeat('ab', 32), 'hex'), 1, now())
                """);
        }

        await ExecuteAsync($"""
            INSERT INTO messages (tenant_id, mailbox_id, folder_id, uid, modseq, blob_sha256, size, internal_date)
            VALUES ({tenant}, {mailbox}, {folder}, 4294967295, 1, decode(repeat('ab', 32), 'hex'), 1, now())
            """);
        await RefusedAsync($"UPDATE messages SET uid = 0 WHERE folder_id = {folder}");
        Assert.Equal(4294967295L, await ScalarAsync($"SELECT uid FROM messages WHERE folder_id = {folder}"));
    }

    [Fact]
    public async Task TheRowsEveryImapChangeUpdatesHaveNoTableCheckConstraints()
    {
        // A table CHECK is evaluated (and its expression rebuilt) on every UPDATE of the row: rules
        // for these tables belong in domains (migration 0097).
        Assert.Equal(0, await ScalarAsync("SELECT count(*) FROM pg_constraint WHERE contype = 'c' AND conrelid IN ('folders'::regclass, 'mailboxes'::regclass, 'messages'::regclass, 'blobs'::regclass)"));
    }

    [Fact]
    public async Task SelectsSequenceMapReadsTheUidIndexAlone()
    {
        // Migration 0098: SELECT's read of UIDs and unseen bits is an index-only scan (no heap page
        // per message). A column added to the query's messages side, or flags dropped from the
        // index, makes it a heap scan again, and this fails.
        await using var connection = await database.DataSource.OpenConnectionAsync();
        // The rows' commit is flushed before VACUUM (the test cluster commits asynchronously, and
        // VACUUM does not mark a page all-visible while a commit on it may still be lost).
        await Db.ExecuteAsync(connection, null, "SET synchronous_commit = on; SET enable_seqscan = off; SET enable_bitmapscan = off", CancellationToken.None);
        await Db.ExecuteAsync(connection, null, $"INSERT INTO blobs (tenant_id, sha256, size, data) VALUES ({tenant}, decode(repeat('cd', 32), 'hex'), 1, '\\x00')", CancellationToken.None);
        await Db.ExecuteAsync(connection, null, $"""
            INSERT INTO messages (tenant_id, mailbox_id, folder_id, uid, modseq, blob_sha256, size, internal_date, flags)
            SELECT {tenant}, {mailbox}, {folder}, n, 1, decode(repeat('cd', 32), 'hex'), 1, now(), n % 2 FROM generate_series(1, 300) n
            """, CancellationToken.None);
        // VACUUM marks a page all-visible only when no transaction in the database may still not see
        // its rows; an autoanalyze of another table of this fresh database holds a snapshot for a
        // moment, and a page left unmarked makes the index-only scan no cheaper than a heap scan (one
        // full run out of several chose messages_folder_modseq_idx so). Vacuum until every page is marked.
        var marked = false;
        for (var attempt = 0; attempt < 50 && !marked; attempt++)
        {
            await Db.ExecuteAsync(connection, null, "VACUUM ANALYZE messages", CancellationToken.None);
            marked = (await Db.QueryAsync(connection, null, "SELECT relallvisible >= relpages FROM pg_class WHERE oid = 'messages'::regclass", r => r.GetBoolean(0), CancellationToken.None))[0];
            if (!marked)
            {
                await Task.Delay(100);
            }
        }

        Assert.True(marked, "VACUUM left pages of messages not all-visible");

        var plan = await Db.QueryAsync(connection, null, "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) " + PostgresImapStore.ListUidsSql, r => r.GetString(0).Trim(), CancellationToken.None,
            ("tenant_id", tenant), ("mailbox_id", mailbox), ("folder_id", folder), ("uid_next", 1000L), ("modseq", 0L));
        var text = string.Join("\n", plan);
        Assert.True(text.Contains("Index Only Scan using messages_tenant_id_folder_id_uid_key on messages", StringComparison.Ordinal)
            && text.Contains("rows=300", StringComparison.Ordinal) && text.Contains("Heap Fetches: 0", StringComparison.Ordinal), text);

        // Still the unique key of a folder's UIDs.
        var ex = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync($"""
            INSERT INTO messages (tenant_id, mailbox_id, folder_id, uid, modseq, blob_sha256, size, internal_date)
            VALUES ({tenant}, {mailbox}, {folder}, 7, 1, decode(repeat('cd', 32), 'hex'), 1, now())
            """));
        Assert.Equal(PostgresErrorCodes.UniqueViolation, ex.SqlState);
    }

    private async Task RefusedAsync(string sql)
    {
        var ex = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(sql));
        Assert.Equal(PostgresErrorCodes.CheckViolation, ex.SqlState);
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var command = database.DataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    private async Task<long> ScalarAsync(string sql)
    {
        await using var command = database.DataSource.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
