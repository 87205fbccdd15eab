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
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
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
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }

    public static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var command = Command(connection, transaction, sql, parameters);
        await command.ExecuteNonQueryAsync(cancellationToken);
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
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
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
        command.Parameters.Add(new NpgsqlParameter("details", NpgsqlDbType.Jsonb)
        {
            Value = entry.Details is null ? DBNull.Value : JsonSerializer.Serialize(entry.Details),
        });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public static bool IsUniqueViolation(PostgresException ex) => ex.SqlState == PostgresErrorCodes.UniqueViolation;

    public static T? Nullable<T>(NpgsqlDataReader reader, int ordinal) where T : struct =>
        reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<T>(ordinal);

    public static string? NullableString(NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
}
