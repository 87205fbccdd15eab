// IMAP load measurements for issue 6, with the load client in a process of its own:
//   serve  --mailboxes M [--port P] [--durable-flags false]   a node (Kestrel + PostgreSQL test database) with mailboxes u0..u{M-1}@bench.example;
//                                        prints "PORT p" and "READY", then obeys stdin: "deliver i", "mem", "vacuum" (VACUUM ANALYZE), "quit".
//   idle   --sessions N --mailboxes M --deliveries D
//                                        starts "serve" as a child process, opens N authenticated IDLE sessions
//                                        (session k on mailbox k % M), reports the server's memory per connection
//                                        and the delivery-to-"* n EXISTS" latency of D deliveries (IMessageStore.StoreAsync).
//   mixed  --host H --port P --password W [--users U] [--connections C] [--seconds S] [--load N] [--seed R]
//                                        the mixed workload against any IMAP server; --load first APPENDs N messages to
//                                        each user's INBOX (users u0..u{U-1}@bench.example, the same bytes for every server).
//   realistic --host H --port P [--users 100] [--connections C] [--seconds S]
//                                        sessions shaped like real clients, in cycles (RealisticWorkload.cs).
//   cluster-idle, failover               two real nodes (bench/cluster/run.sh; ClusterMeasures.cs).
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

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
var options = Options.Parse(args.Skip(1).ToArray());
return args.FirstOrDefault() switch
{
    "serve" => await Modes.ServeAsync(options),
    "idle" => await Modes.IdleAsync(options),
    "mixed" => await Modes.MixedAsync(options),
    "realistic" => await RealisticWorkload.RunAsync(options),
    "cluster-idle" => await ClusterMeasures.IdleAcrossNodesAsync(options),
    "failover" => await ClusterMeasures.FailoverAsync(options),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: serve|idle|mixed [--name value]...  (see the comment at the top of Program.cs)");
    return 2;
}

internal sealed class Options(Dictionary<string, string> values)
{
    public static Options Parse(string[] args)
    {
        var values = new Dictionary<string, string>();
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            values[args[i].TrimStart('-')] = args[i + 1];
        }

        return new Options(values);
    }

    public int Int(string name, int fallback) => values.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

    public string Str(string name, string fallback) => values.TryGetValue(name, out var v) ? v : fallback;
}

internal static class Modes
{
    public const string Password = "bench-password-0123";
    public const string Domain = "bench.example";

    public static async Task<int> ServeAsync(Options options)
    {
        var mailboxes = options.Int("mailboxes", 10);
        await using var database = await TestDatabase.CreateMigratedAsync();
        // Composed as the protocol tests compose a node (ProtocolTestHost): storage, the Core
        // services, Net, and a silo on the database (folder changes go through the mailbox's grain).
        // Authentication penalties are off there, so LOGIN costs no grain call; the realistic and
        // cluster modes measure real `hostedmail serve` nodes (bench/cluster/nodes.sh).
        await using var app = await ProtocolTestHost.StartAsync(
            database.ConnectionString + ";Maximum Pool Size=" + options.Int("pool", 50),
            TestCertificates.Create("localhost"),
            "imap",
            new Dictionary<string, string?>
            {
                ["Imap:AllowPlaintextAuthentication"] = "true",
                ["Mail:Listeners:imap:Endpoint"] = "127.0.0.1:" + options.Int("port", 0),
                ["Mail:Listeners:imap:MaxConnections"] = "100000",
                ["Mail:Listeners:imap:MaxConnectionsPerAddress"] = "100000",
            },
            (services, configuration) =>
            {
                services.AddImap(configuration);
                // Imap:DurableFlagChanges of a real node (docs/operations.md): "false" is Dovecot's flag-change policy.
                services.AddSingleton(new ImapStoreOptions { DurableFlagChanges = bool.Parse(options.Str("durable-flags", "true")) });
            });
        var port = app.Services.GetRequiredService<MailListenerRegistry>().EndPoint("imap").Port;

        var tenant = await app.Services.GetRequiredService<TenantService>().CreateAsync("bench-co", null, Actor.OperatorCli);
        await app.Services.GetRequiredService<DomainService>().AddAsync(tenant.TenantId, Domain, Actor.OperatorCli, operatorVerified: true);
        var service = app.Services.GetRequiredService<MailboxService>();
        var boxes = new Mailbox[mailboxes];
        await Parallel.ForAsync(0, mailboxes, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, _) =>
            boxes[i] = await service.CreateAsync(tenant.TenantId, $"u{i}@{Domain}", Password, 100L << 30, null, Actor.OperatorCli));

