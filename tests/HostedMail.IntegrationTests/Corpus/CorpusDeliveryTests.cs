using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using HostedMail.IntegrationTests.Outbound;
using HostedMail.Testing.Corpus;

namespace HostedMail.IntegrationTests.Corpus;

/// <summary>
/// The whole corpus (1,000 generated messages and Debian's real ones) through a real node:
/// SMTP in and IMAP out byte for byte, IMAP APPEND and FETCH byte for byte, and a real Postfix
/// as the reference MTA (whatever it accepts we accept) relaying a sample to us intact.
/// </summary>
public sealed partial class CorpusDeliveryTests(CorpusNode node) : IClassFixture<CorpusNode>
{
    private const int Workers = 4;

    private static readonly IReadOnlyList<CorpusMessage> Corpus = [.. RealWorldCorpus.Generate(), .. DebianMailCorpus.Load()];

    /// <summary>
    /// Corpus messages that show a server bug outside the files of this change: (test, message
    /// name) and the reason. Each test checks that its entries still fail, so a fix cannot go
    /// unnoticed and the list cannot rot. Empty: the whole corpus passes all three tests.
    /// </summary>
    private static readonly Dictionary<(string Test, string Message), string> KnownFailures = [];

    [Fact]
    public async Task EveryCorpusMessageDeliveredOverSmtpIsFetchedBackOverImapWithTheSameBytes()
    {
        var replies = await DeliverToOurMxAsync();
        var failures = new List<string>();
        foreach (var (m, i) in Corpus.Select((m, i) => (m, i)))
        {
            if (!replies[i].StartsWith("250 ", StringComparison.Ordinal))
            {
                failures.Add($"{m.Name}: refused: {replies[i]}");
            }
        }

        var stored = await FetchAllAsync("alice@acme.example");
        var bySender = IndexByReturnPath(stored, "c");
        foreach (var (m, i) in Corpus.Select((m, i) => (m, i)))
        {
            if (!replies[i].StartsWith("250 ", StringComparison.Ordinal))
            {
                continue;
            }

            if (!bySender.TryGetValue(i, out var fetched))
            {
                failures.Add($"{m.Name}: accepted but not in INBOX");
                continue;
            }

            // RFC 5321 section 4.4: the receiving MTA prepends trace fields (Return-Path,
            // Received; RFC 8601 Authentication-Results); everything after them is the content
            // exactly as sent, with line ends as SMTP carries them (CRLF, section 2.3.8).
            string? problem = CheckTail(fetched.Body, m.CanonicalCrLf(), ["Return-Path", "Authentication-Results", "Received"]);
            if (problem is not null)
            {
                failures.Add($"{m.Name}: {problem}");
            }

            if (fetched.Size != fetched.Body.Length)
            {
                failures.Add($"{m.Name}: RFC822.SIZE {fetched.Size} but BODY[] has {fetched.Body.Length} octets");
            }
        }

        AssertOnlyKnownFailures(failures);
        Assert.Equal(Corpus.Count - KnownFailures.Keys.Count(k => k.Test == nameof(EveryCorpusMessageDeliveredOverSmtpIsFetchedBackOverImapWithTheSameBytes)), bySender.Count);
    }

