using System.Diagnostics;
using System.Text;
using HostedMail.IntegrationTests.Corpus;

namespace HostedMail.IntegrationTests.Interop;

/// <summary>
/// Clients that leave Nagle's algorithm on (the socket default: Python's imaplib and smtplib,
/// scripts, many libraries) and write one command in pieces. Their second piece waits until the
/// node acknowledges the first, and once a connection looks interactive Linux delays that
/// acknowledgement by 40 ms or more, hoping to carry it on a reply that cannot come before the
/// rest of the command: every such command took 40 ms or more until the sessions asked for the
/// acknowledgement at once (MailConnection.AcknowledgeReceived). Each case is timed over nine
/// rounds and its median must stay far below that 40 ms floor.
/// </summary>
public sealed class NagleClientTests(CorpusNode node) : IClassFixture<CorpusNode>
{
    private const int Rounds = 9;
    private const double MedianLimitMs = 25;

    [Fact]
    public async Task SmtpCommandLinesWrittenInTwoPiecesAreAnsweredAtOnce()
    {
        await using var smtp = await CorpusWire.ConnectAsync(node.SmtpPort, nagle: true);
        await smtp.SmtpHelloAsync("nagle.example");

        var median = await MedianAsync(async () =>
        {
            var clock = await WriteAsync(smtp, "NOOP", "\r\n");
            Assert.StartsWith("250 ", await smtp.ReadSmtpReplyAsync(), StringComparison.Ordinal);
            return clock.Elapsed.TotalMilliseconds;
        });
        Assert.True(median < MedianLimitMs, $"SMTP NOOP in two writes: median {median:F1} ms");
    }

    [Fact]
    public async Task ImapLinesAndLiteralPlusAppendsWrittenInPiecesAreAnsweredAtOnce()
    {
        await using var imap = await CorpusWire.ConnectAsync(node.ImapPort, nagle: true);
        await imap.ReadImapResponseAsync();
        Assert.StartsWith("l OK", (await imap.ImapAsync("l", $"LOGIN carol@acme.example \"{MailNode.Password}\"")).Completion, StringComparison.Ordinal);

        var tag = 0;
        var noop = await MedianAsync(() => RoundTripAsync(imap, "n" + ++tag, [" NO", "OP\r\n"]));
        Assert.True(noop < MedianLimitMs, $"IMAP NOOP in two writes: median {noop:F1} ms");

        // RFC 7888 LITERAL+: command line, literal and CRLF in three writes, no go-ahead between.
        var message = "From: Ann <ann@example.org>\r\nSubject: nagle\r\nDate: Mon, 07 Dec 2026 10:00:00 +0100\r\n\r\n" + string.Concat(Enumerable.Repeat("a line of a message body, as long as mail is\r\n", 100));
        // An APPEND also waits for its durable commit, which the other test classes' load on the
        // machine can stretch past the limit: the pieces are judged against the same APPEND in one
        // write, sent right before each time (a held acknowledgement adds 40 ms or more).
        var whole = new List<double>();
        var append = await MedianAsync(async () =>
        {
            whole.Add(await RoundTripAsync(imap, "w" + ++tag, [$" APPEND INBOX {{{message.Length}+}}\r\n{message}\r\n"]));
            return await RoundTripAsync(imap, "a" + ++tag, [$" APPEND INBOX {{{message.Length}+}}\r\n", message, "\r\n"]);
        });
        whole.Sort();
        var extra = append - whole[Rounds / 2];
        Assert.True(extra < MedianLimitMs - 5, $"IMAP LITERAL+ APPEND in three writes: median {append:F1} ms, {extra:F1} ms more than in one write");
    }

    [Fact]
    public async Task Pop3LinesWrittenInTwoPiecesOverTlsAreAnsweredAtOnce()
    {
        await using var pop3 = await CorpusWire.ConnectAsync(node.Pop3sPort, tls: true, nagle: true);
        await Pop3OkAsync(pop3);
        await pop3.WriteAsync("USER dave@acme.example\r\n");
        await Pop3OkAsync(pop3);
        await pop3.WriteAsync($"PASS {MailNode.Password}\r\n");
        await Pop3OkAsync(pop3);

        // Each write is a TLS record of its own, so the second waits on the first's acknowledgement.
        var median = await MedianAsync(async () =>
        {
            var clock = await WriteAsync(pop3, "NO", "OP\r\n");
            await Pop3OkAsync(pop3);
            return clock.Elapsed.TotalMilliseconds;
        });
        Assert.True(median < MedianLimitMs, $"POP3 NOOP in two writes over TLS: median {median:F1} ms");
    }

    /// <summary>Writes the pieces one call each and starts the clock at the first.</summary>
    private static async Task<Stopwatch> WriteAsync(CorpusWire wire, params string[] pieces)
    {
        var clock = Stopwatch.StartNew();
        foreach (var piece in pieces)
        {
            await wire.WriteAsync(piece);
        }

        return clock;
    }

    /// <summary>A tagged IMAP command written in pieces (the first after the tag); milliseconds to its OK.</summary>
    private static async Task<double> RoundTripAsync(CorpusWire imap, string tag, string[] pieces)
    {
        var clock = await WriteAsync(imap, [tag + pieces[0], .. pieces[1..]]);
        Assert.StartsWith(tag + " OK", (await imap.ReadUntilTaggedAsync(tag)).Completion, StringComparison.Ordinal);
        return clock.Elapsed.TotalMilliseconds;
    }

    private static async Task Pop3OkAsync(CorpusWire pop3)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var line = await pop3.ReadLineAsync(timeout.Token) ?? throw new IOException("the node closed the connection");
        Assert.StartsWith("+OK", Encoding.ASCII.GetString(line), StringComparison.Ordinal);
    }

    private static async Task<double> MedianAsync(Func<Task<double>> round)
    {
        var times = new List<double>();
        for (var i = 0; i < Rounds; i++)
        {
            times.Add(await round());
        }

        times.Sort();
        return times[Rounds / 2];
    }
}
