using HostedMail.Storage.Migrations;
using HostedMail.Testing;
using Npgsql;

namespace HostedMail.IntegrationTests.Storage;

public sealed class MigrationRunnerTests : IAsyncLifetime
{
    private readonly string directory = Directory.CreateTempSubdirectory("hm-migrations-").FullName;
    private TestDatabase database = null!;

    public async Task InitializeAsync() => database = await TestDatabase.CreateEmptyAsync();

    public async Task DisposeAsync()
    {
        await database.DisposeAsync();
        Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public async Task FreshDatabaseGetsEveryMigrationInOrderWithItsChecksum()
    {
        Write("0001_create_a.sql", "CREATE TABLE a (tenant_id bigint NOT NULL, x int);");
        Write("0002_create_b.sql", "CREATE TABLE b (tenant_id bigint NOT NULL, a_x int);");
        var applied = await Runner().ApplyAsync();
        Assert.Equal(["0001_create_a.sql", "0002_create_b.sql"], applied);
        var rows = await QueryAsync("SELECT version || ' ' || file_name || ' ' || sha256 FROM schema_migrations ORDER BY version");
        Assert.Equal(2, rows.Count);
        Assert.Matches(@"^1 0001_create_a\.sql [0-9a-f]{64}$", rows[0]);
        Assert.True((await Runner().GetStatusAsync()).IsCurrent);
    }

    [Fact]
    public async Task ReRunAppliesNothing()
    {
        Write("0001_create_a.sql", "CREATE TABLE a (tenant_id bigint NOT NULL);");
        await Runner().ApplyAsync();
        Assert.Empty(await Runner().ApplyAsync());
        Write("0002_create_b.sql", "CREATE TABLE b (tenant_id bigint NOT NULL);");
        Assert.Equal(["0002_create_b.sql"], await Runner().ApplyAsync());
    }

    [Fact]
    public async Task AChangedAppliedFileStopsWithAnErrorNamingTheFileAndAppliesNothing()
    {
        Write("0001_create_a.sql", "CREATE TABLE a (tenant_id bigint NOT NULL);");
        await Runner().ApplyAsync();
        Write("0001_create_a.sql", "CREATE TABLE a (tenant_id bigint NOT NULL, sneaky int);");
        Write("0002_create_b.sql", "CREATE TABLE b (tenant_id bigint NOT NULL);");
        var ex = await Assert.ThrowsAsync<MigrationException>(() => Runner().ApplyAsync());
        Assert.Contains("0001_create_a.sql was changed after it was applied", ex.Message, StringComparison.Ordinal);
        Assert.Empty(await QueryAsync("SELECT 'x' FROM pg_tables WHERE tablename = 'b'"));
        var status = await Runner().GetStatusAsync();
        Assert.False(status.IsCurrent);
        Assert.Equal(["0001_create_a.sql"], status.Changed);
    }

    [Fact]
    public async Task AFailingMigrationRollsBackAndIsNotRecorded()
    {
        Write("0001_create_a.sql", "CREATE TABLE a (tenant_id bigint NOT NULL);");
        Write("0002_broken.sql", "CREATE TABLE c (tenant_id bigint NOT NULL); SELECT * FROM no_such_table;");
        var ex = await Assert.ThrowsAsync<MigrationException>(() => Runner().ApplyAsync());
        Assert.Contains("migration 0002_broken.sql failed", ex.Message, StringComparison.Ordinal);
        Assert.Equal(["1"], await QueryAsync("SELECT version::text FROM schema_migrations"));
        Assert.Empty(await QueryAsync("SELECT 'x' FROM pg_tables WHERE tablename = 'c'"));
    }

    [Fact]
    public async Task AMigrationMarkedOutsideATransactionRunsStatementByStatementAndAgainWholeAfterAFailure()
    {
        Write("0001_create_a.sql", "CREATE TABLE a (tenant_id bigint NOT NULL, x int); INSERT INTO a SELECT 1, g FROM generate_series(1, 1000) g;");
        const string First = """
            -- migration: outside a transaction
            -- Comment lines are not statements; this one even ends with a semicolon;
            DROP INDEX CONCURRENTLY IF EXISTS a_x_idx;
            CREATE INDEX CONCURRENTLY a_x_idx
                ON a (x);
            """;
        Write("0002_index_a.sql", First + "\nCREATE INDEX CONCURRENTLY a_y_idx ON a (no_such_column);\n");

        // CREATE INDEX CONCURRENTLY refuses to run in a transaction: it ran, so each statement was on its own.
        var ex = await Assert.ThrowsAsync<MigrationException>(() => Runner().ApplyAsync());
        Assert.Contains("migration 0002_index_a.sql failed", ex.Message, StringComparison.Ordinal);
        Assert.Equal(["1"], await QueryAsync("SELECT version::text FROM schema_migrations"));
        Assert.Equal(["a_x_idx true"], await QueryAsync("SELECT c.relname || ' ' || i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname LIKE 'a\\_%'"));

        // The file, mended (it was never recorded, so it may change), runs again from its start.
        Write("0002_index_a.sql", First + "\nCREATE INDEX CONCURRENTLY a_tenant_idx ON a (tenant_id);\n");
        Assert.Equal(["0002_index_a.sql"], await Runner().ApplyAsync());
        Assert.Equal(["a_tenant_idx true", "a_x_idx true"], await QueryAsync("SELECT c.relname || ' ' || i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname LIKE 'a\\_%' ORDER BY 1"));
        Assert.True((await Runner().GetStatusAsync()).IsCurrent);
    }

    [Fact]
    public async Task AnAppliedMigrationThisNodeDoesNotKnowIsReported()
    {
        Write("0001_create_a.sql", "CREATE TABLE a (tenant_id bigint NOT NULL);");
        Write("0002_create_b.sql", "CREATE TABLE b (tenant_id bigint NOT NULL);");
        await Runner().ApplyAsync();
        File.Delete(Path.Combine(directory, "0002_create_b.sql"));
        var ex = await Assert.ThrowsAsync<MigrationException>(() => Runner().ApplyAsync());
        Assert.Contains("0002_create_b.sql, which this node does not know", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1_short.sql")]
    [InlineData("0001-dash.sql")]
    [InlineData("0001_Upper.sql")]
    public void BadlyNamedFilesAreRefused(string name)
    {
        Write(name, "SELECT 1;");
        var ex = Assert.Throws<MigrationException>(() => new DirectoryMigrationSource(directory).Load());
        Assert.Contains(name, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DuplicateNumbersAreRefused()
    {
        Write("0001_a.sql", "SELECT 1;");
        Write("0001_b.sql", "SELECT 1;");
        var ex = Assert.Throws<MigrationException>(() => new DirectoryMigrationSource(directory).Load());
        Assert.Contains("have the same number", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheShippedMigrationsGiveEveryTableATenantId()
    {
        await new MigrationRunner(database.DataSource, new EmbeddedMigrationSource()).ApplyAsync();
        var withoutTenant = await QueryAsync("""
            SELECT t.tablename FROM pg_tables t
            WHERE t.schemaname = 'public' AND t.tablename <> 'schema_migrations'
              -- Deliberately global, holding no tenant's data: a person's portal account (login by
              -- address, ARCHITECTURE.md's "global lookups"; it spans the tenants it is a member of)
              -- with its recovery codes, and anonymous callers' rate-limit counters.
              AND t.tablename NOT IN ('portal_accounts', 'portal_account_recovery_codes', 'rate_limit_counters')
              AND NOT EXISTS (SELECT 1 FROM information_schema.columns c
                              WHERE c.table_name = t.tablename AND c.column_name = 'tenant_id')
            """);
        Assert.Empty(withoutTenant);
        var tables = await QueryAsync("SELECT tablename FROM pg_tables WHERE schemaname = 'public'");
        foreach (var expected in new[] { "tenants", "domains", "mailboxes", "aliases", "folders", "messages", "blobs", "expunged_messages", "outbound_messages", "outbound_recipients", "audit_log" })
        {
            Assert.Contains(expected, tables);
        }
    }

    [Fact]
    public async Task ConcurrentRunnersApplyEachMigrationOnce()
    {
        Write("0001_create_a.sql", "CREATE TABLE a (tenant_id bigint NOT NULL);");
        Write("0002_create_b.sql", "CREATE TABLE b (tenant_id bigint NOT NULL);");
        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Runner().ApplyAsync()));
        Assert.Equal(2, results.Sum(r => r.Count));
        Assert.Equal(["1", "2"], await QueryAsync("SELECT version::text FROM schema_migrations ORDER BY version"));
    }

    private MigrationRunner Runner() => new(database.DataSource, new DirectoryMigrationSource(directory));

    private void Write(string name, string sql) => File.WriteAllText(Path.Combine(directory, name), sql);

    private async Task<List<string>> QueryAsync(string sql)
    {
        await using var command = database.DataSource.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetString(0));
        }

        return rows;
    }
}