        var store = app.Services.GetRequiredService<IMessageStore>();
        var sample = MessageParsing.Prepare(Encoding.ASCII.GetBytes(MessageFactory.Create(new Random(7), 0, 2000)));
        Console.WriteLine("PORT " + port);
        Console.WriteLine("READY");
        while (await Console.In.ReadLineAsync() is { } line)
        {
            var parts = line.Split(' ');
            switch (parts[0])
            {
                case "deliver":
                    var box = boxes[int.Parse(parts[1], CultureInfo.InvariantCulture)];
                    await store.StoreAsync(new StoreRequest(sample, [new MailboxDelivery(tenant.TenantId, box.MailboxId, null, MessageFlags.None, [], DateTimeOffset.UtcNow)], []), CancellationToken.None);
                    Console.WriteLine("OK");
                    break;
                case "mem":
                    GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
                    GC.WaitForPendingFinalizers();
                    GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
                    var info = GC.GetGCMemoryInfo();
                    Console.WriteLine($"MEM {GC.GetTotalMemory(false)} {ProcessStat.Rss()} {info.HeapSizeBytes} {GC.GetTotalAllocatedBytes()}");
                    break;
                case "vacuum":
                    // After a bulk load, as pgbench's initialisation does: statistics and the visibility
                    // map in the state autovacuum brings a database to within a minute or two.
                    await using (var vacuum = database.DataSource.CreateCommand("VACUUM ANALYZE"))
                    {
                        vacuum.CommandTimeout = 600;
                        await vacuum.ExecuteNonQueryAsync();
                    }

                    Console.WriteLine("OK");
                    break;
                case "quit":
                    await app.StopAsync();
                    return 0;
                default:
                    Console.WriteLine("ERR " + line);
                    break;
            }
        }

