using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace HostedMail.IntegrationTests.Outbound;

/// <summary>One message as the scripted peer received it.</summary>
public sealed record PeerMessage(string From, IReadOnlyList<string> Recipients, byte[] Data, bool OverTls, string MailCommand);

/// <summary>
/// A receiving SMTP server on loopback whose answers the test scripts: which extensions it
/// advertises, whether it offers STARTTLS (with a self-signed certificate), and the reply to each
/// RCPT and to the end of each message. It records every command and every accepted message.
/// </summary>
public sealed class ScriptedSmtpPeer : IAsyncDisposable
{
    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource stop = new();
    private readonly Task acceptLoop;
    private readonly X509Certificate2? certificate;
    private int dataCount;

    public ScriptedSmtpPeer(X509Certificate2? certificate = null)
    {
        this.certificate = certificate;
        listener.Start();
        acceptLoop = Task.Run(AcceptAsync);
    }

    public int Port => ((IPEndPoint)listener.LocalEndpoint).Port;

    public bool Pipelining { get; set; } = true;

    public bool Chunking { get; set; }

    public string ExtraExtensions { get; set; } = string.Empty;

    /// <summary>The reply to RCPT TO for an address.</summary>
    public Func<string, string> OnRcpt { get; set; } = _ => "250 2.1.5 OK";

    /// <summary>The reply after the data of the n-th message (0-based over the peer's lifetime).</summary>
    public Func<int, string> OnData { get; set; } = _ => "250 2.0.0 queued";

    public ConcurrentQueue<PeerMessage> Received { get; } = new();

    /// <summary>How long the peer takes before it answers a message's data (a slow receiver).</summary>
    public TimeSpan DataDelay { get; set; } = TimeSpan.Zero;

    private int transactions;
    private int maxTransactions;

    /// <summary>
    /// The most mail transactions (MAIL to the data's reply) open at once over all connections. A
    /// transaction lies inside its connection's life and inside the sender's hold of its slot, so
    /// this never over-counts the sender's connections.
    /// </summary>
    public int MaxConcurrentTransactions => Volatile.Read(ref maxTransactions);

    public ConcurrentQueue<string> Commands { get; } = new();

    private int connections;

