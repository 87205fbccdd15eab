using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace HostedMail.Imap.Tests;

/// <summary>
/// A raw IMAP client for scripted conversations: sends exact bytes and reads responses (lines
/// with their literals inlined) until the tagged one. Every read has a timeout; no sleeps.
/// </summary>
public sealed class ImapClient : IAsyncDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private readonly TcpClient _tcp;
    private Stream _stream;
    private readonly List<byte> _buffer = [];
    private int _tag;

    private ImapClient(TcpClient tcp, Stream stream)
    {
        _tcp = tcp;
        _stream = stream;
    }

    public string Greeting { get; private set; } = string.Empty;

    public static async Task<ImapClient> ConnectAsync(int port, bool tls = false)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", port);
        Stream stream = tcp.GetStream();
        if (tls)
        {
            var ssl = new SslStream(stream, false, (_, certificate, _, _) => IsTestCertificate(certificate));
            await ssl.AuthenticateAsClientAsync("localhost");
            stream = ssl;
        }

        var client = new ImapClient(tcp, stream);
        client.Greeting = await client.ReadLineAsync();
        return client;
    }

    /// <summary>Connects and logs in with LOGIN.</summary>
    public static async Task<ImapClient> LoginAsync(int port, string user, string password = ImapTestNode.Password)
    {
        var client = await ConnectAsync(port);
        var lines = await client.CommandAsync($"LOGIN \"{user}\" \"{password}\"");
        Assert.StartsWith("A1 OK", lines[^1], StringComparison.Ordinal);
        return client;
    }

    public async Task UpgradeToTlsAsync()
    {
        var ssl = new SslStream(_stream, false, (_, certificate, _, _) => IsTestCertificate(certificate));
        await ssl.AuthenticateAsClientAsync("localhost");
        _stream = ssl;
    }

    /// <summary>Sends "A{n} command" and returns every response line up to and including the tagged one.</summary>
    public async Task<List<string>> CommandAsync(string command)
    {
        var tag = "A" + ++_tag;
        await SendAsync(tag + " " + command + "\r\n");
        return await ReadUntilTaggedAsync(tag);
    }

    public string NextTag => "A" + (_tag + 1);

    public string TakeTag() => "A" + ++_tag;

    public async Task SendAsync(string raw) => await SendAsync(Encoding.UTF8.GetBytes(raw));

    public async Task SendAsync(byte[] raw)
    {
        using var cts = new CancellationTokenSource(Timeout);
        await _stream.WriteAsync(raw, cts.Token);
        await _stream.FlushAsync(cts.Token);
    }

    public async Task<List<string>> ReadUntilTaggedAsync(string tag)
    {
        var lines = new List<string>();
        while (true)
        {
            var line = await ReadResponseAsync();
            lines.Add(line);
            if (line.StartsWith(tag + " ", StringComparison.Ordinal))
            {
                return lines;
            }
        }
    }

    /// <summary>One response: a line, with any literals it announces read and inlined.</summary>
    public async Task<string> ReadResponseAsync()
    {
        var sb = new StringBuilder();
        while (true)
        {
            var line = await ReadLineAsync();
            sb.Append(line);
            var open = line.LastIndexOf('{');
            if (!line.EndsWith('}') || open < 0 || !int.TryParse(line.AsSpan(open + 1, line.Length - open - 2), out var size))
            {
                return sb.ToString();
            }

            sb.Append("\r\n").Append(Encoding.UTF8.GetString(await ReadBytesAsync(size)));
        }
    }

    public async Task<string> ReadLineAsync()
    {
        using var cts = new CancellationTokenSource(Timeout);
        while (true)
        {
            var lf = _buffer.IndexOf((byte)'\n');
            if (lf >= 0)
            {
                var line = Encoding.UTF8.GetString(_buffer.Take(lf).ToArray()).TrimEnd('\r');
                _buffer.RemoveRange(0, lf + 1);
                return line;
            }

            await FillAsync(cts.Token);
        }
    }

    private async Task<byte[]> ReadBytesAsync(int size)
    {
        using var cts = new CancellationTokenSource(Timeout);
        while (_buffer.Count < size)
        {
            await FillAsync(cts.Token);
        }

        var bytes = _buffer.Take(size).ToArray();
        _buffer.RemoveRange(0, size);
        return bytes;
    }

    private async Task FillAsync(CancellationToken cancellationToken)
    {
        var chunk = new byte[16384];
        var n = await _stream.ReadAsync(chunk, cancellationToken);
        if (n == 0)
        {
            throw new EndOfStreamException("server closed the connection; buffered: " + Encoding.UTF8.GetString(_buffer.ToArray()));
        }

        _buffer.AddRange(chunk.Take(n));
    }

    /// <summary>True when the server closes the connection (reads until EOF).</summary>
    public async Task<bool> IsClosedAsync()
    {
        try
        {
            using var cts = new CancellationTokenSource(Timeout);
            while (true)
            {
                await FillAsync(cts.Token);
            }
        }
        catch (EndOfStreamException)
        {
            return true;
        }
        catch (IOException)
        {
            return true;
        }
    }

    private static bool IsTestCertificate(System.Security.Cryptography.X509Certificates.X509Certificate? certificate) =>
        certificate is not null && certificate.GetCertHashString() == ImapTestNode.Certificate.GetCertHashString();

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _tcp.Dispose();
    }
}