    [Fact]
    public async Task EveryCorpusMessageAppendedOverImapIsFetchedBackExactlyWithItsSize()
    {
        // RFC 9051 section 6.3.12: APPEND stores the literal's octets; bare LF, 8-bit and
        // binary content come back as given (FETCH BODY[] and RFC822.SIZE, section 7.5.2).
        await using var imap = await CorpusWire.ConnectAsync(node.ImapPort);
        await imap.ReadImapResponseAsync();
        Assert.StartsWith("L OK", (await imap.ImapAsync("L", $"LOGIN bob@acme.example \"{CorpusNode.Password}\"")).Completion, StringComparison.Ordinal);
        var uidToIndex = new Dictionary<long, int>();
        var failures = new List<string>();
        const int batch = 50;
        for (int start = 0; start < Corpus.Count; start += batch)
        {
            var buffer = new MemoryStream();
            int end = Math.Min(Corpus.Count, start + batch);
            for (int i = start; i < end; i++)
            {
                // LITERAL+ (RFC 7888): the whole batch goes out in one write.
                buffer.Write(Encoding.ASCII.GetBytes($"A{i} APPEND INBOX {{{Corpus[i].Bytes.Length}+}}\r\n"));
                buffer.Write(Corpus[i].Bytes);
                buffer.Write("\r\n"u8);
            }

            await imap.WriteAsync(buffer.ToArray());
            for (int i = start; i < end; i++)
            {
                var (completion, _) = await imap.ReadUntilTaggedAsync($"A{i}");
                Match uid = AppendUid().Match(completion);
                if (!uid.Success)
                {
                    failures.Add($"{Corpus[i].Name}: APPEND answered {completion}");
                    continue;
                }

                uidToIndex[long.Parse(uid.Groups[1].Value, CultureInfo.InvariantCulture)] = i;
            }
        }

        Assert.StartsWith("S OK", (await imap.ImapAsync("S", "SELECT INBOX")).Completion, StringComparison.Ordinal);
        var (done, untagged) = await imap.ImapAsync("F", "UID FETCH 1:* (UID RFC822.SIZE BODY.PEEK[])");
        Assert.StartsWith("F OK", done, StringComparison.Ordinal);
        foreach (var (text, literals) in untagged.Where(u => u.Text.Contains(" FETCH ", StringComparison.Ordinal)))
        {
            var f = Parse(text, literals);
            if (!uidToIndex.Remove(f.Uid, out int i))
            {
                continue;
            }

            CorpusMessage m = Corpus[i];
            if (!f.Body.AsSpan().SequenceEqual(m.Bytes))
            {
                failures.Add($"{m.Name}: BODY[] differs from the appended octets at {FirstDifference(f.Body, m.Bytes)} ({f.Body.Length} vs {m.Bytes.Length} octets)");
            }

            if (f.Size != m.Bytes.Length)
            {
                failures.Add($"{m.Name}: RFC822.SIZE {f.Size}, appended {m.Bytes.Length}");
            }
        }

        failures.AddRange(uidToIndex.Values.Select(i => $"{Corpus[i].Name}: appended but not fetched"));
        AssertOnlyKnownFailures(failures);
    }

    [Fact]
    public async Task PostfixAcceptsNothingWeRefuseAndWhatItRelaysToUsIsStoredAsRelayed()
    {
        // Postfix (Debian) is the reference MTA. Every corpus message goes to it for its own
        // maildir; one in ten also to erin@acme.example, which it relays to our MX. Its maildir
        // copy shows what it relayed (it rewrites some things itself: drops Return-Path,
        // RFC 5321 section 4.4; turns a leading mbox "From " line into X-Mailbox-Line; ends the
        // header at "Keywords :"), and our stored copy must be exactly that after our trace fields.
        var postfix = new PostfixInstance
        {
            ExtraConfiguration = $"""
                relayhost = [127.0.0.1]:{node.SmtpPort}
                smtp_tls_security_level = none
                # Relay what clients send as they send it: no header rewriting, no added headers.
                local_header_rewrite_clients =
                """,
        };
        await postfix.InitializeAsync();
        try
        {
            bool Sample(int i) => i % 10 == 3;
            var postfixReplies = await DeliverAsync(postfix.Port, i => $"relay-{i:D4}@postfix.test", i => Sample(i) ? ["box@interop.example", "erin@acme.example"] : ["box@interop.example"]);
            var ours = await DeliverToOurMxAsync();
            var failures = new List<string>();
            for (int i = 0; i < Corpus.Count; i++)
            {
                if (postfixReplies[i].StartsWith("250 ", StringComparison.Ordinal) && !ours[i].StartsWith("250 ", StringComparison.Ordinal))
                {
                    failures.Add($"{Corpus[i].Name}: Postfix accepted, we answered {ours[i]}");
                }
            }

            var sample = Enumerable.Range(0, Corpus.Count).Where(i => Sample(i) && postfixReplies[i].StartsWith("250 ", StringComparison.Ordinal)).ToList();
            Assert.True(sample.Count >= 100, $"only {sample.Count} relayed");
            var postfixCopies = await MaildirAsync(postfix, postfixReplies.Count(r => r.StartsWith("250 ", StringComparison.Ordinal)));
            await node.WaitForCountAsync("erin@acme.example", "Return-Path: <relay-", sample.Count, TimeSpan.FromMinutes(5));
            var relayed = IndexByReturnPath(await FetchAllAsync("erin@acme.example"), "relay-");
            int unchangedByPostfix = 0;
            foreach (int i in sample)
            {
                CorpusMessage m = Corpus[i];
                if (!relayed.TryGetValue(i, out var fetched))
                {
                    failures.Add($"{m.Name}: Postfix accepted it for relay, it never arrived");
                    continue;
                }

                // The maildir copy: Return-Path and Delivered-To from the virtual agent, then the
                // queue file as relayed (Postfix's Received first), LF line ends.
                string copy = postfixCopies[i];
                int afterDeliveredTo = copy.IndexOf('\n', copy.IndexOf("\nDelivered-To:", StringComparison.Ordinal) + 1) + 1;
                byte[] asRelayed = Encoding.Latin1.GetBytes(copy[afterDeliveredTo..].Replace("\n", "\r\n", StringComparison.Ordinal));
                if (m.MaxLineLength > 998)
                {
                    // Postfix's smtp client also breaks lines over smtp_line_length_limit (998,
                    // RFC 5322 section 2.1.1) with CRLF SPACE on the way out; compare unfolded.
                    asRelayed = Encoding.Latin1.GetBytes(Encoding.Latin1.GetString(asRelayed).Replace("\r\n ", "", StringComparison.Ordinal));
                    fetched = (fetched.Uid, fetched.Size, Encoding.Latin1.GetBytes(Encoding.Latin1.GetString(fetched.Body).Replace("\r\n ", "", StringComparison.Ordinal)));
                }

                string? problem = CheckTail(fetched.Body, asRelayed, ["Return-Path", "Authentication-Results", "Received"]);
                if (problem is not null)
                {
                    failures.Add($"{m.Name}: relayed through Postfix: {problem}");
                }

                unchangedByPostfix += CheckTail(fetched.Body, m.CanonicalCrLf(), ["Return-Path", "Authentication-Results", "Received"]) is null ? 1 : 0;
            }

            AssertOnlyKnownFailures(failures);
            // Postfix rewrites only the odd few (see above); the sample is otherwise intact end to end.
            Assert.True(unchangedByPostfix >= sample.Count - 10, $"{unchangedByPostfix} of {sample.Count} arrived exactly as sent");
        }
        finally
        {
            await postfix.DisposeAsync();
        }
    }

