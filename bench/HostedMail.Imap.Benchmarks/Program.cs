// IMAP load measurements on a real node (Kestrel + PostgreSQL), not micro-benchmarks:
//   1. SELECT and STATUS latency on a 100,000-message folder (issue 6 target: under 20 ms).
//   2. Memory per idle connection: N authenticated sessions in IDLE on one folder (target under 20 KB),
//      and delivery-to-EXISTS latency over all of them.
// Usage: HOSTEDMAIL_TEST_PG=... dotnet run -c Release --project bench/HostedMail.Imap.Benchmarks -- [idle-connections]
using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using HostedMail.Core.Audit;
using HostedMail.Core.Domains;
using HostedMail.Core.Mailboxes;
using HostedMail.Core.Messages;
using HostedMail.Core.Security;
using HostedMail.Core.Tenants;
using HostedMail.Identity;
using HostedMail.Imap.Server;
using HostedMail.Net;
using HostedMail.Storage;
using HostedMail.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

const string Password = "a long enough password";
var idleConnections = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 2000;
await using var database = await TestDatabase.CreateMigratedAsync();

// Composed as the protocol tests compose a node (ProtocolTestHost), with a silo on the database.
await using var app = await ProtocolTestHost.StartAsync(
    database.ConnectionString + ";Maximum Pool Size=50",
    TestCertificates.Create("localhost"),
    "imap",
    new Dictionary<string, string?>
    {
        ["Imap:AllowPlaintextAuthentication"] = "true",
        ["Mail:Listeners:imap:MaxConnectionsPerAddress"] = "100000",
    },
    (services, configuration) => services.AddImap(configuration));
var port = app.Services.GetRequiredService<MailListenerRegistry>().EndPoint("imap").Port;

var tenant = await app.Services.GetRequiredService<TenantService>().CreateAsync("bench-co", null, Actor.OperatorCli);
await app.Services.GetRequiredService<DomainService>().AddAsync(tenant.TenantId, "bench.example", Actor.OperatorCli, operatorVerified: true);
var mailbox = await app.Services.GetRequiredService<MailboxService>().CreateAsync(tenant.TenantId, "big@bench.example", Password, 100L << 30, null, Actor.OperatorCli);

// 100,000 messages in INBOX, inserted in bulk (one shared blob), counters set as delivery would.
var sample = MessageParsing.Prepare("From: a@b.example\r\nSubject: bulk\r\n\r\nbody\r\n"u8.ToArray());
await using (var connection = await database.DataSource.OpenConnectionAsync())
{
    var bulk = new NpgsqlCommand("""
        INSERT INTO blobs (tenant_id, sha256, size, data, ref_count, envelope, body_structure) VALUES (@t, @sha, @size, @data, 100000, @env, @bs);
        WITH f AS (SELECT folder_id FROM folders WHERE tenant_id = @t AND mailbox_id = @m AND name = 'INBOX')
        INSERT INTO messages (tenant_id, mailbox_id, folder_id, uid, modseq, blob_sha256, size, internal_date, flags, subject)
        SELECT @t, @m, f.folder_id, g, g + 1, @sha, @size, now(), CASE WHEN g % 3 = 0 THEN 1 ELSE 0 END, 'bulk ' || g FROM f, generate_series(1, 100000) g;
        UPDATE folders SET uid_next = 100001, highest_modseq = 100001, message_count = 100000, unseen_count = 66667, total_size = 100000 * @size
        WHERE tenant_id = @t AND mailbox_id = @m AND name = 'INBOX';
        ANALYZE messages;
        """, connection);
    bulk.Parameters.AddWithValue("t", tenant.TenantId);
    bulk.Parameters.AddWithValue("m", mailbox.MailboxId);
    bulk.Parameters.AddWithValue("sha", sample.Sha256);
    bulk.Parameters.AddWithValue("size", sample.Size);
    bulk.Parameters.AddWithValue("data", sample.Bytes.ToArray());
    bulk.Parameters.AddWithValue("env", sample.Summary.Envelope!);
    bulk.Parameters.AddWithValue("bs", sample.Summary.BodyStructure!);
    await bulk.ExecuteNonQueryAsync();
}

