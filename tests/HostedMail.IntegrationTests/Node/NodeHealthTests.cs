using System.Net;
using System.Text.Json;
using HostedMail.IntegrationTests.Cli;
using HostedMail.Testing;
using Microsoft.AspNetCore.Builder;
using Npgsql;

namespace HostedMail.IntegrationTests.Node;

public sealed class NodeHealthTests
{
    [Fact]
    public async Task HealthzAndReadyzAnswer200OnAMigratedDatabase()
    {
        await using var database = await TestDatabase.CreateMigratedAsync();
        await using var node = await StartAsync(database.ConnectionString);
        using var http = new HttpClient { BaseAddress = node.Address };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/healthz", UriKind.Relative))).StatusCode);
        var ready = await http.GetAsync(new Uri("/readyz", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("ready", JsonDocument.Parse(await ready.Content.ReadAsStringAsync()).RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public async Task ReadyzIs503WithTheReasonWhileMigrationsArePending()
    {
        // The silo needs its tables (0070), so "pending" here is an earlier migration the
        // database does not record as applied.
        await using var database = await TestDatabase.CreateMigratedAsync();
        await using (var connection = new NpgsqlConnection(database.ConnectionString))
        {
            await connection.OpenAsync();
            await using var forget = new NpgsqlCommand("DELETE FROM schema_migrations WHERE version = 1", connection);
            await forget.ExecuteNonQueryAsync();
        }

        await using var node = await StartAsync(database.ConnectionString, migrate: false);
        using var http = new HttpClient { BaseAddress = node.Address };
        var ready = await http.GetAsync(new Uri("/readyz", UriKind.Relative));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        var reason = JsonDocument.Parse(await ready.Content.ReadAsStringAsync()).RootElement.GetProperty("reason").GetString();
        Assert.Contains("0001_create_schema.sql", reason, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/healthz", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task ANodeDoesNotStartWithoutItsDatabase()
    {
        // Every node is a silo whose cluster membership lives in PostgreSQL: without the
        // database it cannot join, and says so instead of serving as a node of no cluster.
        var app = Build("Host=127.0.0.1;Port=1;Username=postgres;Database=none;Timeout=2");
        try
        {
            var error = await Assert.ThrowsAnyAsync<Exception>(() => app.StartAsync());
            Assert.Contains("127.0.0.1:1", error.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            await app.DisposeAsync();
        }
    }

    [Fact]
    public async Task ServeStopsWithAnErrorNamingAMigrationThatChanged()
    {
        await using var database = await TestDatabase.CreateMigratedAsync();
        await using (var connection = new NpgsqlConnection(database.ConnectionString))
        {
            await connection.OpenAsync();
            await using var tamper = new NpgsqlCommand("UPDATE schema_migrations SET sha256 = repeat('0', 64) WHERE version = 1", connection);
            await tamper.ExecuteNonQueryAsync();
        }

        var result = await new CliRunner(database.ConnectionString).RunAsync("serve");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("error: migration 0001_create_schema.sql was changed after it was applied", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServeMigratesAFreshDatabaseAtStart()
    {
        await using var database = await TestDatabase.CreateEmptyAsync();
        await using var node = await StartAsync(database.ConnectionString, migrate: true);
        using var http = new HttpClient { BaseAddress = node.Address };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/readyz", UriKind.Relative))).StatusCode);
    }

    private static Task<InProcessNode> StartAsync(string connectionString, bool migrate = true) => InProcessNode.StartAsync(connectionString, migrate);

    private static WebApplication Build(string connectionString) => InProcessNode.Build(connectionString);
}
