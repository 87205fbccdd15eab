using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using HostedMail.Net;
using HostedMail.Smtp.Protocol;

namespace HostedMail.Smtp.Outbound;

/// <summary>The peer broke the protocol, the network failed or a timeout passed mid-conversation; the attempt is transient.</summary>
internal sealed class SmtpClientException : Exception
{
    public SmtpClientException(string message) : base(message)
    {
    }

    public SmtpClientException(string message, Exception inner) : base(message, inner)
    {
    }

    public SmtpClientException()
    {
    }

    /// <summary>The TLS handshake failed: policy decides whether a plaintext retry is allowed.</summary>
    public bool TlsFailure { get; init; }
}

/// <summary>
/// One client connection to a remote SMTP server: replies read line by line with limits, EHLO
/// extensions, STARTTLS, AUTH PLAIN, and mail transactions with PIPELINING or CHUNKING.
/// </summary>
// Implementation notes:
// - Every read has a deadline from the injected TimeProvider (RFC 5321 section 4.5.3.2 timeouts).
// - STARTTLS: after "220" no byte may be buffered; a peer that sent more (an injection, RFC 3207
//   section 4.2 and the STARTTLS command-injection class of bugs) is dropped. The EHLO
//   extensions are forgotten and asked again over TLS.
// - Remote reply text is untrusted: lines are capped, and SmtpReply replaces CR/LF when re-sent.
internal sealed partial class SmtpClientConnection : IAsyncDisposable
{
    private const int MaxReplyLineLength = 4096;
    private const int MaxReplyLines = 256;
    private const int WriteBufferSize = 64 * 1024;

    private readonly Socket socket;
    private readonly TimeProvider timeProvider;
    private readonly byte[] readBuffer = new byte[16 * 1024];
    private Stream stream;
    private int readStart;
    private int readEnd;

    private SmtpClientConnection(Socket socket, string hostName, IPEndPoint remote, TimeProvider timeProvider)
    {
        this.socket = socket;
        this.timeProvider = timeProvider;
        HostName = hostName;
        RemoteEndPoint = remote;
        stream = new NetworkStream(socket, ownsSocket: true);
    }

    /// <summary>The name the connection was made for (MX host or smarthost), for TLS and the delivery log.</summary>
    public string HostName { get; }

    public IPEndPoint RemoteEndPoint { get; }

    public SmtpExtensions Extensions { get; private set; } = SmtpExtensions.None;

    public bool IsTls => stream is SslStream;

    public string? TlsProtocol => stream is SslStream ssl ? TlsNames.Protocol(ssl.SslProtocol) : null;

    public string? TlsCipher => (stream as SslStream)?.NegotiatedCipherSuite.ToString();

    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromMinutes(5);

    public TimeSpan DataTimeout { get; set; } = TimeSpan.FromMinutes(10);