        await app.StopAsync();
        return 0;
    }

    public static async Task<int> IdleAsync(Options options)
    {
        var sessions = options.Int("sessions", 100);
        var mailboxes = options.Int("mailboxes", Math.Max(1, sessions / 10));
        var deliveries = options.Int("deliveries", 100);
        var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardInput = true, RedirectStandardOutput = true };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet")
        {
            start.ArgumentList.Add(typeof(Modes).Assembly.Location);
        }

        foreach (var a in new[] { "serve", "--mailboxes", mailboxes.ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(a);
        }

        using var server = Process.Start(start)!;
        try
        {
            var port = 0;
            while (await server.StandardOutput.ReadLineAsync() is { } line && line != "READY")
            {
                if (line.StartsWith("PORT ", StringComparison.Ordinal))
                {
                    port = int.Parse(line[5..], CultureInfo.InvariantCulture);
                }
            }

            Console.WriteLine($"server pid {server.Id}, port {port}, {mailboxes} mailboxes");
            async Task<string> Ask(string command)
            {
                await server.StandardInput.WriteLineAsync(command);
                await server.StandardInput.FlushAsync();
                return await server.StandardOutput.ReadLineAsync() ?? throw new EndOfStreamException("server exited");
            }

            // Warm-up: one full session cycle so that JIT, pools and caches are in the "before" figure.
            for (var i = 0; i < 20; i++)
            {
                using var warm = await ImapClient.ConnectAsync("127.0.0.1", port);
                await warm.CommandAsync($"LOGIN u{i % mailboxes}@{Domain} {Password}");
                await warm.CommandAsync("SELECT INBOX");
                await warm.IdleAsync();
                await warm.DoneAsync();
                await warm.CommandAsync("LOGOUT", allowBye: true);
            }

            await Task.Delay(1000);
            var before = Mem.Parse(await Ask("mem"));
            var clients = new ImapClient[sessions];
            var setup = Stopwatch.StartNew();
            await Parallel.ForAsync(0, sessions, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (k, _) =>
            {
                var c = await ImapClient.ConnectAsync("127.0.0.1", port);
                await c.CommandAsync($"LOGIN u{k % mailboxes}@{Domain} {Password}");
                await c.CommandAsync("SELECT INBOX");
                await c.IdleAsync();
                clients[k] = c;
            });
            Console.WriteLine($"{sessions} sessions in IDLE after {setup.Elapsed.TotalSeconds:F1} s");
            await Task.Delay(3000);
            var after = Mem.Parse(await Ask("mem"));
            Console.WriteLine($"server before: managed {before.Managed / 1048576.0:F1} MiB, GC heap {before.Heap / 1048576.0:F1} MiB, RSS {before.Rss / 1048576.0:F1} MiB");
            Console.WriteLine($"server after:  managed {after.Managed / 1048576.0:F1} MiB, GC heap {after.Heap / 1048576.0:F1} MiB, RSS {after.Rss / 1048576.0:F1} MiB");
            Console.WriteLine($"| {sessions} IDLE sessions on {mailboxes} mailboxes | managed +{(after.Managed - before.Managed) / (double)sessions / 1024:F1} KB/conn | GC heap +{(after.Heap - before.Heap) / (double)sessions / 1024:F1} KB/conn | RSS +{(after.Rss - before.Rss) / (double)sessions / 1024:F1} KB/conn |");

            // Deliveries one at a time to mailboxes spread over the range; each reaches the sessions k with k % M == box.
            var latencies = new List<double>();
            var storeTimes = new List<double>();
            var missed = 0;
            for (var d = 0; d < deliveries; d++)
            {
                var box = (int)((long)d * mailboxes / deliveries);
                var clock = Stopwatch.StartNew();
                missed += await ExistsWaits.DeliverAndWaitAsync(clients, box, mailboxes, clock, () => Ask("deliver " + box), storeTimes, latencies);
            }

            Stats.Report($"delivery to `* n EXISTS` ({deliveries} deliveries, {sessions / mailboxes} sessions each)", latencies);
            Stats.Report("of which StoreAsync (client's request to the node's reply)", storeTimes);
            if (missed > 0)
            {
                Console.WriteLine($"MISSED: {missed} sessions saw no EXISTS within 30 s");
            }

            await Ask("mem");
            foreach (var c in clients)
            {
                c.Dispose();
            }

            await server.StandardInput.WriteLineAsync("quit");
            await server.StandardInput.FlushAsync();
            await server.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            return 0;
        }
        finally
        {
            if (!server.HasExited)
            {
                server.Kill(entireProcessTree: true);
            }
        }
    }

    public static async Task<int> MixedAsync(Options options)
    {
        var host = options.Str("host", "127.0.0.1");
        var port = options.Int("port", 143);
        var password = options.Str("password", Password);
        var users = options.Int("users", 10);
        var connections = options.Int("connections", 10);
        var seconds = options.Int("seconds", 30);
        var load = options.Int("load", 0);
        var seed = options.Int("seed", 0);
        var label = options.Str("label", host + ":" + port);

        if (load > 0)
        {
            var loadClock = Stopwatch.StartNew();
            await Parallel.ForAsync(0, users, new ParallelOptions { MaxDegreeOfParallelism = users }, async (u, _) =>
            {
                using var c = await ImapClient.ConnectAsync(host, port);
                await c.CommandAsync($"LOGIN u{u}@{Domain} {password}");
                var random = new Random(1000 + u);
                for (var i = 0; i < load; i++)
                {
                    await c.AppendAsync("INBOX", MessageFactory.Create(random, i, 0));
                }

                await c.CommandAsync("LOGOUT", allowBye: true);
            });
            Console.WriteLine($"{label}: loaded {users} x {load} messages by APPEND in {loadClock.Elapsed.TotalSeconds:F1} s ({users * load / loadClock.Elapsed.TotalSeconds:F0} APPEND/s over {users} connections)");
        }

        var names = new[] { "FETCH headers", "FETCH body", "STORE flags", "SEARCH", "APPEND", "EXPUNGE" };
        var weights = new[] { 25, 25, 20, 10, 10, 10 };
        var perOp = names.Select(_ => new List<double>()).ToArray();

        // The messages to APPEND are made before the clock starts: making one (1-200 KB, word by
        // word) costs the client tens of microseconds, taken from the server under test on a shared
        // machine. Enough for 80 APPENDs a second per connection (10 % of 800 operations a second,
        // more than any server here does); past that they are made on the fly.
        // A round of its own (--seed) appends messages no earlier round appended: a server that
        // stores identical content once must not gain from the benchmark repeating itself.
        var toAppend = new Queue<byte[]>[connections];
        var madeLate = 0;
        Parallel.For(0, connections, n =>
        {
            var messages = new Random(n + (seed * 7919) + 500_009);
            toAppend[n] = new Queue<byte[]>(Enumerable.Range(0, seconds * 80).Select(_ => NextMessage(messages)));
        });
        static byte[] NextMessage(Random random) => Encoding.ASCII.GetBytes(MessageFactory.Create(random, 1_000_000 + random.Next(1_000_000), 0));

        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        var gate = new object();
        var wall = Stopwatch.StartNew();
        long bytes = 0;
        await ConnectionThreads.RunAsync(connections, async n =>
        {
            using var c = ImapClient.ConnectBlocking(host, port);
            await c.CommandAsync($"LOGIN u{n % users}@{Domain} {password}");
            await c.CommandAsync("SELECT INBOX");
            var originals = (await c.CommandAsync("UID SEARCH ALL")).SelectMany(l => l.StartsWith("* SEARCH", StringComparison.Ordinal) ? l[8..].Split(' ', StringSplitOptions.RemoveEmptyEntries) : []).Select(long.Parse).ToArray();
            var appended = new Queue<long>();
            var random = new Random(n + (seed * 7919));
            var local = names.Select(_ => new List<double>()).ToArray();
            while (DateTime.UtcNow < deadline)
            {
                var pick = random.Next(100);
                var op = 0;
                while (pick >= weights[op])
                {
                    pick -= weights[op];
                    op++;
                }

                if (op == 5 && appended.Count == 0)
                {
                    op = 4;
                }

                var clock = Stopwatch.StartNew();
                switch (op)
                {
                    case 0:
                        var first = random.Next(Math.Max(1, originals.Length - 20));
                        await c.CommandAsync($"UID FETCH {originals[first]}:{originals[Math.Min(originals.Length - 1, first + 19)]} (UID FLAGS RFC822.SIZE BODY.PEEK[HEADER])");
                        break;
                    case 1:
                        await c.CommandAsync($"UID FETCH {originals[random.Next(originals.Length)]} (BODY.PEEK[])");
                        break;
                    case 2:
                        await c.CommandAsync($"UID STORE {originals[random.Next(originals.Length)]} {(random.Next(2) == 0 ? "+" : "-")}FLAGS (\\Seen \\Flagged)");
                        break;
                    case 3:
                        await c.CommandAsync($"UID SEARCH SUBJECT \"{MessageFactory.Topics[random.Next(MessageFactory.Topics.Length)]}\"");
                        break;
                    case 4:
                        if (!toAppend[n].TryDequeue(out var message))
                        {
                            Interlocked.Increment(ref madeLate);
                            message = NextMessage(random);
                        }

                        appended.Enqueue(await c.AppendAsync("INBOX", message));
                        break;
                    case 5:
                        var uid = appended.Dequeue();
                        await c.CommandAsync($"UID STORE {uid} +FLAGS.SILENT (\\Deleted)");
                        await c.CommandAsync($"UID EXPUNGE {uid}");
                        break;
                }

                local[op].Add(clock.Elapsed.TotalMilliseconds);
            }

            // Leave the folder as it was loaded.
            foreach (var uid in appended)
            {
                await c.CommandAsync($"UID STORE {uid} +FLAGS.SILENT (\\Deleted)");
                await c.CommandAsync($"UID EXPUNGE {uid}");
            }

            await c.CommandAsync("LOGOUT", allowBye: true);
            Interlocked.Add(ref bytes, c.BytesRead);
            lock (gate)
            {
                for (var i = 0; i < names.Length; i++)
                {
                    perOp[i].AddRange(local[i]);
                }
            }
        });
        var elapsed = Math.Min(wall.Elapsed.TotalSeconds, seconds);
        var total = perOp.Sum(l => l.Count);
        Console.WriteLine($"| {label} | {connections} connections, {seconds} s | {total} operations | **{total / elapsed:F0} ops/s** | {bytes / 1048576.0:F0} MiB read |");
        for (var i = 0; i < names.Length; i++)
        {
            Stats.Report($"{label} {names[i]}", perOp[i]);
        }

        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        Console.WriteLine($"{label}: load client CPU {cpu.TotalSeconds:F1} s during the round ({cpu.TotalMicroseconds / Math.Max(1, total):F0} µs per operation){(madeLate > 0 ? $"; {madeLate} messages made during the round" : string.Empty)}");

        return 0;
    }
}

