using System.Text.Json;
using HostedMail.Core.Audit;
using Npgsql;
using NpgsqlTypes;

namespace HostedMail.Storage.Stores;

/// <summary>Small helpers shared by the stores: commands with parameters, audit rows, error mapping.</summary>
internal static class Db
{
    private const string InsertAuditSql = """
        INSERT INTO audit_log (tenant_id, actor, remote_addr, action, target, details)
        VALUES (@tenant_id, @actor, @remote_addr, @action, @target, @details)
        """;

    public static NpgsqlCommand Command(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.Add(Parameter(name, value));
        }

        return command;
    }

    /// <summary>
    /// The one place a parameter value becomes an <see cref="NpgsqlParameter"/>; every store goes
    /// through it (a test fails on any other). Npgsql refuses a <see cref="DateTimeOffset"/> with a
    /// non-zero offset for <c>timestamptz</c> (and a non-UTC <see cref="DateTime"/>), and mail is full
    /// of them (<c>Date: ... +0200</c>): every timestamp is sent as UTC here, never per call site.
    /// Binary values go as typed <c>bytea</c> without a copy.
    /// </summary>
    public static NpgsqlParameter Parameter(string? name, object? value) => value switch
    {
        null => Named(new NpgsqlParameter { Value = DBNull.Value }, name),
        DateTimeOffset d => Named(new NpgsqlParameter<DateTimeOffset> { TypedValue = d.ToUniversalTime() }, name),
        DateTime { Kind: DateTimeKind.Local } d => Named(new NpgsqlParameter<DateTime> { TypedValue = d.ToUniversalTime() }, name),
        DateTime { Kind: DateTimeKind.Unspecified } d => Named(new NpgsqlParameter<DateTime> { TypedValue = DateTime.SpecifyKind(d, DateTimeKind.Utc) }, name),
        ReadOnlyMemory<byte> bytes => Named(new NpgsqlParameter<ReadOnlyMemory<byte>> { TypedValue = bytes, NpgsqlDbType = NpgsqlDbType.Bytea }, name),
        _ => Named(new NpgsqlParameter { Value = value }, name),
    };

    /// <summary>A parameter of an explicit type (arrays, jsonb); null becomes SQL NULL.</summary>
    public static NpgsqlParameter Parameter(string name, NpgsqlDbType type, object? value) =>
        new(name, type) { Value = value ?? DBNull.Value };

    private static NpgsqlParameter Named(NpgsqlParameter parameter, string? name)
    {
        if (name is not null)
        {
            parameter.ParameterName = name;
        }

        return parameter;
    }

    /// <summary>
    /// An optional filter: the condition when its parameter is given, else TRUE. Connections use
    /// generic plans (StorageServiceCollectionExtensions), which cannot drop an "@p IS NULL OR ..."
    /// branch per call, so optional filters are separate statement texts instead.
    /// </summary>
    public static string Filter(bool given, string condition) => given ? condition : "TRUE";

    /// <summary>A statement for an <see cref="NpgsqlBatch"/>, with named parameters.</summary>
    public static NpgsqlBatchCommand Statement(string sql, params (string Name, object? Value)[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.Add(Parameter(name, value));
        }

        return command;
    }

    /// <summary>
    /// Runs a command with its named parameters made positional first (<see cref="PositionalSql"/>):
    /// Npgsql then sends it without parsing and rewriting its text on every execution.
    /// </summary>
    public static Task<NpgsqlDataReader> ExecuteReaderAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        PositionalSql.Apply(command);
        return command.ExecuteReaderAsync(cancellationToken);
    }

    /// <summary>The same for a batch: every statement's parameters positional, then one round trip.</summary>
    public static Task<NpgsqlDataReader> ExecuteReaderAsync(NpgsqlBatch batch, CancellationToken cancellationToken)
    {
        PositionalSql.Apply(batch);
        return batch.ExecuteReaderAsync(cancellationToken);
    }

    /// <summary>Runs a statement; the number of rows it changed.</summary>
    public static async Task<int> ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var command = Command(connection, transaction, sql, parameters);
        PositionalSql.Apply(command);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The same on a connection of its own.</summary>
    public static async Task<int> ExecuteAsync(NpgsqlDataSource dataSource, string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await ExecuteAsync(connection, null, sql, cancellationToken, parameters);
    }

    /// <summary>Runs a query and maps every row.</summary>
    public static async Task<List<T>> QueryAsync<T>(NpgsqlDataSource dataSource, string sql, Func<NpgsqlDataReader, T> map, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await QueryAsync(connection, null, sql, map, cancellationToken, parameters);
    }

    public static async Task<List<T>> QueryAsync<T>(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, Func<NpgsqlDataReader, T> map, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var command = Command(connection, transaction, sql, parameters);
        await using var reader = await ExecuteReaderAsync(command, cancellationToken);
        var list = new List<T>();
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(map(reader));
        }

        return list;
    }

    public static async Task InsertAuditAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, AuditEntry entry, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, transaction, InsertAuditSql,
            ("tenant_id", entry.TenantId), ("actor", entry.Actor.Name), ("remote_addr", entry.Actor.RemoteAddress),
            ("action", entry.Action), ("target", entry.Target));
        command.Parameters.Add(Parameter("details", NpgsqlDbType.Jsonb, entry.Details is null ? null : JsonSerializer.Serialize(entry.Details)));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public static bool IsUniqueViolation(PostgresException ex) => ex.SqlState == PostgresErrorCodes.UniqueViolation;

    public static T? Nullable<T>(NpgsqlDataReader reader, int ordinal) where T : struct =>
        reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<T>(ordinal);

    public static string? NullableString(NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
}
