using System.Net.Sockets;
using System.Text;
using HostedMail.Testing;
using HostedMail.Testing.Properties;
using Xunit.Abstractions;

namespace HostedMail.IntegrationTests.Fuzz;

/// <summary>A node with every mail protocol listening (plaintext login allowed on loopback for the fuzzer).</summary>
public sealed class FuzzNode : MailNode
{
    public int ImapPort => EndPoint("imap").Port;

    public int Pop3Port => EndPoint("pop3").Port;

    public override Dictionary<string, string?> Settings()
    {
        var settings = base.Settings();
        settings["Mail:Listeners:imap:Protocol"] = "imap";
        settings["Mail:Listeners:imap:Endpoint"] = "127.0.0.1:0";
        settings["Mail:Listeners:imap:MaxConnectionsPerAddress"] = "200";
        settings["Mail:Listeners:pop3:Protocol"] = "pop3";
        settings["Mail:Listeners:pop3:Endpoint"] = "127.0.0.1:0";
        settings["Mail:Listeners:pop3:MaxConnectionsPerAddress"] = "200";
        settings["Imap:AllowPlaintextAuthentication"] = "true";
        settings["Pop3:AllowPlaintextAuthentication"] = "true";
        // The fuzzer fails logins on purpose from one address; tarpit delays (up to 15 s) and
        // lockouts would read as hangs. Penalties have their own tests in HostedMail.Net.Tests.
        settings["Auth:Penalties:FreeFailures"] = "1000000";
        settings["Auth:Penalties:AddressLockoutThreshold"] = "1000000";
        settings["Auth:Penalties:UsernameLockoutThreshold"] = "1000000";
        return settings;
    }
}

/// <summary>
/// Arbitrary input at live sessions (issue: no unhandled exception, no disconnect without
/// BYE/421, no hang). Each case is one connection fed a seeded mix of valid commands, mutated
/// commands and random bytes, then a probe only a live session answers. The run is reproducible
/// from its seed (HOSTEDMAIL_FUZZ_SEED overrides it; a failure names the case's seed).
/// </summary>
public sealed class SessionFuzzTests(FuzzNode node, ITestOutputHelper output) : IClassFixture<FuzzNode>
{
    private static int Seed => FuzzInput.Seed;

    // The IMAP, SMTP and POP3 grammars' delimiters, inserted by mutations.
    private const string Specials = "\"(){}[]<>\\*%~: =?+\0";

    // How long a session may stay silent after the probe before it counts as hung. Far below
    // every server timeout (minutes), far above any honest answer on a loaded machine.
    private static readonly TimeSpan Silence = TimeSpan.FromSeconds(10);

    [Fact]
    public Task SmtpSessionsAnswerEveryInput() => RunAsync(Protocol.Smtp, node.SmtpPort, 300);

    [Fact]
    public Task ImapSessionsAnswerEveryInput() => RunAsync(Protocol.Imap, node.ImapPort, 300);

    [Fact]
    public Task Pop3SessionsAnswerEveryInput() => RunAsync(Protocol.Pop3, node.Pop3Port, 200);

    private enum Protocol
    {
        Smtp,
        Imap,
        Pop3,
    }

    private async Task RunAsync(Protocol protocol, int port, int cases)
    {
        var failures = new List<string>();
        var outcomes = new Dictionary<string, int>();
        for (var batch = 0; batch < cases; batch += 8)
        {
            var results = await Task.WhenAll(Enumerable.Range(batch, Math.Min(8, cases - batch))
                .Select(i => RunCaseAsync(protocol, port, Seed + i)));
            foreach (var (outcome, failure) in results)
            {
                outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
                if (failure is not null)
                {
                    failures.Add(failure);
                }
            }
        }

        output.WriteLine($"{protocol}: {cases} sessions from seed {Seed}: " + string.Join(", ", outcomes.OrderBy(o => o.Key).Select(o => $"{o.Key} {o.Value}")));
        Assert.True(failures.Count == 0, $"{failures.Count} of {cases} {protocol} cases failed:\n" + string.Join("\n\n", failures.Take(5)));
        // The fuzzer must reach live sessions, not only closed ones.
        Assert.True(outcomes.GetValueOrDefault("answered") > cases / 4, "too few sessions answered the probe: " + string.Join(", ", outcomes));
    }