/// <summary>Runs each connection of the mixed workload on a thread of its own, for <see cref="ImapClient.ConnectBlocking"/>.</summary>
internal static class ConnectionThreads
{
    public static Task RunAsync(int count, Func<int, Task> connection)
    {
        var threads = Enumerable.Range(0, count)
            .Select(n => Task.Factory.StartNew(() => connection(n).GetAwaiter().GetResult(), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default))
            .ToArray();
        return Task.WhenAll(threads);
    }
}

internal readonly record struct Mem(long Managed, long Rss, long Heap)
{
    public static Mem Parse(string line)
    {
        var p = line.Split(' ');
        return p[0] == "MEM" ? new Mem(long.Parse(p[1], CultureInfo.InvariantCulture), long.Parse(p[2], CultureInfo.InvariantCulture), long.Parse(p[3], CultureInfo.InvariantCulture)) : throw new InvalidOperationException(line);
    }
}

internal static class ProcessStat
{
    public static long Rss()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
            }
        }

        return 0;
    }
}

internal static class Stats
{
    public static void Report(string what, List<double> times)
    {
        if (times.Count == 0)
        {
            Console.WriteLine($"| {what} | n=0 |");
            return;
        }

        times.Sort();
        double P(double q) => times[Math.Min(times.Count - 1, (int)(q * times.Count))];
        Console.WriteLine($"| {what} | n={times.Count} | p50 {P(0.5):F2} ms | p99 {P(0.99):F2} ms | max {times[^1]:F2} ms |");
    }
}

