using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace HostedMail.Pop3.Tests;

/// <summary>
/// A raw POP3 socket client: sends exact bytes and reads exact lines, for scripted
/// conversations and hostile input that real clients never send.
/// </summary>
public sealed class RawClient : IAsyncDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly TcpClient _tcp;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private readonly List<byte> _pending = [];
    private Stream _stream;

    private RawClient(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
    }

    public static async Task<RawClient> ConnectAsync(int port, bool implicitTls = false)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port).WaitAsync(Timeout);
        var client = new RawClient(tcp);
        if (implicitTls)
        {
            await client.StartTlsAsync();
        }

        return client;
    }

    public async Task StartTlsAsync()
    {
        var ssl = new SslStream(_stream, leaveInnerStreamOpen: false);
        var trusted = Pop3TestNode.Certificate.Thumbprint;
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            // The node's self-signed test certificate, and only it.
            RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate?.GetCertHashString() == trusted,
        }).WaitAsync(Timeout);
        _stream = ssl;
    }

    public Task SendAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text));

    public async Task SendAsync(byte[] bytes)
    {
        await _stream.WriteAsync(bytes).AsTask().WaitAsync(Timeout);
        await _stream.FlushAsync().WaitAsync(Timeout);
    }

    /// <summary>Sends one command line (CRLF added) and returns the first response line.</summary>
    public async Task<string> CommandAsync(string line)
    {
        await SendAsync(line + "\r\n");
        return await ReadLineAsync() ?? throw new IOException("connection closed");
    }

    /// <summary>Reads one line without CRLF; null at end of stream.</summary>
    public async Task<string?> ReadLineAsync()
    {
        var bytes = await ReadLineBytesAsync();
        return bytes is null ? null : Encoding.UTF8.GetString(bytes);
    }

    /// <summary>Reads lines up to the terminating "." (exclusive), as sent (still dot-stuffed).</summary>
    public async Task<List<string>> ReadMultiLineAsync()
    {
        var lines = new List<string>();
        while (await ReadLineAsync() is { } line && line != ".")
        {
            lines.Add(line);
        }

        return lines;
    }

    /// <summary>Reads until the server closes; returns what came.</summary>
    public async Task<string> ReadToEndAsync()
    {
        var all = new StringBuilder();
        while (await ReadLineAsync() is { } line)
        {
            all.Append(line).Append('\n');
        }

        return all.ToString();
    }

    private async Task<byte[]?> ReadLineBytesAsync()
    {
        using var cancel = new CancellationTokenSource(Timeout);
        while (true)
        {
            for (var i = 1; i < _pending.Count; i++)
            {
                if (_pending[i - 1] == '\r' && _pending[i] == '\n')
                {
                    var line = _pending.GetRange(0, i - 1).ToArray();
                    _pending.RemoveRange(0, i + 1);
                    return line;
                }
            }

            int read;
            try
            {
                read = await _stream.ReadAsync(_buffer, cancel.Token);
            }
            catch (IOException)
            {
                read = 0;
            }

            if (read == 0)
            {
                if (_pending.Count == 0)
                {
                    return null;
                }

                var rest = _pending.ToArray();
                _pending.Clear();
                return rest;
            }

            _pending.AddRange(_buffer.AsSpan(0, read));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _tcp.Dispose();
    }
}
