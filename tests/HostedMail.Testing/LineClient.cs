using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace HostedMail.Testing;

/// <summary>
/// A raw line-oriented TCP client for protocol tests (SMTP, POP3, IMAP): sends exact bytes,
/// reads replies, upgrades to TLS. For hostile input that real clients never send.
/// </summary>
public sealed class LineClient : IAsyncDisposable
{
    private readonly TcpClient tcp;
    private Stream stream;
    private readonly byte[] buffer = new byte[64 * 1024];
    private readonly StringBuilder pending = new();

    private LineClient(TcpClient tcp, Stream stream)
    {
        this.tcp = tcp;
        this.stream = stream;
    }

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    public static async Task<LineClient> ConnectAsync(int port, bool implicitTls = false)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync(System.Net.IPAddress.Loopback, port);
        var client = new LineClient(tcp, tcp.GetStream());
        if (implicitTls)
        {
            await client.StartTlsAsync();
        }

        return client;
    }

    public async Task StartTlsAsync()
    {
        // The test node's certificate is self-signed and made per run; what is under test is the
        // protocol around TLS, not the chain.
#pragma warning disable CA5359
        var ssl = new SslStream(stream, leaveInnerStreamOpen: false, (_, _, _, _) => true);
#pragma warning restore CA5359
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost" });
        stream = ssl;
    }

    public Task SendAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text));

    public async Task SendAsync(byte[] bytes)
    {
        await stream.WriteAsync(bytes);
        await stream.FlushAsync();
    }

    /// <summary>Reads one line without its CRLF; null at end of stream.</summary>
    public async Task<string?> ReadLineAsync()
    {
        using var cancel = new CancellationTokenSource(Timeout);
        while (true)
        {
            var text = pending.ToString();
            var end = text.IndexOf("\r\n", StringComparison.Ordinal);
            if (end >= 0)
            {
                pending.Remove(0, end + 2);
                return text[..end];
            }

            var read = await stream.ReadAsync(buffer, cancel.Token);
            if (read == 0)
            {
                return pending.Length > 0 ? pending.ToString() : null;
            }

            pending.Append(Encoding.UTF8.GetString(buffer, 0, read));
        }
    }

    /// <summary>Reads one SMTP reply (all its lines, RFC 5321 section 4.2) joined with "\n".</summary>
    public async Task<string> ReadSmtpReplyAsync()
    {
        var lines = new List<string>();
        while (true)
        {
            var line = await ReadLineAsync() ?? throw new IOException("connection closed; got: " + string.Join("\n", lines));
            lines.Add(line);
            if (line.Length < 4 || line[3] != '-')
            {
                return string.Join("\n", lines);
            }
        }
    }

    /// <summary>Sends a command line and reads the SMTP reply.</summary>
    public async Task<string> SmtpAsync(string command)
    {
        await SendAsync(command + "\r\n");
        return await ReadSmtpReplyAsync();
    }

    /// <summary>Sends an IMAP command line and reads up to its tagged reply (untagged lines skipped); "closed" when the server closed first.</summary>
    public async Task<string> ImapAsync(string command, string tag)
    {
        await SendAsync(command);
        string? line;
        while ((line = await ReadLineAsync()) is not null && !line.StartsWith(tag, StringComparison.Ordinal))
        {
        }

        return line ?? "closed";
    }

    /// <summary>True when the server closed the connection (reads to the end).</summary>
    public async Task<bool> IsClosedAsync()
    {
        try
        {
            return await ReadLineAsync() is null;
        }
        catch (IOException)
        {
            return true;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stream.DisposeAsync();
        tcp.Dispose();
    }
}