/// <summary>Deterministic test messages: text/plain, 1–200 KB, subjects from a small vocabulary.</summary>
internal static class MessageFactory
{
    public static readonly string[] Topics = ["invoice", "meeting", "report", "holiday", "budget", "release", "contract", "lunch", "travel", "review", "hiring", "offsite"];

    private static readonly string[] Words = ["the", "quarterly", "numbers", "look", "fine", "but", "we", "should", "discuss", "plan", "next", "week", "with", "team", "please", "send", "update", "before", "friday", "thanks", "regards", "attached", "draft", "customer"];

    public static string Create(Random random, int index, int size)
    {
        if (size == 0)
        {
            var roll = random.Next(100);
            size = roll < 70 ? random.Next(1000, 8000) : roll < 95 ? random.Next(8000, 50_000) : random.Next(50_000, 200_000);
        }

        var topic = Topics[random.Next(Topics.Length)];
        var sb = new StringBuilder(size + 600);
        sb.Append($"Return-Path: <s{random.Next(50)}@sender.example>\r\n");
        sb.Append($"From: Sender {index % 50} <s{index % 50}@sender.example>\r\n");
        sb.Append($"To: Bench User <user@{Modes.Domain}>\r\n");
        sb.Append($"Subject: {topic} {Words[random.Next(Words.Length)]} #{index}\r\n");
        sb.Append($"Date: {new DateTimeOffset(2026, 11, 1, 8, 0, 0, TimeSpan.Zero).AddMinutes(index):ddd, dd MMM yyyy HH:mm:ss} +0000\r\n");
        sb.Append($"Message-ID: <{index}.{random.Next()}@sender.example>\r\n");
        sb.Append("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\nContent-Transfer-Encoding: 7bit\r\n\r\n");
        var body = sb.Length;
        var line = 0;
        while (sb.Length - body < size)
        {
            var word = Words[random.Next(Words.Length)];
            sb.Append(word);
            line += word.Length + 1;
            if (line > 70)
            {
                sb.Append("\r\n");
                line = 0;
            }
            else
            {
                sb.Append(' ');
            }
        }

        sb.Append("\r\n");
        return sb.ToString();
    }
}