    private static async Task<(string Outcome, string? Failure)> RunCaseAsync(Protocol protocol, int port, int seed)
    {
        var random = new Random(seed);
        var input = protocol switch
        {
            Protocol.Smtp => Generate(random, SmtpCommands, "\r\n.\r\n*\r\nRSET\r\n"),
            Protocol.Imap => Generate(random, ImapCommands, "\r\nDONE\r\n*\r\n" + new string(' ', 200) + "\r\n"),
            _ => Generate(random, Pop3Commands, "\r\n*\r\n"),
        };
        var (probe, answered, closing) = protocol switch
        {
            Protocol.Smtp => ("HELP\r\n", (Func<string, bool>)(l => l.StartsWith("214 ", StringComparison.Ordinal)), (Func<string, bool>)(l => l.StartsWith("421 ", StringComparison.Ordinal) || l.StartsWith("221 ", StringComparison.Ordinal))),
            Protocol.Imap => ("ZZPROBE NOOP\r\n", l => l.StartsWith("ZZPROBE ", StringComparison.Ordinal), l => l.StartsWith("* BYE", StringComparison.Ordinal)),
            _ => ("CAPA\r\n", l => l == "UIDL", l => l.StartsWith("-ERR", StringComparison.Ordinal) || l.StartsWith("+OK", StringComparison.Ordinal)),
        };

        var transcript = new List<string>();
        string Fail(string why) => $"seed {seed} ({protocol}): {why}\n--- sent ---\n{Printable(input)}\n--- received ---\n{string.Join("\n", transcript.TakeLast(12))}";
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(System.Net.IPAddress.Loopback, port);
        var stream = tcp.GetStream();
        using var silence = new CancellationTokenSource();
        var reader = ReadLinesAsync(stream, transcript, answered, silence.Token);
        try
        {
            await stream.WriteAsync(input);
            await stream.WriteAsync(Encoding.ASCII.GetBytes(probe));
        }
        catch (IOException)
        {
            // The server closed while we were still sending (a limit it enforces); judged below.
        }

        silence.CancelAfter(Silence);
        var end = await reader;
        if (transcript.Any(l => l.Contains("error id", StringComparison.Ordinal) || l.Contains("SERVERBUG", StringComparison.Ordinal)))
        {
            return ("bug", Fail("an unexpected server error (the catch site answered it)"));
        }

        return end switch
        {
            ReadEnd.Answered => ("answered", null),
            // IMAP may complete the command that ended the session after its BYE (RFC 9051 7.1.5).
            ReadEnd.Closed or ReadEnd.Reset when transcript.TakeLast(2).Any(closing) => ("closed politely", null),
            ReadEnd.Closed => ("closed", Fail("the connection closed without a closing reply")),
            ReadEnd.Reset => ("reset", Fail("the connection was reset without a closing reply")),
            // Still waiting for data it was promised (a literal, a message body, a SASL line): not a hang.
            _ when transcript.Count > 0 && IsWaitingForData(protocol, transcript[^1]) => ("waiting for data", null),
            _ => ("silent", Fail($"no answer to the probe within {Silence.TotalSeconds} s")),
        };
    }

    private enum ReadEnd
    {
        Answered,
        Closed,
        Reset,
        Silent,
    }

    private static async Task<ReadEnd> ReadLinesAsync(NetworkStream stream, List<string> transcript, Func<string, bool> answered, CancellationToken silence)
    {
        var buffer = new byte[16 * 1024];
        var pending = new StringBuilder();
        try
        {
            while (true)
            {
                var read = await stream.ReadAsync(buffer, silence);
                if (read == 0)
                {
                    return ReadEnd.Closed;
                }

                pending.Append(Encoding.Latin1.GetString(buffer, 0, read));
                var text = pending.ToString();
                int newline;
                while ((newline = text.IndexOf("\r\n", StringComparison.Ordinal)) >= 0)
                {
                    var line = text[..newline];
                    text = text[(newline + 2)..];
                    transcript.Add(line);
                    if (answered(line))
                    {
                        return ReadEnd.Answered;
                    }
                }

                pending.Clear().Append(text);
            }
        }
        catch (OperationCanceledException)
        {
            if (pending.Length > 0)
            {
                transcript.Add(pending.ToString());
            }

            return ReadEnd.Silent;
        }
        catch (IOException)
        {
            return ReadEnd.Reset;
        }
    }

    private static bool IsWaitingForData(Protocol protocol, string last) => protocol switch
    {
        Protocol.Smtp => last.StartsWith("354 ", StringComparison.Ordinal) || last.StartsWith("334 ", StringComparison.Ordinal),
        Protocol.Imap => last.StartsWith('+'),
        _ => last.StartsWith('+') && !last.StartsWith("+OK", StringComparison.Ordinal),
    };