    public static async Task<SmtpClientConnection> ConnectAsync(string hostName, IPEndPoint endPoint, TimeSpan timeout, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var deadline = new Deadline(timeout, timeProvider, cancellationToken);
            await socket.ConnectAsync(endPoint, deadline.Token);
            return new SmtpClientConnection(socket, hostName, endPoint, timeProvider);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new SmtpClientException($"connect to {endPoint} failed: {(ex is SocketException s ? s.SocketErrorCode.ToString() : "timed out")}", ex);
        }
    }

    /// <summary>Wraps the connection in TLS from the first byte (implicit TLS, RFC 8314), for smarthosts on port 465.</summary>
    public async Task ImplicitTlsAsync(RemoteCertificateValidationCallback validation, CancellationToken cancellationToken) =>
        await HandshakeAsync(validation, cancellationToken);

    /// <summary>Reads the greeting (RFC 5321 section 4.3.1: 220, or 554 for "no service").</summary>
    public Task<SmtpReply> ReadGreetingAsync(CancellationToken cancellationToken) => ReadReplyAsync(CommandTimeout, cancellationToken);

    /// <summary>Sends EHLO, falling back to HELO when the server does not know it (RFC 5321 section 3.2), and remembers the extensions.</summary>
    public async Task<SmtpReply> HelloAsync(string hostName, CancellationToken cancellationToken)
    {
        var reply = await CommandAsync("EHLO " + hostName, CommandTimeout, cancellationToken);
        if (reply.Code == SmtpReplyCode.Ok)
        {
            Extensions = SmtpExtensions.Parse(reply);
            return reply;
        }

        if (reply.Code is SmtpReplyCode.SyntaxError or SmtpReplyCode.CommandNotImplemented or SmtpReplyCode.ParameterSyntaxError)
        {
            reply = await CommandAsync("HELO " + hostName, CommandTimeout, cancellationToken);
            Extensions = SmtpExtensions.None;
        }

        return reply;
    }

    /// <summary>STARTTLS (RFC 3207): returns the server's refusal, or null once TLS is up and EHLO repeated.</summary>
    public async Task<SmtpReply?> StartTlsAsync(string ehloName, RemoteCertificateValidationCallback validation, CancellationToken cancellationToken)
    {
        var reply = await CommandAsync("STARTTLS", CommandTimeout, cancellationToken);
        if (reply.Code != SmtpReplyCode.ServiceReady)
        {
            return reply;
        }

        if (readEnd > readStart)
        {
            throw new SmtpClientException("the server sent data after 220 to STARTTLS (possible command injection)");
        }

        await HandshakeAsync(validation, cancellationToken);
        // RFC 3207 section 4.2: everything learnt before TLS is discarded; ask again.
        Extensions = SmtpExtensions.None;
        var hello = await HelloAsync(ehloName, cancellationToken);
        return hello.Code == SmtpReplyCode.Ok ? null : hello;
    }

    /// <summary>AUTH PLAIN (RFC 4954, RFC 4616) for a smarthost; only ever over TLS.</summary>
    public async Task<SmtpReply> AuthenticatePlainAsync(string username, string password, CancellationToken cancellationToken)
    {
        var token = Convert.ToBase64String(Encoding.UTF8.GetBytes("\0" + username + "\0" + password));
        return await CommandAsync("AUTH PLAIN " + token, CommandTimeout, cancellationToken);
    }

    public async Task<SmtpReply> CommandAsync(string line, TimeSpan timeout, CancellationToken cancellationToken)
    {
        await WriteAsync(Encoding.UTF8.GetBytes(line + "\r\n"), cancellationToken);
        return await ReadReplyAsync(timeout, cancellationToken);
    }

    public async Task QuitAsync(CancellationToken cancellationToken)
    {
        try
        {
            await CommandAsync("QUIT", TimeSpan.FromSeconds(10), cancellationToken);
        }
        catch (SmtpClientException)
        {
            // The mail is done; a peer that drops the line at QUIT changes nothing.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stream.DisposeAsync();
        socket.Dispose();
    }

    private async Task HandshakeAsync(RemoteCertificateValidationCallback validation, CancellationToken cancellationToken)
    {
        var ssl = new SslStream(stream, leaveInnerStreamOpen: false, validation);
        try
        {
            using var deadline = new Deadline(CommandTimeout, timeProvider, cancellationToken);
            await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = HostName,
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                // Revocation checks would need network access to CAs from every node; MTA-STS
                // (RFC 8461 section 4.2) asks only for a valid chain and name.
                CertificateRevocationCheckMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck,
            }, deadline.Token);
            stream = ssl;
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            await ssl.DisposeAsync();
            throw new SmtpClientException("TLS handshake failed: " + ex.Message, ex) { TlsFailure = true };
        }
    }

    private async Task WriteAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        try
        {
            using var deadline = new Deadline(CommandTimeout, timeProvider, cancellationToken);
            await stream.WriteAsync(bytes, deadline.Token);
            await stream.FlushAsync(deadline.Token);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new SmtpClientException("write failed: " + ex.Message, ex);
        }
    }

    /// <summary>Reads one reply, single or multi-line (RFC 5321 section 4.2.1).</summary>
    public async Task<SmtpReply> ReadReplyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = new Deadline(timeout, timeProvider, cancellationToken);
        var lines = new List<string>();
        var code = 0;
        while (true)
        {
            var line = await ReadLineAsync(deadline.Token, cancellationToken);
            if (!TryParseReplyLine(line, out var lineCode, out var last, out var text) || (code != 0 && lineCode != code))
            {
                throw new SmtpClientException("malformed reply: " + Printable(line));
            }

            code = lineCode;
            if (lines.Count < MaxReplyLines)
            {
                lines.Add(text);
            }

            if (last)
            {
                return ToReply(code, lines);
            }
        }
    }

    private async Task<string> ReadLineAsync(CancellationToken deadline, CancellationToken cancellationToken)
    {
        while (true)
        {
            var available = readBuffer.AsSpan(readStart, readEnd - readStart);
            var lf = available.IndexOf((byte)'\n');
            if (lf >= 0)
            {
                var lineBytes = available[..lf];
                if (lineBytes.Length > 0 && lineBytes[^1] == (byte)'\r')
                {
                    lineBytes = lineBytes[..^1];
                }

                var line = Encoding.UTF8.GetString(lineBytes);
                readStart += lf + 1;
                return line;
            }

            if (available.Length >= MaxReplyLineLength)
            {
                throw new SmtpClientException("reply line too long");
            }

            if (readStart > 0)
            {
                available.CopyTo(readBuffer);
                readEnd -= readStart;
                readStart = 0;
            }

            int n;
            try
            {
                n = await stream.ReadAsync(readBuffer.AsMemory(readEnd), deadline);
            }
            catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                throw new SmtpClientException(ex is OperationCanceledException ? "timed out waiting for the server" : "read failed: " + ex.Message, ex);
            }

            if (n == 0)
            {
                throw new SmtpClientException("the server closed the connection");
            }

            readEnd += n;
        }
    }

    internal static bool TryParseReplyLine(string line, out int code, out bool last, out string text)
    {
        code = 0;
        last = true;
        text = string.Empty;
        if (line.Length < 3 || !char.IsAsciiDigit(line[0]) || !char.IsAsciiDigit(line[1]) || !char.IsAsciiDigit(line[2]) || line[0] is < '2' or > '5')
        {
            return false;
        }

        code = ((line[0] - '0') * 100) + ((line[1] - '0') * 10) + (line[2] - '0');
        if (line.Length == 3)
        {
            return true;
        }

        if (line[3] is not (' ' or '-'))
        {
            return false;
        }

        last = line[3] == ' ';
        text = line[4..];
        return true;
    }

    /// <summary>Builds an SmtpReply, taking the enhanced code off the text when it agrees with the basic code (RFC 2034 section 4).</summary>
    internal static SmtpReply ToReply(int code, List<string> lines)
    {
        EnhancedStatusCode enhanced = default;
        var match = EnhancedCodePattern().Match(lines[0]);
        if (match.Success && match.Groups[1].Value[0] - '0' == code / 100
            && short.TryParse(match.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture, out var subject)
            && short.TryParse(match.Groups[3].Value, System.Globalization.CultureInfo.InvariantCulture, out var detail))
        {
            enhanced = new EnhancedStatusCode((byte)(code / 100), subject, detail);
            for (var i = 0; i < lines.Count; i++)
            {
                var m = EnhancedCodePattern().Match(lines[i]);
                lines[i] = m.Success ? lines[i][m.Length..] : lines[i];
            }
        }

        return new SmtpReply(code, enhanced, [.. lines]);
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^([245])\.(\d{1,3})\.(\d{1,3})(?: |$)")]
    private static partial System.Text.RegularExpressions.Regex EnhancedCodePattern();

    private static string Printable(string line) => line.Length > 80 ? line[..80] : line;

    /// <summary>A cancellation that fires after a timeout measured by the injected clock (STYLE: no wall-clock timers).</summary>
    private sealed class Deadline : IDisposable
    {
        private readonly CancellationTokenSource source;
        private readonly ITimer timer;

        public Deadline(TimeSpan timeout, TimeProvider timeProvider, CancellationToken cancellationToken)
        {
            source = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timer = timeProvider.CreateTimer(static s => Cancel((CancellationTokenSource)s!), source, timeout, Timeout.InfiniteTimeSpan);
        }

        public CancellationToken Token => source.Token;

        public void Dispose()
        {
            timer.Dispose();
            source.Dispose();
        }

        private static void Cancel(CancellationTokenSource source)
        {
            try
            {
                source.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The operation finished as the timer fired.
            }
        }
    }
}