/// <summary>
/// A small IMAP client for load generation: tagged commands, literals in responses, LITERAL+ APPEND.
/// A blocking client (<see cref="ConnectBlocking"/>) does its I/O with blocking system calls, so its
/// async methods complete at once on the caller's thread: the mixed workload runs one thread per
/// connection with it, as a C load generator would. Each response then costs the client one
/// kernel wake-up of the waiting thread instead of the socket engine's epoll thread handing the
/// completion to a thread-pool worker (two thread switches), CPU a shared machine takes from the
/// server under test.
/// </summary>
internal sealed class ImapClient : IDisposable
{
    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;
    private readonly bool _blocking;
    private readonly byte[] _buffer = new byte[16384];
    private int _start;
    private int _end;
    private int _tag;

    private ImapClient(TcpClient tcp, bool blocking)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
        _blocking = blocking;
    }

    public long BytesRead { get; private set; }

    public static async Task<ImapClient> ConnectAsync(string host, int port)
    {
        var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync(host, port);
        var client = new ImapClient(tcp, blocking: false);
        await client.ReadResponseAsync();
        return client;
    }

    /// <summary>A client whose every call blocks its thread (a socket used only synchronously stays in blocking mode).</summary>
    public static ImapClient ConnectBlocking(string host, int port)
    {
        var tcp = new TcpClient { NoDelay = true };
        tcp.Connect(host, port);
        var client = new ImapClient(tcp, blocking: true);
        client.ReadResponseAsync().GetAwaiter().GetResult();
        return client;
    }

    public Task SendAsync(string text) => WriteAsync(Encoding.UTF8.GetBytes(text));

    private async Task WriteAsync(byte[] bytes)
    {
        if (_blocking)
        {
            _stream.Write(bytes);
        }
        else
        {
            await _stream.WriteAsync(bytes);
        }
    }

    public async Task<List<string>> CommandAsync(string command, bool allowBye = false)
    {
        var tag = "b" + ++_tag;
        await SendAsync(tag + " " + command + "\r\n");
        return await ReadUntilTaggedAsync(tag, command, allowBye);
    }

    public Task<long> AppendAsync(string folder, string message) => AppendAsync(folder, Encoding.ASCII.GetBytes(message));

    /// <summary>APPEND with a LITERAL+ literal (RFC 7888): command, message and CRLF in one send, as a buffered client writes them.</summary>
    public async Task<long> AppendAsync(string folder, byte[] data)
    {
        var tag = "b" + ++_tag;
        var command = Encoding.ASCII.GetBytes($"{tag} APPEND {folder} {{{data.Length}+}}\r\n");
        ArraySegment<byte>[] pieces = [command, data, "\r\n"u8.ToArray()];
        var sent = _blocking ? _tcp.Client.Send(pieces) : await _tcp.Client.SendAsync(pieces, SocketFlags.None);
        if (sent != command.Length + data.Length + 2)
        {
            throw new IOException($"APPEND sent {sent} of {command.Length + data.Length + 2} bytes");
        }

        var lines = await ReadUntilTaggedAsync(tag, "APPEND", false);
        var last = lines[^1];
        var at = last.IndexOf("[APPENDUID ", StringComparison.Ordinal);
        if (at < 0)
        {
            throw new InvalidOperationException("no APPENDUID: " + last);
        }

        var parts = last[(at + 11)..].Split(' ', ']');
        return long.Parse(parts[1], CultureInfo.InvariantCulture);
    }

    public async Task IdleAsync()
    {
        await SendAsync("I IDLE\r\n");
        while (!(await ReadResponseAsync()).StartsWith('+'))
        {
        }
    }

    public async Task DoneAsync()
    {
        await SendAsync("DONE\r\n");
        await ReadUntilTaggedAsync("I", "IDLE", false);
    }

    public async Task WaitForAsync(string marker)
    {
        while (!(await ReadResponseAsync()).Contains(marker, StringComparison.Ordinal))
        {
        }
    }

    private async Task<List<string>> ReadUntilTaggedAsync(string tag, string command, bool allowBye)
    {
        var lines = new List<string>();
        while (true)
        {
            var line = await ReadResponseAsync();
            lines.Add(line);
            if (line.StartsWith(tag + " ", StringComparison.Ordinal))
            {
                if (!line.AsSpan(tag.Length + 1).StartsWith("OK", StringComparison.Ordinal))
                {
                    throw new InvalidOperationException(command + " -> " + line);
                }

                return lines;
            }

            if (line.StartsWith("* BYE", StringComparison.Ordinal) && !allowBye)
            {
                throw new InvalidOperationException(command + " -> " + line);
            }
        }
    }

    /// <summary>One response line with its literals skipped (their bytes are counted, not kept).</summary>
    private async Task<string> ReadResponseAsync()
    {
        var text = new StringBuilder();
        while (true)
        {
            var line = await ReadLineAsync();
            text.Append(line);
            var open = line.LastIndexOf('{');
            if (!line.EndsWith('}') || open < 0 || !long.TryParse(line.AsSpan(open + 1, line.Length - open - 2), out var literal))
            {
                return text.ToString();
            }

            while (literal > 0)
            {
                if (_start == _end && !await FillAsync())
                {
                    throw new EndOfStreamException();
                }

                var take = (int)Math.Min(literal, _end - _start);
                _start += take;
                literal -= take;
            }
        }
    }

    private async Task<string> ReadLineAsync()
    {
        var line = new List<byte>();
        while (true)
        {
            if (_start == _end && !await FillAsync())
            {
                throw new EndOfStreamException();
            }

            var span = _buffer.AsSpan(_start, _end - _start);
            var lf = span.IndexOf((byte)'\n');
            if (lf >= 0)
            {
                line.AddRange(span[..lf].ToArray());
                _start += lf + 1;
                if (line.Count > 0 && line[^1] == '\r')
                {
                    line.RemoveAt(line.Count - 1);
                }

                return Encoding.UTF8.GetString(line.ToArray());
            }

            line.AddRange(span.ToArray());
            _start = _end;
        }
    }

    private async Task<bool> FillAsync()
    {
        var n = _blocking ? _stream.Read(_buffer) : await _stream.ReadAsync(_buffer);
        _start = 0;
        _end = n;
        BytesRead += n;
        return n > 0;
    }

    public void Dispose() => _tcp.Dispose();
}