var client = await Client.ConnectAsync(port);
await client.CommandAsync($"LOGIN big@bench.example \"{Password}\"");
Report("SELECT INBOX (100,000 messages)", await TimeAsync(() => client.CommandAsync("SELECT INBOX"), 200));
Report("STATUS INBOX (MESSAGES UIDNEXT UNSEEN SIZE HIGHESTMODSEQ)", await TimeAsync(() => client.CommandAsync("STATUS INBOX (MESSAGES UIDNEXT UNSEEN SIZE HIGHESTMODSEQ)"), 200));
Report("SELECT + UID FETCH 1:* (FLAGS) (whole folder)", await TimeAsync(async () => { await client.CommandAsync("SELECT INBOX"); await client.CommandAsync("UID FETCH 1:* (FLAGS)"); }, 5));
Report("UID SEARCH UNSEEN (100,000 messages)", await TimeAsync(() => client.CommandAsync("UID SEARCH UNSEEN"), 20));

// Idle connections on a second mailbox's INBOX.
var idleBox = await app.Services.GetRequiredService<MailboxService>().CreateAsync(tenant.TenantId, "idle@bench.example", Password, null, null, Actor.OperatorCli);
GC.Collect();
GC.WaitForPendingFinalizers();
GC.Collect();
var before = (Managed: GC.GetTotalMemory(true), WorkingSet: Process.GetCurrentProcess().WorkingSet64);
var clients = new List<Client>();
for (var i = 0; i < idleConnections; i++)
{
    var c = await Client.ConnectAsync(port);
    await c.CommandAsync($"LOGIN idle@bench.example \"{Password}\"");
    await c.CommandAsync("SELECT INBOX");
    await c.SendAsync("X IDLE\r\n");
    await c.ReadLineAsync();
    clients.Add(c);
}

GC.Collect();
GC.WaitForPendingFinalizers();
GC.Collect();
var after = (Managed: GC.GetTotalMemory(true), WorkingSet: Process.GetCurrentProcess().WorkingSet64);
// The clients live in this process too: their sockets and buffers are counted; the figure is an upper bound.
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {idleConnections} idle connections (server + client in one process) | managed heap +{(after.Managed - before.Managed) / idleConnections / 1024.0:F1} KB/conn | working set +{(after.WorkingSet - before.WorkingSet) / idleConnections / 1024.0:F1} KB/conn |"));

var store = app.Services.GetRequiredService<IMessageStore>();
var latencies = new List<double>();
for (var round = 0; round < 5; round++)
{
    var clock = Stopwatch.StartNew();
    var waits = clients.Select(async c => { await c.ReadLineAsync(); return clock.Elapsed.TotalMilliseconds; }).ToList();
    await store.StoreAsync(new StoreRequest(sample, [new MailboxDelivery(tenant.TenantId, idleBox.MailboxId, null, MessageFlags.None, [], DateTimeOffset.UtcNow)], []), CancellationToken.None);
    latencies.AddRange(await Task.WhenAll(waits));
}

Report($"delivery to * EXISTS in {idleConnections} IDLE sessions (5 deliveries)", latencies);
foreach (var c in clients)
{
    c.Dispose();
}

client.Dispose();
await app.StopAsync();

static async Task<List<double>> TimeAsync(Func<Task> action, int iterations)
{
    await action();
    var times = new List<double>();
    for (var i = 0; i < iterations; i++)
    {
        var clock = Stopwatch.StartNew();
        await action();
        times.Add(clock.Elapsed.TotalMilliseconds);
    }

    return times;
}

static void Report(string what, List<double> times)
{
    times.Sort();
    double P(double q) => times[Math.Min(times.Count - 1, (int)(q * times.Count))];
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {what} | n={times.Count} | p50 {P(0.5):F2} ms | p99 {P(0.99):F2} ms |"));
}

/// <summary>A minimal line client for load generation.</summary>
internal sealed class Client : IDisposable
{
    private readonly TcpClient _tcp;
    private readonly StreamReader _reader;
    private readonly Stream _stream;
    private int _tag;

    private Client(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
        _reader = new StreamReader(_stream, Encoding.UTF8, false, 4096);
    }

    public static async Task<Client> ConnectAsync(int port)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", port);
        var client = new Client(tcp);
        await client.ReadLineAsync();
        return client;
    }

    public async Task SendAsync(string text) => await _stream.WriteAsync(Encoding.UTF8.GetBytes(text));

    public async Task<string> ReadLineAsync() => await _reader.ReadLineAsync() ?? throw new EndOfStreamException();

    public async Task CommandAsync(string command)
    {
        var tag = "b" + ++_tag;
        await SendAsync(tag + " " + command + "\r\n");
        while (true)
        {
            var line = await ReadLineAsync();
            if (line.StartsWith(tag + " ", StringComparison.Ordinal))
            {
                if (!line.StartsWith(tag + " OK", StringComparison.Ordinal))
                {
                    throw new InvalidOperationException(line);
                }

                return;
            }
        }
    }

    public void Dispose()
    {
        _reader.Dispose();
        _tcp.Dispose();
    }
}
