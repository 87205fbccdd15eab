using HostedMail.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans;
using Orleans.Runtime;

namespace HostedMail.Grains.Tests;

/// <summary>Collects reminder ticks for the tests, per silo.</summary>
public sealed class ReminderLog
{
    private readonly TaskCompletionSource<string> first = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<string> FirstTick => first.Task;

    public void Tick(string grain) => first.TrySetResult(grain);
}

[Alias("HostedMail.Tests.IReminderProbeGrain")]
public interface IReminderProbeGrain : IGrainWithStringKey
{
    [Alias("Start")]
    Task StartAsync();

    [Alias("Stop")]
    Task StopAsync();
}

public sealed class ReminderProbeGrain(ReminderLog log) : Grain, IReminderProbeGrain, IRemindable
{
    public async Task StartAsync() => await this.RegisterOrUpdateReminder("probe", TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));

    public async Task StopAsync()
    {
        if (await this.GetReminder("probe") is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        log.Tick(this.GetPrimaryKeyString());
        return Task.CompletedTask;
    }
}

/// <summary>
/// Reminders through the ADO.NET provider on our own queries (migration 0070). Clustering through
/// the membership table is proven with real nodes in HostedMail.IntegrationTests (Cluster).
/// </summary>
public sealed class ClusterTests
{
    [Fact]
    public async Task ARegisteredReminderIsStoredFiresAndIsRemoved()
    {
        await using var database = await TestDatabase.CreateMigratedAsync();
        await using var cluster = await PostgresCluster.StartAsync(database, silos: 2);
        var probe = cluster.Client.GetGrain<IReminderProbeGrain>("probe-1");
        await probe.StartAsync();
        Assert.Equal(1L, await ScalarAsync(database, "SELECT count(*) FROM orleans.reminders WHERE reminder_name = 'probe' AND period = 1000"));

        var ticks = cluster.Silos.Select(s => s.ServiceProvider.GetRequiredService<ReminderLog>().FirstTick);
        Assert.Equal("probe-1", await (await Task.WhenAny(ticks)).WaitAsync(TimeSpan.FromSeconds(30)));

        await probe.StopAsync();
        Assert.Equal(0L, await ScalarAsync(database, "SELECT count(*) FROM orleans.reminders"));
    }

    internal static async Task<object?> ScalarAsync(TestDatabase database, string sql)
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }
}