    private static byte[] Generate(Random random, Func<Random, int, string>[] commands, string terminator)
    {
        var output = new List<byte>();
        var count = random.Next(1, 30);
        for (var i = 0; i < count; i++)
        {
            var kind = random.Next(10);
            byte[] line = kind switch
            {
                < 6 => Encoding.UTF8.GetBytes(commands[random.Next(commands.Length)](random, i)),
                < 9 => FuzzInput.Mutate(random, Encoding.UTF8.GetBytes(commands[random.Next(commands.Length)](random, i)), Specials),
                _ => FuzzInput.RandomBytes(random, random.Next(4) == 0 ? 3000 : 80),
            };
            output.AddRange(line);
            output.AddRange(random.Next(20) switch
            {
                0 => "\n"u8.ToArray(),
                1 => "\r"u8.ToArray(),
                2 => [],
                _ => "\r\n"u8.ToArray(),
            });
        }

        output.AddRange(Encoding.ASCII.GetBytes(terminator));
        return [.. output];
    }

    private static string Pick(Random random, params string[] choices) => choices[random.Next(choices.Length)];

    private static string Word(Random random) => Pick(random, "x", "INBOX", "Sent", "a b", "Ünïcödé", "&AOQ-", "", "*", "%", "\"quoted\"", new string('y', random.Next(1, 300)));

    // STARTTLS/STLS/COMPRESS are left out: what follows them is a TLS or DEFLATE stream, not commands.
    private static readonly Func<Random, int, string>[] SmtpCommands =
    [
        (r, _) => "EHLO " + Pick(r, "client.example", "[127.0.0.1]", "[IPv6:::1]", "", "bad..name", "x"),
        (r, _) => "HELO " + Pick(r, "client.example", ""),
        (r, _) => "MAIL FROM:" + Pick(r, "<sender@outside.example>", "<>", "<a@b> SIZE=100 BODY=8BITMIME", "<ü@例え.jp> SMTPUTF8", "<a@b> BODY=BINARYMIME", "<a@b> RET=HDRS ENVID=x", "sender@outside.example", "<@route:a@b>", "<a@b> REQUIRETLS"),
        (r, _) => "RCPT TO:" + Pick(r, "<alice@acme.example>", "<bob@acme.example> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;bob@acme.example", "<nobody@nowhere.example>", "<postmaster>", "<team@acme.example>", "<carol@other.example>"),
        (r, _) => "DATA",
        (r, _) => "Subject: fuzz " + r.Next() + "\r\nDate: " + Pick(r, "Sat, 05 Dec 2026 10:00:00 +0200", "garbage", "5 Dec 26 10:00 EST") + "\r\n\r\nbody\r\n.",
        (r, _) => { var n = r.Next(0, 40); return $"BDAT {n}{(r.Next(2) == 0 ? " LAST" : "")}\r\n" + new string('b', n); },
        (r, _) => Pick(r, "RSET", "NOOP", "VRFY alice", "EXPN team", "AUTH PLAIN AGFsaWNlAHB3", "TURN", "ETRN x", "GET / HTTP/1.1", "QUIT"),
    ];

