using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace HostedMail.IntegrationTests.Corpus;

/// <summary>
/// A byte-exact SMTP and IMAP client for the corpus tests: literals and DATA are octets, never
/// decoded text (LineClient decodes UTF-8, which would hide exactly the differences looked for).
/// </summary>
internal sealed partial class CorpusWire : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private readonly Stream _stream;
    private readonly byte[] _buffer = new byte[256 * 1024];
    private int _start, _end;

    private CorpusWire(TcpClient tcp, Stream stream)
    {
        _tcp = tcp;
        _stream = stream;
    }

    /// <param name="port">The node's listener.</param>
    /// <param name="tls">Implicit TLS.</param>
    /// <param name="nagle">Leave Nagle's algorithm on, as many real clients do (each write then waits for the last one's ACK).</param>
    public static async Task<CorpusWire> ConnectAsync(int port, bool tls = false, bool nagle = false)
    {
        var tcp = new TcpClient { NoDelay = !nagle };
        await tcp.ConnectAsync(IPAddress.Loopback, port);
        Stream stream = tcp.GetStream();
        if (tls)
        {
            // The node's certificate is self-signed per run; the bytes are under test, not the chain.
#pragma warning disable CA5359
            var ssl = new SslStream(stream, false, (_, _, _, _) => true);
#pragma warning restore CA5359
            await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost" });
            stream = ssl;
        }

        return new CorpusWire(tcp, stream);
    }

    public async Task WriteAsync(ReadOnlyMemory<byte> bytes)
    {
        await _stream.WriteAsync(bytes);
        await _stream.FlushAsync();
    }

    public Task WriteAsync(string text) => WriteAsync(Encoding.UTF8.GetBytes(text));

    /// <summary>One line without CRLF; null when the peer closed the connection.</summary>
    public async Task<byte[]?> ReadLineAsync(CancellationToken cancel = default)
    {
        while (true)
        {
            int lf = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (lf >= 0)
            {
                int len = lf - _start - (lf > _start && _buffer[lf - 1] == '\r' ? 1 : 0);
                byte[] line = _buffer.AsSpan(_start, len).ToArray();
                _start = lf + 1;
                return line;
            }

            if (!await FillAsync(cancel))
            {
                return null;
            }
        }
    }

    public async Task<byte[]> ReadExactAsync(int count, CancellationToken cancel = default)
    {
        byte[] result = new byte[count];
        int have = 0;
        while (have < count)
        {
            if (_start == _end && !await FillAsync(cancel))
            {
                throw new IOException($"connection closed inside a {count}-octet literal");
            }

            int n = Math.Min(count - have, _end - _start);
            Array.Copy(_buffer, _start, result, have, n);
            _start += n;
            have += n;
        }

        return result;
    }

    /// <summary>One SMTP reply (RFC 5321 section 4.2), lines joined by "\n"; throws when the session ends without one.</summary>
    public async Task<string> ReadSmtpReplyAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var lines = new List<string>();
        while (true)
        {
            byte[] line = await ReadLineAsync(timeout.Token) ?? throw new IOException("SMTP session ended without a reply after: " + string.Join("\n", lines));
            string text = Encoding.UTF8.GetString(line);
            lines.Add(text);
            if (text.Length < 4 || text[3] != '-')
            {
                return string.Join("\n", lines);
            }
        }
    }

    /// <summary>Greeting and EHLO; returns the EHLO reply.</summary>
    public async Task<string> SmtpHelloAsync(string name)
    {
        Assert.StartsWith("220", await ReadSmtpReplyAsync(), StringComparison.Ordinal);
        await WriteAsync($"EHLO {name}\r\n");
        string ehlo = await ReadSmtpReplyAsync();
        Assert.StartsWith("250", ehlo, StringComparison.Ordinal);
        return ehlo;
    }

    /// <summary>
    /// One pipelined transaction (RFC 2920): MAIL, RCPT, DATA in one write, then the
    /// dot-stuffed content (RFC 5321 section 4.5.2). Returns the reply that decided the transaction.
    /// </summary>
    public async Task<string> SendMessageAsync(string from, string[] to, byte[] crlfContent, bool eightBit, bool utf8)
    {
        string parameters = (eightBit ? " BODY=8BITMIME" : "") + (utf8 ? " SMTPUTF8" : "");
        await WriteAsync($"MAIL FROM:<{from}>{parameters}\r\n" + string.Concat(to.Select(t => $"RCPT TO:<{t}>\r\n")) + "DATA\r\n");
        string mail = await ReadSmtpReplyAsync();
        string rcpt = "250";
        foreach (string _ in to)
        {
            string reply = await ReadSmtpReplyAsync();
            rcpt = reply.StartsWith('2') ? rcpt : reply;
        }

        string data = await ReadSmtpReplyAsync();
        if (!data.StartsWith("354", StringComparison.Ordinal))
        {
            await WriteAsync("RSET\r\n");
            await ReadSmtpReplyAsync();
            return mail.StartsWith('2') ? (rcpt.StartsWith('2') ? data : rcpt) : mail;
        }

        await WriteAsync(DotStuff(crlfContent));
        return await ReadSmtpReplyAsync();
    }

    /// <summary>
    /// Reads one IMAP response: its text with each literal replaced by "{N}" and the literals in
    /// order (RFC 9051 section 4.3).
    /// </summary>
    public async Task<(string Text, List<byte[]> Literals)> ReadImapResponseAsync(CancellationToken cancel = default)
    {
        var text = new StringBuilder();
        var literals = new List<byte[]>();
        while (true)
        {
            byte[] line = await ReadLineAsync(cancel) ?? throw new IOException("IMAP connection closed after: " + text);
            string s = Encoding.UTF8.GetString(line);
            text.Append(s);
            Match m = LiteralAtEnd().Match(s);
            if (!m.Success)
            {
                return (text.ToString(), literals);
            }

            literals.Add(await ReadExactAsync(int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), cancel));
        }
    }

    /// <summary>Sends a tagged command and collects the untagged responses until its completion.</summary>
    public async Task<(string Completion, List<(string Text, List<byte[]> Literals)> Untagged)> ImapAsync(string tag, string command)
    {
        await WriteAsync($"{tag} {command}\r\n");
        return await ReadUntilTaggedAsync(tag);
    }

    public async Task<(string Completion, List<(string Text, List<byte[]> Literals)> Untagged)> ReadUntilTaggedAsync(string tag)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var untagged = new List<(string, List<byte[]>)>();
        while (true)
        {
            var response = await ReadImapResponseAsync(timeout.Token);
            if (response.Text.StartsWith(tag + " ", StringComparison.Ordinal))
            {
                return (response.Text, untagged);
            }

            untagged.Add(response);
        }
    }

    public static byte[] DotStuff(byte[] crlfContent)
    {
        var output = new MemoryStream(crlfContent.Length + 64);
        bool lineStart = true;
        foreach (byte b in crlfContent)
        {
            if (lineStart && b == '.')
            {
                output.WriteByte((byte)'.');
            }

            output.WriteByte(b);
            lineStart = b == '\n';
        }

        output.Write(".\r\n"u8);
        return output.ToArray();
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _tcp.Dispose();
    }

    private async Task<bool> FillAsync(CancellationToken cancel)
    {
        if (_start > 0)
        {
            Array.Copy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        if (_end == _buffer.Length)
        {
            throw new IOException("line longer than the read buffer");
        }

        int n = await _stream.ReadAsync(_buffer.AsMemory(_end), cancel);
        _end += n;
        return n > 0;
    }

    [GeneratedRegex(@"\{(\d+)\}$")]
    private static partial Regex LiteralAtEnd();
}
