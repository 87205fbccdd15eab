// Two-node measures (issue 14 "Measures"), against real `hostedmail serve` processes that
// bench/cluster/run.sh starts on one PostgreSQL (mailboxes u0..u{M-1}@bench.example):
//   cluster-idle --smtp-port A --imap-port B --node-pid PID_B [--sessions 10000] [--mailboxes 100] [--deliveries 200]
//       opens N authenticated IDLE sessions on node B and reports B's RSS per session, then delivers
//       D messages over SMTP to node A (one at a time) and times each from the end of DATA to
//       "* n EXISTS" in every IDLE session of that mailbox on node B.
//   failover --imap-a A --imap-b B --kill-pid PID_A [--mailboxes 100]
//       logs in to every mailbox through node A (its grains activate), SIGKILLs node A, then logs in
//       to every mailbox through node B until each succeeds: the time until the survivor serves them.
using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

internal static class ClusterMeasures
{
    public static async Task<int> IdleAcrossNodesAsync(Options options)
    {
        var host = options.Str("host", "127.0.0.1");
        var smtpPort = options.Int("smtp-port", 25);
        var imapPort = options.Int("imap-port", 143);
        var nodePid = options.Int("node-pid", 0);
        var sessions = options.Int("sessions", 10_000);
        var mailboxes = options.Int("mailboxes", 100);
        var deliveries = options.Int("deliveries", 200);

        var before = Rss(nodePid);
        var clients = new ImapClient[sessions];
        var setup = Stopwatch.StartNew();
        await Parallel.ForAsync(0, sessions, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (k, _) =>
        {
            var c = await ImapClient.ConnectAsync(host, imapPort);
            await c.CommandAsync($"LOGIN u{k % mailboxes}@{Modes.Domain} {Modes.Password}");
            await c.CommandAsync("SELECT INBOX");
            await c.IdleAsync();
            clients[k] = c;
        });
        Console.WriteLine($"{sessions} sessions in IDLE on node B after {setup.Elapsed.TotalSeconds:F1} s");
        await Task.Delay(3000);
        var after = Rss(nodePid);
        Console.WriteLine($"| {sessions} IDLE sessions on node B ({mailboxes} mailboxes) | RSS {before / 1048576.0:F0} -> {after / 1048576.0:F0} MiB | **{(after - before) / (double)sessions / 1024:F1} KB per session** |");

        var latencies = new List<double>();
        var acknowledged = new List<double>();
        var missed = 0;
        using var smtp = await SmtpSender.ConnectAsync(host, smtpPort);
        for (var d = 0; d < deliveries; d++)
        {
            var box = d % mailboxes;
            var clock = new Stopwatch();
            missed += await ExistsWaits.DeliverAndWaitAsync(
                clients, box, mailboxes, clock, () => smtp.SendAsync($"u{box}@{Modes.Domain}", MessageFactory.Create(new Random(d), d, 2000), clock), acknowledged, latencies);
        }

        Stats.Report($"delivery on node A (end of DATA) to `* n EXISTS` on node B ({deliveries} deliveries, {sessions / mailboxes} sessions each)", latencies);
        Stats.Report("of which node A's 250 (committed)", acknowledged);
        if (missed > 0)
        {
            Console.WriteLine($"MISSED: {missed} sessions saw no EXISTS within 30 s");
        }

        foreach (var c in clients)
        {
            c.Dispose();
        }

        return 0;
    }

