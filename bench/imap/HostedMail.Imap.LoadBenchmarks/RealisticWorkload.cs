// The "realistic" IMAP mode (issue 14 "Measures"): sessions shaped like real clients, which log in,
// look around, read a little, flag, file a message and leave, over and over, spread over many users:
//   realistic --host H --port P [--password W] [--users 100] [--connections 10] [--seconds 60] [--label L]
// Each connection repeats the cycle LOGIN, LIST, STATUS, SELECT, FETCH (the newest 20 headers),
// STORE a keyword (+ or -), APPEND, UID STORE \Deleted + UID EXPUNGE of what it appended, LOGOUT, on a
// user picked at random from u0..u{users-1}@bench.example (load them first: "mixed --load N --users U").
using System.Diagnostics;
using System.Globalization;

internal static class RealisticWorkload
{
    private static readonly string[] Names = ["LOGIN", "LIST", "STATUS", "SELECT", "FETCH", "STORE", "APPEND", "EXPUNGE", "LOGOUT"];

    public static async Task<int> RunAsync(Options options)
    {
        var host = options.Str("host", "127.0.0.1");
        var port = options.Int("port", 143);
        var password = options.Str("password", Modes.Password);
        var users = options.Int("users", 100);
        var connections = options.Int("connections", 10);
        var seconds = options.Int("seconds", 60);
        var seed = options.Int("seed", 0);
        var label = options.Str("label", host + ":" + port);
        var perOp = Names.Select(_ => new List<double>()).ToArray();
        var gate = new object();
        long cycles = 0;
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        var wall = Stopwatch.StartNew();
        // One thread per connection with blocking sockets, as in the mixed mode (ConnectionThreads):
        // the cheaper client (bench/README.md says when and why this mode ran async connections).
        await ConnectionThreads.RunAsync(connections, async n =>
        {
            var random = new Random(7000 + n + (seed * 7919));
            var local = Names.Select(_ => new List<double>()).ToArray();
            while (DateTime.UtcNow < deadline)
            {
                var user = random.Next(users);
                var clock = Stopwatch.StartNew();
                using var c = ImapClient.ConnectBlocking(host, port);
                await c.CommandAsync($"LOGIN u{user}@{Modes.Domain} {password}");
                Lap(0);
                await c.CommandAsync("LIST \"\" \"*\"");
                Lap(1);
                await c.CommandAsync("STATUS INBOX (MESSAGES UIDNEXT UNSEEN)");
                Lap(2);
                var select = await c.CommandAsync("SELECT INBOX");
                Lap(3);
                var exists = select.Select(l => l.Split(' ')).Where(p => p.Length >= 3 && p[0] == "*" && p[2] == "EXISTS").Select(p => int.Parse(p[1], CultureInfo.InvariantCulture)).LastOrDefault();
                if (exists > 0)
                {
                    await c.CommandAsync($"FETCH {Math.Max(1, exists - 19)}:{exists} (UID FLAGS RFC822.SIZE BODY.PEEK[HEADER.FIELDS (FROM TO SUBJECT DATE MESSAGE-ID)])");
                    Lap(4);
                    await c.CommandAsync($"STORE {random.Next(1, exists + 1)} {(random.Next(2) == 0 ? "+" : "-")}FLAGS ($Label{random.Next(1, 6)})");
                    Lap(5);
                }

                var uid = await c.AppendAsync("INBOX", MessageFactory.Create(random, 2_000_000 + random.Next(1_000_000), 0));
                Lap(6);
                await c.CommandAsync($"UID STORE {uid} +FLAGS.SILENT (\\Deleted)");
                await c.CommandAsync($"UID EXPUNGE {uid}");
                Lap(7);
                await c.CommandAsync("LOGOUT", allowBye: true);
                Lap(8);
                Interlocked.Increment(ref cycles);

                void Lap(int op)
                {
                    local[op].Add(clock.Elapsed.TotalMilliseconds);
                    clock.Restart();
                }
            }

            lock (gate)
            {
                for (var i = 0; i < Names.Length; i++)
                {
                    perOp[i].AddRange(local[i]);
                }
            }
        });
        var elapsed = Math.Min(wall.Elapsed.TotalSeconds, seconds);
        var operations = perOp.Sum(l => l.Count);
        Console.WriteLine($"| {label} | realistic, {users} users, {connections} connections, {seconds} s | {operations} operations | **{operations / elapsed:F0} ops/s** | {cycles / elapsed:F1} sessions/s |");
        for (var i = 0; i < Names.Length; i++)
        {
            Stats.Report($"{label} {Names[i]}", perOp[i]);
        }

        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        Console.WriteLine($"{label}: load client CPU {cpu.TotalSeconds:F1} s during the round ({cpu.TotalMicroseconds / Math.Max(1, operations):F0} µs per operation)");
        return 0;
    }
}
