using System.Security.Cryptography;
using System.Text;
using HostedMail.Storage.Migrations;
using Npgsql;
using Xunit;

namespace HostedMail.Testing;

/// <summary>
/// A database of its own for one test class, on the cluster named by <c>HOSTEDMAIL_TEST_PG</c>
/// (set by <c>script/test</c>). Created from a template migrated once per migration set, so a new
/// database costs a file copy, not a migration run; dropped on dispose.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    public const string EnvironmentVariable = "HOSTEDMAIL_TEST_PG";

    private static readonly SemaphoreSlim TemplateLock = new(1, 1);
    private static string? templateName;

    private TestDatabase(string name, string connectionString)
    {
        Name = name;
        ConnectionString = connectionString;
        DataSource = NpgsqlDataSource.Create(connectionString);
    }

    public string Name { get; }

    public string ConnectionString { get; }

    public NpgsqlDataSource DataSource { get; }

    /// <summary>A new database with every migration applied.</summary>
    public static async Task<TestDatabase> CreateMigratedAsync()
    {
        var template = await EnsureTemplateAsync();
        return await CreateAsync($"TEMPLATE {template}");
    }

    /// <summary>A new empty database (for migration tests).</summary>
    public static Task<TestDatabase> CreateEmptyAsync() => CreateAsync("TEMPLATE template0");

    public async ValueTask DisposeAsync()
    {
        await DataSource.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        await using var admin = await OpenAdminAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {Name} WITH (FORCE)", admin);
        await drop.ExecuteNonQueryAsync();
    }

    /// <summary>The admin connection string; fails with what to do when the variable is missing.</summary>
    public static string AdminConnectionString =>
        Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } cs
            ? cs
            : throw new InvalidOperationException(
                $"{EnvironmentVariable} is not set. Run the tests with script/test, which starts a throwaway PostgreSQL cluster, " +
                $"or set {EnvironmentVariable} to a superuser connection string, e.g. Host=127.0.0.1;Port=5433;Username=postgres;Database=postgres");

    private static async Task<TestDatabase> CreateAsync(string templateClause)
    {
        var name = "hm_test_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        await using (var admin = await OpenAdminAsync())
        {
            // CREATE DATABASE ... TEMPLATE fails while another session is connected to the template;
            // only the template builder connects, and briefly, so a few retries suffice.
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    await using var create = new NpgsqlCommand($"CREATE DATABASE {name} {templateClause}", admin);
                    await create.ExecuteNonQueryAsync();
                    break;
                }
                catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.ObjectInUse && attempt < 20)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(100 * (attempt + 1)));
                }
            }
        }

        var builder = new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name };
        return new TestDatabase(name, builder.ConnectionString);
    }

    private static async Task<string> EnsureTemplateAsync()
    {
        await TemplateLock.WaitAsync();
        try
        {
            if (templateName is not null)
            {
                return templateName;
            }

            var migrations = new EmbeddedMigrationSource().Load();
            var fingerprint = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join(",", migrations.Select(m => m.Sha256)))))[..16];
            var name = "hm_template_" + fingerprint;
            await using var admin = await OpenAdminAsync();

            // Test assemblies run in parallel processes: an advisory lock makes one of them build the template.
            await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_lock(7157031)", admin))
            {
                await lockCommand.ExecuteNonQueryAsync();
            }

            try
            {
                await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @name", admin);
                exists.Parameters.AddWithValue("name", name);
                if (await exists.ExecuteScalarAsync() is null)
                {
                    await using (var create = new NpgsqlCommand($"CREATE DATABASE {name}", admin))
                    {
                        await create.ExecuteNonQueryAsync();
                    }

                    var builder = new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name, Pooling = false };
                    await using var dataSource = NpgsqlDataSource.Create(builder.ConnectionString);
                    await new MigrationRunner(dataSource, new EmbeddedMigrationSource()).ApplyAsync();
                }
            }
            finally
            {
                await using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock(7157031)", admin);
                await unlock.ExecuteNonQueryAsync();
            }

            templateName = name;
            return name;
        }
        finally
        {
            TemplateLock.Release();
        }
    }

    private static async Task<NpgsqlConnection> OpenAdminAsync()
    {
        var builder = new NpgsqlConnectionStringBuilder(AdminConnectionString) { Pooling = false };
        var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }
}

/// <summary>xunit class fixture: one migrated database per test class.</summary>
public sealed class DatabaseFixture : IAsyncLifetime
{
    private TestDatabase? database;

    public TestDatabase Database => database ?? throw new InvalidOperationException("fixture not initialised");

    public string ConnectionString => Database.ConnectionString;

    public async Task InitializeAsync() => database = await TestDatabase.CreateMigratedAsync();

    public async Task DisposeAsync()
    {
        if (database is not null)
        {
            await database.DisposeAsync();
        }
    }
}
