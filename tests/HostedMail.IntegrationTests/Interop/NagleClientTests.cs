using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
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
        await using var smtp = await NagleClient.ConnectAsync(node.SmtpPort);
        await smtp.ReadUntilAsync(l => l.StartsWith("220 ", StringComparison.Ordinal));
        await smtp.SendAsync("EHLO nagle.example\r\n");
        await smtp.ReadUntilAsync(l => l.StartsWith("250 ", StringComparison.Ordinal));

        var median = await MedianAsync(() => smtp.RoundTripAsync(["NOOP", "\r\n"], l => l.StartsWith("250 ", StringComparison.Ordinal)));
        Assert.True(median < MedianLimitMs, $"SMTP NOOP in two writes: median {median:F1} ms");
    }

    [Fact]
    public async Task ImapLinesAndLiteralPlusAppendsWrittenInPiecesAreAnsweredAtOnce()
    {
        await using var imap = await NagleClient.ConnectAsync(node.ImapPort);
        await imap.ReadUntilAsync(l => l.StartsWith("* OK", StringComparison.Ordinal));
        await imap.SendAsync($"l LOGIN carol@acme.example \"{MailNode.Password}\"\r\n");
        await imap.ReadUntilAsync(l => l.StartsWith("l OK", StringComparison.Ordinal));

        var tag = 0;
        var noop = await MedianAsync(() =>
        {
            var t = "n" + ++tag;
            return imap.RoundTripAsync([t + " NO", "OP\r\n"], l => l.StartsWith(t + " OK", StringComparison.Ordinal));
        });
        Assert.True(noop < MedianLimitMs, $"IMAP NOOP in two writes: median {noop:F1} ms");

        // RFC 7888 LITERAL+: command line, literal and CRLF in three writes, no go-ahead between.
        var message = "From: Ann <ann@example.org>\r\nSubject: nagle\r\nDate: Mon, 07 Dec 2026 10:00:00 +0100\r\n\r\n" + string.Concat(Enumerable.Repeat("a line of a message body, as long as mail is\r\n", 100));
        var append = await MedianAsync(() =>
        {
            var t = "a" + ++tag;
            return imap.RoundTripAsync([$"{t} APPEND INBOX {{{message.Length}+}}\r\n", message, "\r\n"], l => l.StartsWith(t + " OK", StringComparison.Ordinal));
        });
        Assert.True(append < MedianLimitMs, $"IMAP LITERAL+ APPEND in three writes: median {append:F1} ms");
    }

    [Fact]
    public async Task Pop3LinesWrittenInTwoPiecesOverTlsAreAnsweredAtOnce()
    {
        await using var pop3 = await NagleClient.ConnectAsync(node.Pop3sPort, tls: true);
        await pop3.ReadUntilAsync(l => l.StartsWith("+OK", StringComparison.Ordinal));
        await pop3.SendAsync("USER dave@acme.example\r\n");
        await pop3.ReadUntilAsync(l => l.StartsWith("+OK", StringComparison.Ordinal));
        await pop3.SendAsync($"PASS {MailNode.Password}\r\n");
        await pop3.ReadUntilAsync(l => l.StartsWith("+OK", StringComparison.Ordinal));

        // Each write is a TLS record of its own, so the second waits on the first's acknowledgement.
        var median = await MedianAsync(() => pop3.RoundTripAsync(["NO", "OP\r\n"], l => l.StartsWith("+OK", StringComparison.Ordinal)));
        Assert.True(median < MedianLimitMs, $"POP3 NOOP in two writes over TLS: median {median:F1} ms");
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

    /// <summary>A client socket with Nagle's algorithm on that writes each piece with a call of its own.</summary>
    private sealed class NagleClient : IAsyncDisposable
    {
        private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
        private readonly TcpClient _tcp;
        private readonly Stream _stream;
        private readonly List<byte> _pending = [];
        private readonly byte[] _buffer = new byte[16384];

        private NagleClient(TcpClient tcp, Stream stream)
        {
            _tcp = tcp;
            _stream = stream;
        }

        public static async Task<NagleClient> ConnectAsync(int port, bool tls = false)
        {
            var tcp = new TcpClient { NoDelay = false };
            await tcp.ConnectAsync(IPAddress.Loopback, port).WaitAsync(Timeout);
            Stream stream = tcp.GetStream();
            if (tls)
            {
                // The node's certificate is self-signed per run; the timing is under test, not the chain.
#pragma warning disable CA5359
                var ssl = new SslStream(stream, false, (_, _, _, _) => true);
#pragma warning restore CA5359
                await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost" }).WaitAsync(Timeout);
                stream = ssl;
            }

            return new NagleClient(tcp, stream);
        }

        public async Task SendAsync(string text) => await _stream.WriteAsync(Encoding.ASCII.GetBytes(text)).AsTask().WaitAsync(Timeout);

        /// <summary>Writes the pieces one call each, then reads to the reply's last line; milliseconds from the first write.</summary>
        public async Task<double> RoundTripAsync(string[] pieces, Func<string, bool> last)
        {
            var clock = Stopwatch.StartNew();
            foreach (var piece in pieces)
            {
                await SendAsync(piece);
            }

            await ReadUntilAsync(last);
            return clock.Elapsed.TotalMilliseconds;
        }

        public async Task<string> ReadUntilAsync(Func<string, bool> last)
        {
            while (true)
            {
                var lf = _pending.IndexOf((byte)'\n');
                if (lf >= 0)
                {
                    var line = Encoding.ASCII.GetString(_pending.GetRange(0, lf).ToArray()).TrimEnd('\r');
                    _pending.RemoveRange(0, lf + 1);
                    if (last(line))
                    {
                        return line;
                    }

                    Assert.False(line.StartsWith('5') || line.Contains(" BAD ", StringComparison.Ordinal) || line.Contains(" NO ", StringComparison.Ordinal) || line.StartsWith("-ERR", StringComparison.Ordinal), line);
                    continue;
                }

                var read = await _stream.ReadAsync(_buffer).AsTask().WaitAsync(Timeout);
                Assert.True(read > 0, "the node closed the connection");
                _pending.AddRange(_buffer.AsSpan(0, read).ToArray());
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stream.DisposeAsync();
            _tcp.Dispose();
        }
    }
}