    /// <summary>Waits (woken by file events, no sleeps) for <paramref name="count"/> files in Postfix's maildir and reads them by corpus index.</summary>
    private static async Task<Dictionary<int, string>> MaildirAsync(PostfixInstance postfix, int count)
    {
        string newDir = Path.Combine(postfix.Maildir, "new");
        Directory.CreateDirectory(newDir);
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var watcher = new FileSystemWatcher(postfix.Maildir) { IncludeSubdirectories = true, EnableRaisingEvents = true };
        void Check()
        {
            if (Directory.GetFiles(newDir).Length >= count)
            {
                done.TrySetResult();
            }
        }

        watcher.Created += (_, _) => Check();
        watcher.Renamed += (_, _) => Check();
        Check();
        try
        {
            await done.Task.WaitAsync(TimeSpan.FromMinutes(5));
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"Postfix's maildir has {Directory.GetFiles(newDir).Length} of {count}; its log:\n" + postfix.Log);
        }

        var copies = new Dictionary<int, string>();
        foreach (string file in Directory.GetFiles(newDir))
        {
            string text = Encoding.Latin1.GetString(await File.ReadAllBytesAsync(file));
            Match m = Regex.Match(text, @"^Return-Path: <relay-(\d{4})@");
            if (m.Success)
            {
                copies[int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)] = text;
            }
        }

        return copies;
    }

    private Task<string[]> DeliverToOurMxAsync() =>
        node.OnceAsync("mx-replies", () => DeliverAsync(node.SmtpPort, i => $"c{i:D4}@outside.example", _ => ["alice@acme.example"]));

    /// <summary>
    /// Delivers every corpus message over SMTP from <see cref="Workers"/> connections at once,
    /// each reusing its connection for transaction after transaction (reconnecting only when
    /// the server ended the session). Returns the deciding reply per message.
    /// </summary>
    private static async Task<string[]> DeliverAsync(int port, Func<int, string> from, Func<int, string[]> to)
    {
        var replies = new string[Corpus.Count];
        var queue = new ConcurrentQueue<int>(Enumerable.Range(0, Corpus.Count));
        await Task.WhenAll(Enumerable.Range(0, Workers).Select(async _ =>
        {
            CorpusWire? smtp = null;
            try
            {
                while (queue.TryDequeue(out int i))
                {
                    if (smtp is null)
                    {
                        smtp = await CorpusWire.ConnectAsync(port);
                        await smtp.SmtpHelloAsync("corpus.outside.example");
                    }

                    CorpusMessage m = Corpus[i];
                    byte[] content = m.CanonicalCrLf();
                    try
                    {
                        replies[i] = await smtp.SendMessageAsync(from(i), to(i), content, Array.Exists(content, b => b > 127), m.HasEightBitHeaders);
                    }
                    catch (IOException e)
                    {
                        // RFC 5321 section 4.1.1: every command gets a reply; a closed
                        // connection without one is a failure of its own.
                        replies[i] = "no reply: " + e.Message;
                        await smtp.DisposeAsync();
                        smtp = null;
                    }
                }
            }
            finally
            {
                if (smtp is not null)
                {
                    await smtp.DisposeAsync();
                }
            }
        }));
        return replies;
    }

    private async Task<List<(long Uid, long Size, byte[] Body)>> FetchAllAsync(string address)
    {
        await using var imap = await CorpusWire.ConnectAsync(node.ImapPort);
        await imap.ReadImapResponseAsync();
        Assert.StartsWith("L OK", (await imap.ImapAsync("L", $"LOGIN {address} \"{CorpusNode.Password}\"")).Completion, StringComparison.Ordinal);
        Assert.StartsWith("S OK", (await imap.ImapAsync("S", "EXAMINE INBOX")).Completion, StringComparison.Ordinal);
        var (done, untagged) = await imap.ImapAsync("F", "UID FETCH 1:* (UID RFC822.SIZE BODY.PEEK[])");
        Assert.StartsWith("F OK", done, StringComparison.Ordinal);
        return [.. untagged.Where(u => u.Text.Contains(" FETCH ", StringComparison.Ordinal)).Select(u => Parse(u.Text, u.Literals))];
    }

    private static (long Uid, long Size, byte[] Body) Parse(string text, List<byte[]> literals)
    {
        Match uid = Regex.Match(text, @"\bUID (\d+)");
        Match size = Regex.Match(text, @"\bRFC822\.SIZE (\d+)");
        Assert.True(uid.Success && size.Success && literals.Count == 1 && text.Contains("BODY[] {", StringComparison.Ordinal), "unexpected FETCH response: " + text);
        return (long.Parse(uid.Groups[1].Value, CultureInfo.InvariantCulture), long.Parse(size.Groups[1].Value, CultureInfo.InvariantCulture), literals[0]);
    }

    /// <summary>Stored messages by corpus index, read from "Return-Path: &lt;{prefix}NNNN@".</summary>
    private static Dictionary<int, (long Uid, long Size, byte[] Body)> IndexByReturnPath(List<(long Uid, long Size, byte[] Body)> stored, string prefix)
    {
        var map = new Dictionary<int, (long, long, byte[])>();
        foreach (var s in stored)
        {
            Match m = Regex.Match(Encoding.Latin1.GetString(s.Body, 0, Math.Min(64, s.Body.Length)), "^Return-Path: <" + Regex.Escape(prefix) + @"(\d{4})@");
            if (m.Success)
            {
                map[int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)] = s;
            }
        }

        return map;
    }

    /// <summary>Null when <paramref name="stored"/> is trace fields (only those named) followed by exactly <paramref name="sent"/>.</summary>
    private static string? CheckTail(byte[] stored, byte[] sent, string[] traceFields)
    {
        if (stored.Length < sent.Length || !stored.AsSpan(stored.Length - sent.Length).SequenceEqual(sent))
        {
            return $"stored octets do not end with the sent ones ({stored.Length} stored, {sent.Length} sent; first difference from the end at {LastDifference(stored, sent)})";
        }

        string prefix = Encoding.Latin1.GetString(stored, 0, stored.Length - sent.Length);
        foreach (string line in prefix.Split("\r\n").Where(l => l.Length > 0 && l[0] is not (' ' or '\t')))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0 || !traceFields.Contains(line[..colon], StringComparer.OrdinalIgnoreCase))
            {
                return "unexpected prepended line: " + line;
            }
        }

        return prefix.EndsWith("\r\n", StringComparison.Ordinal) ? null : "prepended trace fields do not end with CRLF";
    }

    private static int FirstDifference(byte[] a, byte[] b) => a.AsSpan().CommonPrefixLength(b);

    private static int LastDifference(byte[] a, byte[] b)
    {
        int n = 0;
        while (n < a.Length && n < b.Length && a[^(n + 1)] == b[^(n + 1)])
        {
            n++;
        }

        return n;
    }

    private static void AssertOnlyKnownFailures(List<string> failures, [System.Runtime.CompilerServices.CallerMemberName] string test = "")
    {
        static string NameOf(string failure) => failure[..failure.IndexOf(':', StringComparison.Ordinal)];
        var unknown = failures.Where(f => !KnownFailures.ContainsKey((test, NameOf(f)))).ToList();
        Assert.True(unknown.Count == 0, $"{unknown.Count} corpus failures:\n" + string.Join("\n", unknown.Take(40)));
        foreach (var known in KnownFailures.Keys.Where(k => k.Test == test))
        {
            Assert.True(failures.Exists(f => NameOf(f) == known.Message), $"{known.Message} passes now ({KnownFailures[known]}): remove it from KnownFailures");
        }
    }

    [GeneratedRegex(@"\[APPENDUID \d+ (\d+)\]")]
    private static partial Regex AppendUid();
}
