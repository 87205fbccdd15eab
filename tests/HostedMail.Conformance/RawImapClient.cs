using System.Net.Sockets;
using System.Text;

namespace HostedMail.Conformance;

/// <summary>
/// A byte-exact IMAP client for the differential tests. Bytes map to chars one to one (Latin-1),
/// so literals holding 8-bit or binary data round-trip exactly and two servers' answers can be
/// compared octet for octet. Every read has a deadline; nothing sleeps.
/// </summary>
public sealed class RawImapClient : IAsyncDisposable
{
    /// <summary>Latin-1: one byte is one char, both ways.</summary>
    public static readonly Encoding Octets = Encoding.Latin1;

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;
    private readonly byte[] _chunk = new byte[64 * 1024];
    private byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;
    private int _tag;

    private RawImapClient(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
    }

    public string Greeting { get; private set; } = string.Empty;

    public static async Task<RawImapClient> ConnectAsync(int port)
    {
        var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync(System.Net.IPAddress.Loopback, port);
        var client = new RawImapClient(tcp);
        client.Greeting = await client.ReadResponseAsync();
        return client;
    }

    public static async Task<RawImapClient> LoginAsync(int port, string user, string password)
    {
        var client = await ConnectAsync(port);
        var reply = await client.CommandAsync($"LOGIN {ImapData.Quote(user)} {ImapData.Quote(password)}");
        if (!reply.Tagged.Contains(" OK", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"LOGIN as {user} on port {port} failed: {reply.Tagged}");
        }

        return client;
    }

    public string NextTag() => "C" + ++_tag;

    /// <summary>
    /// Sends one command (tag added) and reads every response up to its tagged one. Synchronising
    /// literals ("{n}\r\n") are sent only after the server's continuation (RFC 3501 section 7.5);
    /// a tagged answer instead of the continuation ends the command there.
    /// </summary>
    public async Task<ImapReply> CommandAsync(string command)
    {
        var tag = NextTag();
        var untagged = new List<string>();
        var pieces = SplitAtSynchronisingLiterals(tag + " " + command + "\r\n");
        for (var i = 0; i < pieces.Count; i++)
        {
            await SendAsync(pieces[i]);
            if (i == pieces.Count - 1)
            {
                break;
            }

            // Wait for "+ ..." before sending the literal's octets.
            while (true)
            {
                var line = await ReadResponseAsync();
                if (line.StartsWith('+'))
                {
                    break;
                }

                if (line.StartsWith(tag + " ", StringComparison.Ordinal))
                {
                    return new ImapReply(tag, untagged, line);
                }

                untagged.Add(line);
            }
        }

        while (true)
        {
            var line = await ReadResponseAsync();
            if (line.StartsWith(tag + " ", StringComparison.Ordinal))
            {
                return new ImapReply(tag, untagged, line);
            }

            untagged.Add(line);
        }
    }

    /// <summary>IDLE (RFC 2177): sends IDLE, reads the continuation, sends DONE, reads the rest.</summary>
    public async Task<ImapReply> IdleAsync()
    {
        var tag = NextTag();
        var untagged = new List<string>();
        await SendAsync(tag + " IDLE\r\n");
        while (true)
        {
            var line = await ReadResponseAsync();
            if (line.StartsWith(tag + " ", StringComparison.Ordinal))
            {
                return new ImapReply(tag, untagged, line);
            }

            if (line.StartsWith('+'))
            {
                untagged.Add("+");
                break;
            }

            untagged.Add(line);
        }

        await SendAsync("DONE\r\n");
        while (true)
        {
            var line = await ReadResponseAsync();
            if (line.StartsWith(tag + " ", StringComparison.Ordinal))
            {
                return new ImapReply(tag, untagged, line);
            }

            untagged.Add(line);
        }
    }

    public Task SendAsync(string octets) => SendAsync(Octets.GetBytes(octets));

    public async Task SendAsync(byte[] octets)
    {
        using var cancel = new CancellationTokenSource(Timeout);
        await _stream.WriteAsync(octets, cancel.Token);
        await _stream.FlushAsync(cancel.Token);
    }