    public int Connections => Volatile.Read(ref connections);

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        listener.Stop();
        try
        {
            await acceptLoop;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!stop.IsCancellationRequested)
        {
            var client = await listener.AcceptTcpClientAsync(stop.Token);
            Interlocked.Increment(ref connections);
            _ = Task.Run(async () =>
            {
                using (client)
                {
                    try
                    {
                        await ServeAsync(client.GetStream());
                    }
                    catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException or System.Security.Authentication.AuthenticationException)
                    {
                    }
                }
            });
        }
    }

    private async Task ServeAsync(Stream network)
    {
        var io = new PeerIo(network);
        var tls = false;
        string? from = null;
        var recipients = new List<string>();
        string mailCommand = string.Empty;
        await io.WriteAsync("220 peer.test ESMTP scripted\r\n");
        while (await io.ReadLineAsync(stop.Token) is { } line)
        {
            Commands.Enqueue(line);
            var verb = line.Split(' ')[0].ToUpperInvariant();
            switch (verb)
            {
                case "EHLO":
                    var ext = new StringBuilder("250-peer.test\r\n");
                    if (Pipelining) ext.Append("250-PIPELINING\r\n");
                    if (Chunking) ext.Append("250-CHUNKING\r\n");
                    if (certificate is not null && !tls) ext.Append("250-STARTTLS\r\n");
                    ext.Append(ExtraExtensions);
                    ext.Append("250-8BITMIME\r\n250-SIZE 10000000\r\n250 ENHANCEDSTATUSCODES\r\n");
                    await io.WriteAsync(ext.ToString());
                    break;
                case "STARTTLS" when certificate is not null:
                    await io.WriteAsync("220 2.0.0 go ahead\r\n");
                    await io.StartTlsAsync(certificate);
                    tls = true;
                    break;
                case "MAIL":
                    var open = Interlocked.Increment(ref transactions);
                    int seen;
                    while (open > (seen = Volatile.Read(ref maxTransactions)) && Interlocked.CompareExchange(ref maxTransactions, open, seen) != seen)
                    {
                    }

                    from = Between(line, '<', '>');
                    mailCommand = line;
                    recipients.Clear();
                    await io.WriteAsync("250 2.1.0 OK\r\n");
                    break;
                case "RCPT":
                    var reply = OnRcpt(Between(line, '<', '>'));
                    if (reply.StartsWith('2'))
                    {
                        recipients.Add(Between(line, '<', '>'));
                    }

                    await io.WriteAsync(reply + "\r\n");
                    break;
                case "DATA":
                    if (recipients.Count == 0)
                    {
                        await io.WriteAsync("554 5.5.1 no valid recipients\r\n");
                        break;
                    }

                    await io.WriteAsync("354 go ahead\r\n");
                    var data = await io.ReadDataAsync(stop.Token);
                    await FinishAsync(io, from!, recipients, data, tls, mailCommand);
                    break;
                case "BDAT":
                    var size = int.Parse(line.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
                    var chunk = await io.ReadBytesAsync(size, stop.Token);
                    await FinishAsync(io, from!, recipients, chunk, tls, mailCommand);
                    break;
                case "RSET":
                    recipients.Clear();
                    await io.WriteAsync("250 2.0.0 OK\r\n");
                    break;
                case "QUIT":
                    await io.WriteAsync("221 2.0.0 bye\r\n");
                    return;
                default:
                    await io.WriteAsync("502 5.5.1 not implemented\r\n");
                    break;
            }
        }
    }

    private async Task FinishAsync(PeerIo io, string from, List<string> recipients, byte[] data, bool tls, string mailCommand)
    {
        if (DataDelay > TimeSpan.Zero)
        {
            await Task.Delay(DataDelay, stop.Token);
        }

        // The transaction ends before its reply is sent: the sender cannot have moved on yet.
        Interlocked.Decrement(ref transactions);
        var reply = OnData(Interlocked.Increment(ref dataCount) - 1);
        if (reply.StartsWith('2'))
        {
            Received.Enqueue(new PeerMessage(from, recipients.ToList(), data, tls, mailCommand));
        }

        recipients.Clear();
        await io.WriteAsync(reply + "\r\n");
    }

    private static string Between(string line, char open, char close)
    {
        var start = line.IndexOf(open, StringComparison.Ordinal) + 1;
        return line[start..line.IndexOf(close, start)];
    }

    /// <summary>Line and byte reading over a stream that may switch to TLS.</summary>
    private sealed class PeerIo(Stream stream)
    {
        private readonly byte[] buffer = new byte[64 * 1024];
        private int start;
        private int end;
        private Stream stream = stream;

        public async Task WriteAsync(string text)
        {
            await stream.WriteAsync(Encoding.UTF8.GetBytes(text));
            await stream.FlushAsync();
        }

        public async Task StartTlsAsync(X509Certificate2 certificate)
        {
            var ssl = new SslStream(stream);
            await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = certificate });
            stream = ssl;
        }

        public async Task<string?> ReadLineAsync(CancellationToken cancellationToken)
        {
            var bytes = await ReadUntilAsync("\r\n"u8.ToArray(), cancellationToken);
            return bytes is null ? null : Encoding.UTF8.GetString(bytes);
        }

        /// <summary>Reads a DATA body up to CRLF.CRLF and undoes dot-stuffing (RFC 5321 section 4.5.2).</summary>
        public async Task<byte[]> ReadDataAsync(CancellationToken cancellationToken)
        {
            var output = new MemoryStream();
            while (await ReadUntilAsync("\r\n"u8.ToArray(), cancellationToken) is { } line)
            {
                if (line.Length == 1 && line[0] == (byte)'.')
                {
                    return output.ToArray();
                }

                output.Write(line.AsSpan(line.Length > 0 && line[0] == (byte)'.' ? 1 : 0));
                output.Write("\r\n"u8);
            }

            throw new IOException("connection closed in DATA");
        }

        public async Task<byte[]> ReadBytesAsync(int count, CancellationToken cancellationToken)
        {
            var output = new byte[count];
            var have = 0;
            while (have < count)
            {
                if (start == end && !await FillAsync(cancellationToken))
                {
                    throw new IOException("connection closed in BDAT");
                }

                var n = Math.Min(count - have, end - start);
                buffer.AsSpan(start, n).CopyTo(output.AsSpan(have));
                start += n;
                have += n;
            }

            return output;
        }

        private async Task<byte[]?> ReadUntilAsync(byte[] terminator, CancellationToken cancellationToken)
        {
            var line = new MemoryStream();
            while (true)
            {
                var index = buffer.AsSpan(start, end - start).IndexOf(terminator);
                if (index >= 0)
                {
                    line.Write(buffer, start, index);
                    start += index + terminator.Length;
                    return line.ToArray();
                }

                // Keep the last byte: the terminator may straddle two reads.
                var keep = end - start > 0 ? 1 : 0;
                line.Write(buffer, start, end - start - keep);
                start = end - keep;
                if (!await FillAsync(cancellationToken))
                {
                    return null;
                }
            }
        }

        private async Task<bool> FillAsync(CancellationToken cancellationToken)
        {
            if (start > 0)
            {
                buffer.AsSpan(start, end - start).CopyTo(buffer);
                end -= start;
                start = 0;
            }

            var n = await stream.ReadAsync(buffer.AsMemory(end), cancellationToken);
            end += n;
            return n > 0;
        }
    }
}