    private static readonly Func<Random, int, string>[] ImapCommands =
    [
        (_, i) => $"a{i} LOGIN alice@acme.example \"{MailNode.Password}\"",
        (r, i) => $"a{i} {Pick(r, "SELECT", "EXAMINE")} {Pick(r, "INBOX", "\"INBOX\"", "~foo", "Sent", "{5}")}",
        (r, i) => $"a{i} {Pick(r, "CREATE", "DELETE", "SUBSCRIBE", "UNSUBSCRIBE")} {Word(r)}",
        (r, i) => $"a{i} RENAME {Word(r)} {Word(r)}",
        (r, i) => $"a{i} {Pick(r, "LIST", "LSUB")} \"{Pick(r, "", "INBOX", "x/")}\" {Pick(r, "*", "%", "\"\"", "INBOX.*")}",
        (r, i) => $"a{i} LIST (SUBSCRIBED RECURSIVEMATCH) \"\" * RETURN (CHILDREN STATUS (MESSAGES UNSEEN SIZE))",
        (r, i) => $"a{i} STATUS {Pick(r, "INBOX", "nothere")} ({Pick(r, "MESSAGES UIDNEXT UNSEEN", "RECENT", "HIGHESTMODSEQ SIZE", "")})",
        (r, i) => { var body = "Subject: fuzz\r\nDate: Sat, 05 Dec 2026 10:00:00 -0500\r\n\r\nhi\r\n"; return $"a{i} APPEND INBOX {Pick(r, "(\\Seen)", "($Label1 \\Flagged)", "")} {Pick(r, "", "\"05-Dec-2026 10:00:00 +0200\"", "\"bad date\"")} {{{body.Length}{Pick(r, "", "+")}}}\r\n{body}"; },
        (r, i) => $"a{i} {Pick(r, "", "UID ")}FETCH {Pick(r, "1", "1:*", "*", "2,4:6", "0", "4294967295", "1:4294967296")} {Pick(r, "(FLAGS UID)", "ALL", "FULL", "(BODY.PEEK[HEADER.FIELDS (FROM SUBJECT)] BODYSTRUCTURE ENVELOPE)", "(BODY[]<0.10>)", "(BINARY.PEEK[1] BINARY.SIZE[1])", "(BODY[1.2.3.MIME])", "(RFC822.SIZE INTERNALDATE MODSEQ)", "(FLAGS) (CHANGEDSINCE 1 VANISHED)")}",
        (r, i) => $"a{i} {Pick(r, "", "UID ")}SEARCH {Pick(r, "ALL", "CHARSET UTF-8 SUBJECT \"ü\"", "OR FROM a TO b", "NOT SEEN SINCE 1-Jan-2020", "SENTON 5-Dec-2026", "RETURN (MIN MAX COUNT) ALL", "UID 1:4294967295", "999", "HEADER X-Foo \"\"", "BODY x TEXT y LARGER 10", "CHARSET KOI8-R ALL", "NEW OLD RECENT")}",
        (r, i) => $"a{i} {Pick(r, "SORT (DATE REVERSE SUBJECT) UTF-8 ALL", "SORT (DISPLAYFROM) UTF-8 ALL", "THREAD REFERENCES UTF-8 ALL", "THREAD ORDEREDSUBJECT US-ASCII ALL", "SORT () UTF-8 ALL")}",
        (r, i) => $"a{i} {Pick(r, "", "UID ")}STORE {Pick(r, "1", "1:*", "*")} {Pick(r, "+FLAGS", "-FLAGS.SILENT", "FLAGS", "+FLAGS (UNCHANGEDSINCE 1)")} ({Pick(r, "\\Seen", "\\Deleted", "$Label3", "\\Bogus", "")})",
        (r, i) => $"a{i} {Pick(r, "", "UID ")}{Pick(r, "COPY", "MOVE")} {Pick(r, "1", "1:*")} {Word(r)}",
        (r, i) => $"a{i} {Pick(r, "EXPUNGE", "UID EXPUNGE 1:*", "CLOSE", "UNSELECT", "CHECK", "NOOP", "CAPABILITY", "NAMESPACE", "ENABLE QRESYNC CONDSTORE", "ENABLE IMAP4rev2", "ID NIL", "ID (\"name\" \"fuzz\")", "GETQUOTAROOT INBOX", "IDLE", "LOGOUT")}",
        (r, i) => $"a{i} AUTHENTICATE PLAIN {Pick(r, "", "=", "AGFsaWNlAHB3", "!!!")}",
    ];

    private static readonly Func<Random, int, string>[] Pop3Commands =
    [
        (_, _) => "USER alice@acme.example",
        (_, _) => "PASS " + MailNode.Password,
        (r, _) => Pick(r, "STAT", "LIST", "UIDL", "NOOP", "RSET", "CAPA"),
        (r, _) => $"{Pick(r, "LIST", "UIDL", "RETR", "DELE")} {Pick(r, "1", "0", "-1", "99999999999", "x", "")}",
        (r, _) => $"TOP {Pick(r, "1", "x")} {Pick(r, "0", "5", "-1", "")}",
        (r, _) => Pick(r, "APOP alice 0123456789abcdef", "AUTH", "AUTH PLAIN", "AUTH PLAIN AGFsaWNlAHB3", "AUTH XBOGUS", "UTF8", "QUIT"),
    ];

    private static string Printable(byte[] bytes)
    {
        var text = new StringBuilder();
        foreach (var b in bytes.Take(3000))
        {
            text.Append(b switch
            {
                (byte)'\r' => "\\r",
                (byte)'\n' => "\\n\n",
                >= 0x20 and < 0x7f => ((char)b).ToString(),
                _ => $"\\x{b:x2}",
            });
        }

        return text.ToString();
    }
}
