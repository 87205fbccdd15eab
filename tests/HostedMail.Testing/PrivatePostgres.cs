using System.Globalization;
using HostedMail.Net;
using Npgsql;

namespace HostedMail.Testing;

/// <summary>
/// A PostgreSQL cluster of one test class's own, for tests that crash it (every other test shares
/// the cluster of <c>HOSTEDMAIL_TEST_PG</c>). Made with the same binaries and settings as
/// <c>script/lib.sh</c>'s <c>pg_init</c>, durable (fsync and synchronous commit on), plus the
/// settings the test gives. As root the server runs as <c>postgres</c>, like <c>as_pg</c>.
/// </summary>
public sealed class PrivatePostgres : IAsyncDisposable
{
    private static readonly string Bin = Environment.GetEnvironmentVariable("PG_BIN") is { Length: > 0 } bin
        ? bin
        : $"/usr/lib/postgresql/{Environment.GetEnvironmentVariable("PG_VERSION") ?? "15"}/bin";

    private readonly DirectoryInfo _directory;

    private PrivatePostgres(DirectoryInfo directory, int port)
    {
        _directory = directory;
        Port = port;
    }

    public int Port { get; }

    /// <summary>The superuser on the <c>postgres</c> database, without pooling (a crash would leave pooled connections broken).</summary>
    public string AdminConnectionString => $"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres;Pooling=false";

    public string ConnectionStringFor(string database) => $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database}";

    /// <summary>A new cluster, started; <paramref name="settings"/> are postgresql.conf lines.</summary>
    public static async Task<PrivatePostgres> StartAsync(params string[] settings)
    {
        var directory = Directory.CreateTempSubdirectory("hm-private-pg-");
        var cluster = new PrivatePostgres(directory, FreePorts.Next());
        if (Environment.UserName == "root")
        {
            await RunAsync("chown", "postgres", directory.FullName);
        }

        await cluster.PgAsync("initdb", "-D", directory.FullName, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8");
        await File.AppendAllLinesAsync(Path.Combine(directory.FullName, "postgresql.conf"),
        [
            "listen_addresses = '127.0.0.1'",
            string.Create(CultureInfo.InvariantCulture, $"port = {cluster.Port}"),
            $"unix_socket_directories = '{directory.FullName}'",
            .. settings,
        ]);
        await cluster.StartServerAsync();
        return cluster;
    }

    /// <summary>
    /// Kills the server the way a power cut would leave it (<c>pg_ctl stop -m immediate</c>: no
    /// checkpoint, WAL not yet flushed is gone), then starts it again, through crash recovery.
    /// </summary>
    public async Task CrashAndRestartAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await PgAsync("pg_ctl", "-D", _directory.FullName, "-m", "immediate", "-w", "stop");
        await StartServerAsync();
    }

    public async Task<string?> ScalarAsync(string database, string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionStringFor(database) + ";Pooling=false");
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (await command.ExecuteScalarAsync())?.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        try
        {
            await PgAsync("pg_ctl", "-D", _directory.FullName, "-m", "immediate", "-w", "stop");
        }
        finally
        {
            _directory.Delete(recursive: true);
        }
    }

    private Task StartServerAsync() =>
        PgAsync("pg_ctl", "-D", _directory.FullName, "-l", Path.Combine(_directory.FullName, "server.log"), "-w", "-t", "60", "start");

    private Task PgAsync(string tool, params string[] arguments) =>
        Environment.UserName == "root"
            ? RunAsync("runuser", ["-u", "postgres", "--", Path.Combine(Bin, tool), .. arguments])
            : RunAsync(Path.Combine(Bin, tool), arguments);

    private static async Task RunAsync(string fileName, params string[] arguments)
    {
        var result = await ExternalProcess.RunAsync(fileName, arguments, timeout: TimeSpan.FromSeconds(90));
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"{fileName} {string.Join(' ', arguments)} failed ({result.ExitCode}): {result.Error}{result.Output}");
        }
    }
}