    /// <summary>One response: a line with every literal it announces read and inlined as "{n}\r\n" + octets.</summary>
    public async Task<string> ReadResponseAsync()
    {
        var response = new StringBuilder();
        while (true)
        {
            var line = await ReadLineAsync();
            response.Append(line);
            if (!TryLiteralLength(line, out var length))
            {
                return response.ToString();
            }

            response.Append("\r\n").Append(await ReadOctetsAsync(length));
        }
    }

    /// <summary>True when the server closed the connection (reads until EOF).</summary>
    public async Task<bool> IsClosedAsync()
    {
        try
        {
            using var cancel = new CancellationTokenSource(Timeout);
            while (await FillAsync(cancel.Token))
            {
                _start = _end;
            }

            return true;
        }
        catch (IOException)
        {
            return true;
        }
    }

    private static bool TryLiteralLength(string line, out int length)
    {
        length = 0;
        if (!line.EndsWith('}'))
        {
            return false;
        }

        var open = line.LastIndexOf('{');
        if (open < 0)
        {
            return false;
        }

        // RFC 7888 literal8 ("~{n}") is read the same way.
        return int.TryParse(line.AsSpan(open + 1, line.Length - open - 2).TrimEnd('+'), out length);
    }

    private static List<string> SplitAtSynchronisingLiterals(string command)
    {
        var pieces = new List<string>();
        var from = 0;
        var at = 0;
        while ((at = command.IndexOf("}\r\n", at, StringComparison.Ordinal)) >= 0)
        {
            var open = command.LastIndexOf('{', at);
            var isSynchronising = open >= 0 && open < at && command[at - 1] != '+' && int.TryParse(command.AsSpan(open + 1, at - open - 1), out _);
            at += 3;
            if (isSynchronising)
            {
                pieces.Add(command[from..at]);
                from = at;
            }
        }

        pieces.Add(command[from..]);
        return pieces;
    }

    private async Task<string> ReadLineAsync()
    {
        using var cancel = new CancellationTokenSource(Timeout);
        // How far past _start the buffer is known to hold no LF (FillAsync may move _start to 0).
        var scanned = 0;
        while (true)
        {
            var lf = Array.IndexOf(_buffer, (byte)'\n', _start + scanned, _end - _start - scanned);
            if (lf >= 0)
            {
                var lineEnd = lf > _start && _buffer[lf - 1] == '\r' ? lf - 1 : lf;
                var line = Octets.GetString(_buffer, _start, lineEnd - _start);
                _start = lf + 1;
                return line;
            }

            scanned = _end - _start;
            if (!await FillAsync(cancel.Token))
            {
                throw new EndOfStreamException("server closed the connection; buffered: " + Octets.GetString(_buffer, _start, _end - _start));
            }
        }
    }

    private async Task<string> ReadOctetsAsync(int length)
    {
        using var cancel = new CancellationTokenSource(Timeout);
        while (_end - _start < length)
        {
            if (!await FillAsync(cancel.Token))
            {
                throw new EndOfStreamException($"server closed the connection inside a {length}-octet literal");
            }
        }

        var octets = Octets.GetString(_buffer, _start, length);
        _start += length;
        return octets;
    }

    private async Task<bool> FillAsync(CancellationToken cancellationToken)
    {
        var read = await _stream.ReadAsync(_chunk, cancellationToken);
        if (read == 0)
        {
            return false;
        }

        if (_start > 0)
        {
            Array.Copy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        if (_end + read > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _end + read));
        }

        Array.Copy(_chunk, 0, _buffer, _end, read);
        _end += read;
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _tcp.Dispose();
    }
}

/// <summary>The responses to one command: its untagged (and continuation) lines and the tagged status line.</summary>
public sealed record ImapReply(string Tag, IReadOnlyList<string> Untagged, string Tagged)
{
    /// <summary>"OK", "NO" or "BAD".</summary>
    public string Status => Tagged.Length > Tag.Length + 1 ? Tagged[(Tag.Length + 1)..].Split(' ', 2)[0].ToUpperInvariant() : string.Empty;

    public bool IsOk => Status == "OK";
}
