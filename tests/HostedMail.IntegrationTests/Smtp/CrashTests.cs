using System.Collections.Concurrent;
using System.Globalization;
using HostedMail.IntegrationTests.Cli;
using HostedMail.Net;
using HostedMail.Testing;

namespace HostedMail.IntegrationTests.Smtp;

public sealed class CrashTests
{
    [Fact]
    public async Task EveryMessageAcknowledgedBeforeASigkillIsStoredExactlyOnce()
    {
        await using var database = await TestDatabase.CreateMigratedAsync();
        var cli = new CliRunner(database.ConnectionString);
        await cli.OkAsync("tenant", "create", "crash");
        await cli.OkAsync("domain", "add", "crash.example", "--tenant", "crash", "--verified");
        await cli.OkAsync("mailbox", "create", "sink@crash.example", "--tenant", "crash", "--password", MailNode.Password);

        var httpPort = FreePorts.Next();
        var smtpPort = FreePorts.Next();
        var settings = new Dictionary<string, string>
        {
            ["Database:ConnectionString"] = database.ConnectionString,
            ["Http:Urls"] = $"http://127.0.0.1:{httpPort}",
            // The restarted node takes the killed silo's address: its probe answer declares the old generation dead at once.
            ["Orleans:SiloPort"] = FreePorts.Next().ToString(CultureInfo.InvariantCulture),
            ["Orleans:GatewayPort"] = FreePorts.Next().ToString(CultureInfo.InvariantCulture),
            ["Mail:Listeners:smtp:Protocol"] = "smtp",
            ["Mail:Listeners:smtp:Endpoint"] = $"127.0.0.1:{smtpPort}",
            ["Mail:Listeners:smtp:MaxConnectionsPerAddress"] = "100",
            ["Smtp:Hostname"] = "crash.hostedmail.test",
            // No upstream DNS in tests: every SPF/DKIM lookup fails fast instead of timing out.
            ["Dns:Servers:0"] = "127.0.0.1:9",
        };
        var acknowledged = new AcknowledgedMessages(60);
        await using (var node = await NodeProcess.StartAsync(settings, httpPort))
        {
            using var stop = new CancellationTokenSource();
            var senders = Enumerable.Range(0, 6).Select(worker => SendUntilFailureAsync(smtpPort, worker, acknowledged, stop.Token)).ToList();
            await acknowledged.Enough.WaitAsync(TimeSpan.FromSeconds(60));

            // Kill while the senders are mid-transaction on every connection.
            await node.KillAsync();
            stop.Cancel();
            await Task.WhenAll(senders);
        }

        await using var restarted = await NodeProcess.StartAsync(settings, httpPort);
        var stored = await SubjectsAsync(database);
        foreach (var subject in acknowledged.Subjects)
        {
            Assert.Equal(1, stored.Count(s => s == subject));
        }

        // Nothing half-stored: every message row has its blob, and the folder counter matches the rows.
        Assert.Equal(stored.Count.ToString(CultureInfo.InvariantCulture), await ScalarAsync(database, "SELECT message_count::text FROM folders WHERE name = 'INBOX' AND mailbox_id = (SELECT mailbox_id FROM mailboxes WHERE address = 'sink@crash.example')"));
        Assert.Equal("0", await ScalarAsync(database, "SELECT count(*)::text FROM messages m LEFT JOIN blobs b ON b.tenant_id = m.tenant_id AND b.sha256 = m.blob_sha256 WHERE b.sha256 IS NULL"));
        Assert.True(stored.Distinct().Count() == stored.Count, "a message was stored twice");
    }

    private static async Task SendUntilFailureAsync(int port, int worker, AcknowledgedMessages acknowledged, CancellationToken stop)
    {
        try
        {
            await using var client = await LineClient.ConnectAsync(port);
            client.Timeout = TimeSpan.FromSeconds(10);
            await client.ReadSmtpReplyAsync();
            await client.SmtpAsync("EHLO burst.example");
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var subject = $"crash-{worker}-{i}";
                await client.SendAsync($"MAIL FROM:<load@burst.example>\r\nRCPT TO:<sink@crash.example>\r\nDATA\r\n");
                await client.ReadSmtpReplyAsync();
                await client.ReadSmtpReplyAsync();
                if (!(await client.ReadSmtpReplyAsync()).StartsWith("354", StringComparison.Ordinal))
                {
                    return;
                }

                var reply = await client.SmtpAsync($"Subject: {subject}\r\n\r\n{new string('x', 2000)}\r\n.");
                if (reply.StartsWith("250 ", StringComparison.Ordinal))
                {
                    acknowledged.Add(subject);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or OperationCanceledException)
        {
            // The node died under us: expected.
        }
    }

    /// <summary>Subjects answered 250, and a signal once there are enough of them.</summary>
    private sealed class AcknowledgedMessages(int enough)
    {
        private readonly TaskCompletionSource _enough = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ConcurrentBag<string> Subjects { get; } = [];

        public Task Enough => _enough.Task;

        public void Add(string subject)
        {
            Subjects.Add(subject);
            if (Subjects.Count >= enough)
            {
                _enough.TrySetResult();
            }
        }
    }

    private static async Task<List<string>> SubjectsAsync(TestDatabase database)
    {
        await using var command = database.DataSource.CreateCommand("SELECT subject FROM messages WHERE subject LIKE 'crash-%'");
        await using var reader = await command.ExecuteReaderAsync();
        var list = new List<string>();
        while (await reader.ReadAsync())
        {
            list.Add(reader.GetString(0));
        }

        return list;
    }

    private static async Task<string?> ScalarAsync(TestDatabase database, string sql)
    {
        await using var command = database.DataSource.CreateCommand(sql);
        return (string?)await command.ExecuteScalarAsync();
    }
}
