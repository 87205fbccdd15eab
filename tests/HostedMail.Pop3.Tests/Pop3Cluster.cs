using HostedMail.Testing;
using Npgsql;

namespace HostedMail.Pop3.Tests;

/// <summary>
/// Two nodes on one database: <see cref="Lenient"/> allows USER/PASS without TLS (tests, scripts),
/// <see cref="Strict"/> has the production posture (passwords only after STLS or on POP3S).
/// </summary>
public sealed class Pop3Cluster : IAsyncLifetime
{
    private TestDatabase? _database;

    public Pop3TestNode Lenient { get; private set; } = null!;

    public Pop3TestNode Strict { get; private set; } = null!;

    public string ConnectionString => _database!.ConnectionString;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateMigratedAsync();
        Lenient = await Pop3TestNode.StartAsync(_database.ConnectionString, allowPlaintext: true);
        Strict = await Pop3TestNode.StartAsync(_database.ConnectionString, allowPlaintext: false);
    }

    public async Task DisposeAsync()
    {
        await Lenient.DisposeAsync();
        await Strict.DisposeAsync();
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }

    /// <summary>One value from the database, as text.</summary>
    public async Task<string?> QueryAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return Convert.ToString(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