    public static async Task<int> FailoverAsync(Options options)
    {
        var host = options.Str("host", "127.0.0.1");
        var imapA = options.Int("imap-a", 0);
        var imapB = options.Int("imap-b", 0);
        var killPid = options.Int("kill-pid", 0);
        var mailboxes = options.Int("mailboxes", 100);

        // Every mailbox's grain becomes active, many of them on node A (placement prefers the caller's silo).
        await Parallel.ForAsync(0, mailboxes, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (u, _) =>
        {
            using var c = await ImapClient.ConnectAsync(host, imapA);
            await c.CommandAsync($"LOGIN u{u}@{Modes.Domain} {Modes.Password}");
            await c.CommandAsync("LOGOUT", allowBye: true);
        });

        using var victim = Process.GetProcessById(killPid);
        var clock = Stopwatch.StartNew();
        victim.Kill(); // SIGKILL on Linux: no goodbye to the cluster.
        var served = new double[mailboxes];
        var refusals = 0;
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await Parallel.ForAsync(0, mailboxes, new ParallelOptions { MaxDegreeOfParallelism = mailboxes }, async (u, _) =>
        {
            while (!deadline.IsCancellationRequested)
            {
                try
                {
                    using var c = await ImapClient.ConnectAsync(host, imapB);
                    await c.CommandAsync($"LOGIN u{u}@{Modes.Domain} {Modes.Password}");
                    await c.CommandAsync("SELECT INBOX");
                    served[u] = clock.Elapsed.TotalMilliseconds;
                    await c.CommandAsync("LOGOUT", allowBye: true);
                    return;
                }
                catch (Exception ex) when (ex is InvalidOperationException or IOException or SocketException)
                {
                    // NO [UNAVAILABLE] while the cluster has not declared node A dead; try again.
                    Interlocked.Increment(ref refusals);
                    await Task.Delay(100);
                }
            }
        });
        var times = served.Where(t => t > 0).ToList();
        Console.WriteLine($"| SIGKILL of node A, {mailboxes} mailboxes logged in through it | first served by node B after {(times.Count > 0 ? times.Min() / 1000 : double.NaN):F2} s | **all served after {(times.Count == mailboxes ? times.Max() / 1000 : double.NaN):F2} s** | {refusals} refused attempts meanwhile |");
        Stats.Report("time from SIGKILL to a mailbox's first LOGIN+SELECT on node B", times);
        return times.Count == mailboxes ? 0 : 1;
    }

    private static long Rss(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
            }
        }

        return 0;
    }
}

/// <summary>A minimal SMTP client that keeps one connection and sends message after message (RSET between).</summary>
internal sealed class SmtpSender : IDisposable
{
    private readonly TcpClient _tcp;
    private readonly StreamReader _reader;
    private readonly Stream _stream;

    private SmtpSender(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
        _reader = new StreamReader(_stream, Encoding.ASCII);
    }

    public static async Task<SmtpSender> ConnectAsync(string host, int port)
    {
        var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync(host, port);
        var sender = new SmtpSender(tcp);
        await sender.ReplyAsync("220");
        await sender.CommandAsync("EHLO bench.client.example", "250");
        return sender;
    }

    /// <summary>Sends one message; <paramref name="clock"/> starts as the final "." goes out.</summary>
    public async Task SendAsync(string recipient, string message, Stopwatch clock)
    {
        await CommandAsync("MAIL FROM:<sender@remote.example>", "250");
        await CommandAsync($"RCPT TO:<{recipient}>", "250");
        await CommandAsync("DATA", "354");
        var body = message.Replace("\r\n.", "\r\n..", StringComparison.Ordinal);
        await _stream.WriteAsync(Encoding.ASCII.GetBytes(body.EndsWith("\r\n", StringComparison.Ordinal) ? body : body + "\r\n"));
        clock.Restart();
        await _stream.WriteAsync(".\r\n"u8.ToArray());
        await ReplyAsync("250");
    }

    private async Task CommandAsync(string command, string expect)
    {
        await _stream.WriteAsync(Encoding.ASCII.GetBytes(command + "\r\n"));
        await ReplyAsync(expect);
    }

    private async Task ReplyAsync(string expect)
    {
        while (await _reader.ReadLineAsync() is { } line)
        {
            if (line.Length >= 4 && line[3] == '-')
            {
                continue;
            }

            if (!line.StartsWith(expect, StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"expected {expect}, got: {line}");
            }

            return;
        }

        throw new IOException("SMTP connection closed");
    }

    public void Dispose() => _tcp.Dispose();
}
