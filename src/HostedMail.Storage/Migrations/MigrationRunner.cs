using HostedMail.Storage.Stores;
using Npgsql;

namespace HostedMail.Storage.Migrations;

/// <summary>
/// Applies migrations in order, each in its own transaction (or, when marked
/// <see cref="Migration.OutsideTransactionMarker"/>, statement by statement), and records each with
/// its SHA-256 in <c>schema_migrations</c>.
/// </summary>
// Implementation notes:
// - A session-level advisory lock serialises runners, so nodes that start together apply each
//   migration once; the others wait, then find nothing pending.
// - Checksums of applied migrations are compared before anything is applied: a released
//   migration that was edited means the database and the code disagree, and nothing should run.
public sealed class MigrationRunner(NpgsqlDataSource dataSource, IMigrationSource source)
{
    private const long LockKey = 0x486f_7374_4d61_696c; // "HostMail"

    private const string CreateTableSql = """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            version     integer     PRIMARY KEY,
            file_name   text        NOT NULL,
            sha256      text        NOT NULL,
            applied_at  timestamptz NOT NULL DEFAULT now()
        )
        """;

    /// <summary>Applies every pending migration; returns the files applied. Throws <see cref="MigrationException"/> on a mismatch.</summary>
    public async Task<IReadOnlyList<string>> ApplyAsync(CancellationToken cancellationToken = default)
    {
        var migrations = source.Load();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await ExecuteAsync(connection, null, "SELECT pg_advisory_lock(@key)", cancellationToken, ("key", LockKey));
        try
        {
            await ExecuteAsync(connection, null, CreateTableSql, cancellationToken);
            var status = Compare(migrations, await ReadAppliedAsync(connection, cancellationToken));
            status.ThrowIfInconsistent();
            var applied = new List<string>();
            foreach (var migration in status.Pending)
            {
                try
                {
                    await ApplyOneAsync(connection, migration, cancellationToken);
                }
                catch (PostgresException ex)
                {
                    throw new MigrationException($"migration {migration.FileName} failed: {ex.MessageText}", ex);
                }

                applied.Add(migration.FileName);
            }

            return applied;
        }
        finally
        {
            await ExecuteAsync(connection, null, "SELECT pg_advisory_unlock(@key)", CancellationToken.None, ("key", LockKey));
        }
    }

    private static async Task ApplyOneAsync(NpgsqlConnection connection, Migration migration, CancellationToken cancellationToken)
    {
        const string RecordSql = "INSERT INTO schema_migrations (version, file_name, sha256) VALUES (@v, @f, @s)";
        (string, object)[] record = [("v", migration.Version), ("f", migration.FileName), ("s", migration.Sha256)];
        if (migration.OutsideTransaction)
        {
            // Each statement on its own (several in one query string would share an implicit
            // transaction); recorded only once all of them succeeded, so a failed file runs again whole.
            foreach (var statement in migration.Statements())
            {
                await ExecuteAsync(connection, null, statement, cancellationToken);
            }

            await ExecuteAsync(connection, null, RecordSql, cancellationToken, record);
            return;
        }

        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await ExecuteAsync(connection, transaction, migration.Sql, cancellationToken);
        await ExecuteAsync(connection, transaction, RecordSql, cancellationToken, record);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>Compares the database with the known migrations without changing anything.</summary>
    public async Task<MigrationStatus> GetStatusAsync(CancellationToken cancellationToken = default)
    {
        var migrations = source.Load();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var exists = new NpgsqlCommand("SELECT to_regclass('schema_migrations') IS NOT NULL", connection);
        var applied = (bool)(await exists.ExecuteScalarAsync(cancellationToken))!
            ? await ReadAppliedAsync(connection, cancellationToken)
            : [];
        return Compare(migrations, applied);
    }

    private static MigrationStatus Compare(IReadOnlyList<Migration> known, IReadOnlyList<AppliedMigration> applied)
    {
        var byVersion = known.ToDictionary(m => m.Version);
        var changed = new List<string>();
        var unknown = new List<string>();
        foreach (var a in applied)
        {
            if (!byVersion.TryGetValue(a.Version, out var m))
            {
                unknown.Add(a.FileName);
            }
            else if (m.Sha256 != a.Sha256)
            {
                changed.Add(m.FileName);
            }
        }

        var appliedVersions = applied.Select(a => a.Version).ToHashSet();
        return new MigrationStatus(known.Where(m => !appliedVersions.Contains(m.Version)).ToList(), changed, unknown);
    }

    private static async Task<IReadOnlyList<AppliedMigration>> ReadAppliedAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT version, file_name, sha256 FROM schema_migrations ORDER BY version", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var list = new List<AppliedMigration>();
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(new AppliedMigration(reader.GetInt32(0), reader.GetString(1), reader.GetString(2)));
        }

        return list;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        // No timeout: rebuilding an index of a big table takes minutes, and a migration cut off by the
        // default 30 s would stop every node from starting.
        await using var command = new NpgsqlCommand(sql, connection, transaction) { CommandTimeout = 0 };
        foreach (var (name, value) in parameters)
        {
            command.Parameters.Add(Db.Parameter(name, value));
        }

        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private sealed record AppliedMigration(int Version, string FileName, string Sha256);
}

/// <summary>How the database compares with the migrations this node knows.</summary>
/// <param name="Pending">Known migrations not yet applied, in order.</param>
/// <param name="Changed">Applied migrations whose file has changed since.</param>
/// <param name="Unknown">Applied migrations this node does not know (the database is newer than the code).</param>
public sealed record MigrationStatus(IReadOnlyList<Migration> Pending, IReadOnlyList<string> Changed, IReadOnlyList<string> Unknown)
{
    public bool IsCurrent => Pending.Count == 0 && Changed.Count == 0 && Unknown.Count == 0;

    /// <summary>A one-line reason why the schema is not current, or null.</summary>
    public string? Problem =>
        Changed.Count > 0 ? $"migration {Changed[0]} was changed after it was applied; restore the released file and add a new migration instead"
        : Unknown.Count > 0 ? $"the database has migration {Unknown[0]}, which this node does not know; run a newer node"
        : Pending.Count > 0 ? $"{Pending.Count} migration(s) pending, first {Pending[0].FileName}; run `hostedmail migrate`"
        : null;

    internal void ThrowIfInconsistent()
    {
        if (Changed.Count > 0 || Unknown.Count > 0)
        {
            throw new MigrationException(Problem!);
        }
    }
}
