using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using HostedMail.Core.Security;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;

namespace HostedMail.Net;

/// <summary>
/// One client connection as a session sees it: a PipeReader/PipeWriter pair that STARTTLS swaps
/// for TLS ones, the real client address, and the signals to stop.
/// </summary>
/// <remarks>
/// Implementation notes:
/// <list type="bullet">
/// <item>The session alone reads <see cref="Input"/> and writes <see cref="Output"/>; after
/// <see cref="StartTlsAsync"/> it must fetch both again (the old ones are the raw transport).</item>
/// <item>STARTTLS: the session advances past its STARTTLS line, writes and flushes its "ready"
/// reply, then calls <see cref="StartTlsAsync"/>, which throws away every plaintext byte already
/// received (RFC 3207 section 4.2 and the CVE-2011-0411 family of injection bugs). Bytes that
/// arrive later than that are fed to the TLS handshake and make it fail. All session state must
/// then be reset by the session.</item>
/// </list>
/// </remarks>
public sealed class MailConnection : IAsyncDisposable
{
    private readonly ConnectionContext _context;
    private readonly ServerCertificateSelector? _certificates;
    private readonly TimeProvider _timeProvider;
    private readonly CancellationTokenSource _closeRequested;
    private readonly Socket? _tcpSocket;
    private SslStream? _ssl;

    internal MailConnection(ConnectionContext context, MailListener listener, ServerCertificateSelector? certificates, TimeProvider timeProvider)
    {
        _context = context;
        _certificates = certificates;
        _timeProvider = timeProvider;
        Listener = listener;
        Input = context.Transport.Input;
        Output = context.Transport.Output;
        var lifetime = context.Features.Get<IConnectionLifetimeNotificationFeature>();
        _closeRequested = CancellationTokenSource.CreateLinkedTokenSource(
            listener.ShutdownRequested,
            lifetime?.ConnectionClosedRequested ?? CancellationToken.None);
        var remote = context.RemoteEndPoint as IPEndPoint ?? new IPEndPoint(IPAddress.IPv6None, 0);
        Info = new ConnectionInfo(context.ConnectionId, listener.Options.Name, remote, context.LocalEndPoint as IPEndPoint);
        _tcpSocket = OperatingSystem.IsLinux() && context.Features.Get<IConnectionSocketFeature>()?.Socket is { ProtocolType: ProtocolType.Tcp } socket ? socket : null;
    }

    // Linux's TCP_QUICKACK (netinet/tcp.h); IPPROTO_TCP is 6.
    private const int TcpQuickAck = 12;
    private static readonly byte[] On = [1, 0, 0, 0];

    /// <summary>
    /// Sends the TCP acknowledgement for what the client has sent so far now, instead of when the
    /// kernel's delayed-ACK timer fires. Call it when the session has used up what arrived and
    /// waits for the rest of a command, literal or message the client is part-way through.
    /// </summary>
    /// <remarks>
    /// A client with Nagle's algorithm on (the default; Python's imaplib and smtplib, many
    /// scripts) holds a small write until its previous one is acknowledged, and once a connection
    /// looks interactive (the node answered shortly after the client's last command) Linux delays
    /// that acknowledgement by 40 ms, hoping to carry it on a reply. The reply waits for the rest
    /// of the command, so both sides wait out the timer: Python's imaplib writes an APPEND literal
    /// and the CRLF that ends its command apart, and each APPEND took 45 ms instead of 5 (Dovecot
    /// sets TCP_QUICKACK for the same reason). Setting the option leaves the delayed mode and
    /// sends the pending acknowledgement if nothing unread is left in the socket (else the next
    /// read sends it). It is not permanent: the kernel enters the mode again when the node next
    /// sends, so sessions call this each time they have used up what arrived and wait for more of
    /// the same command or message; one system call, no packet when nothing is pending. Linux
    /// only (elsewhere the option number means something else or nothing).
    /// </remarks>
    public void AcknowledgeReceived()
    {
        if (_tcpSocket is null)
        {
            return;
        }

        try
        {
            _tcpSocket.SetRawSocketOption((int)ProtocolType.Tcp, TcpQuickAck, On);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // The connection is closing; there is nothing left to acknowledge.
        }
    }

    /// <summary>Why the node asked this connection to close (<see cref="RequestClose"/>); null for a node shutdown.</summary>
    public string? CloseReason { get; private set; }

    /// <summary>Asks the session to end at its next wait, telling the client <paramref name="reason"/> (a revoked login).</summary>
    internal void RequestClose(string reason)
    {
        CloseReason ??= reason;
        try
        {
            _closeRequested.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The connection ended meanwhile.
        }
    }

    /// <summary>The listener this connection came in on.</summary>
    public MailListener Listener { get; }

    /// <summary>What is known about the connection; replaced after the PROXY header and after TLS.</summary>
    public ConnectionInfo Info { get; private set; }

    /// <summary>Bytes from the client (decrypted once TLS is up).</summary>
    public PipeReader Input { get; private set; }

    /// <summary>Bytes to the client (encrypted once TLS is up). Flush after each reply or batch of pipelined replies.</summary>
    public PipeWriter Output { get; private set; }

    /// <summary>Whether a certificate is available, i.e. whether to advertise STARTTLS/STLS.</summary>
    public bool CanStartTls => _ssl is null && _certificates is { HasCertificates: true };

    /// <summary>
    /// Cancelled when the node or listener shuts down: finish the current command or transaction,
    /// then answer 421 / * BYE / -ERR and close. Do not pass it to a store commit.
    /// </summary>
    public CancellationToken CloseRequested => _closeRequested.Token;

    /// <summary>Cancelled when the client has gone (the transport closed).</summary>
    public CancellationToken ConnectionClosed => _context.ConnectionClosed;

    /// <summary>The TimeProvider for the session's timeouts.</summary>
    public TimeProvider TimeProvider => _timeProvider;

    /// <summary>
    /// Upgrades to TLS in place (STARTTLS, STLS): discards the plaintext buffered behind the
    /// command, then writes and flushes <paramref name="readyResponse"/> (the protocol's "go ahead"
    /// line, e.g. SMTP 220), then does the handshake. The order matters: a client sends its TLS
    /// hello as soon as it reads the response, so anything discarded after the response went out
    /// could be the hello itself; anything buffered before it is an injection attempt (RFC 3207
    /// section 4.2, RFC 2595 section 3.1). Returns how many plaintext bytes were discarded (log a
    /// non-zero count). Throws on handshake failure or timeout: end the session without a reply.
    /// </summary>
    public async ValueTask<long> StartTlsAsync(ReadOnlyMemory<byte> readyResponse, CancellationToken cancellationToken)
    {
        if (!CanStartTls)
        {
            throw new InvalidOperationException("TLS is already active or no certificate is configured.");
        }
        var discarded = DiscardBuffered(Input);
        await Output.WriteAsync(readyResponse, cancellationToken);
        await HandshakeAsync(cancellationToken);
        return discarded;
    }

    /// <summary>Closes the connection at once (hostile client, fatal error).</summary>
    public void Abort() => _context.Abort(new ConnectionAbortedException("Closed by the session."));

    internal async ValueTask HandshakeAsync(CancellationToken cancellationToken)
    {
        var certificates = _certificates ?? throw new InvalidOperationException("No TLS certificate is configured.");
        var stream = new DuplexPipeStream(_context.Transport.Input, _context.Transport.Output);
        var ssl = new SslStream(stream, leaveInnerStreamOpen: true);
        using var timeout = new CancellationTokenSource(Listener.Options.TlsHandshakeTimeout, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken, ConnectionClosed);
        try
        {
            string? serverName = null;
            await ssl.AuthenticateAsServerAsync(
                (_, hello, _, _) =>
                {
                    serverName = string.IsNullOrEmpty(hello.ServerName) ? null : hello.ServerName;
                    return ValueTask.FromResult(certificates.CreateOptions(serverName));
                },
                null,
                linked.Token);
            _ssl = ssl;
            Input = PipeReader.Create(ssl, new StreamPipeReaderOptions(leaveOpen: true));
            Output = PipeWriter.Create(ssl, new StreamPipeWriterOptions(leaveOpen: true));
            Info = Info with
            {
                IsTls = true,
                TlsServerName = serverName,
                TlsProtocol = TlsNames.Protocol(ssl.SslProtocol),
                TlsCipherSuite = ssl.NegotiatedCipherSuite.ToString(),
            };
        }
        catch
        {
            await ssl.DisposeAsync();
            throw;
        }
    }

    /// <summary>Reads and applies the PROXY header; false when it is missing, invalid or late (close the connection).</summary>
    internal async ValueTask<bool> ReadProxyHeaderAsync()
    {
        using var timeout = new CancellationTokenSource(Listener.Options.ProxyHeaderTimeout, _timeProvider);
        try
        {
            while (true)
            {
                var result = await Input.ReadAsync(timeout.Token);
                var buffer = result.Buffer;
                var reader = new SequenceReader<byte>(buffer);
                var status = ProxyProtocolParser.TryParse(ref reader, out var header);
                if (status == ProxyParseStatus.Complete)
                {
                    Input.AdvanceTo(reader.Position);
                    if (header is { IsLocal: false, Source: { } source })
                    {
                        Info = Info with { RemoteEndPoint = source, LocalEndPoint = header.Destination ?? Info.LocalEndPoint };
                    }
                    return true;
                }
                Input.AdvanceTo(buffer.Start, buffer.End);
                if (status == ProxyParseStatus.Invalid || result.IsCompleted)
                {
                    return false;
                }
            }
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static long DiscardBuffered(PipeReader reader)
    {
        long discarded = 0;
        while (reader.TryRead(out var result))
        {
            discarded += result.Buffer.Length;
            reader.AdvanceTo(result.Buffer.End);
            if (result.Buffer.IsEmpty || result.IsCompleted)
            {
                break;
            }
        }
        return discarded;
    }

    /// <inheritdoc />
    /// <summary>
    /// Reads and drops what the client is still sending (at most 256 KiB, until it pauses for a
    /// quarter second) before the socket closes. Closing a socket with unread input makes the
    /// kernel send RST and drop what is still queued for sending, so the last reply (421, BYE,
    /// -ERR) would be lost exactly when a client misbehaves; this is the lingering close of
    /// Postfix and Apache.
    /// </summary>
    internal async ValueTask LingerAsync()
    {
        long drained = 0;
        try
        {
            await Output.FlushAsync(ConnectionClosed);
            while (drained < 256 * 1024)
            {
                using var pause = new CancellationTokenSource(TimeSpan.FromMilliseconds(250), _timeProvider);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(pause.Token, ConnectionClosed);
                var result = await Input.ReadAsync(linked.Token);
                drained += result.Buffer.Length;
                Input.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted || result.IsCanceled)
                {
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or ObjectDisposedException or InvalidOperationException)
        {
            // The client paused or left: nothing more to drain.
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_ssl is not null)
        {
            await Input.CompleteAsync();
            await Output.CompleteAsync();
            await _ssl.DisposeAsync();
        }
        _closeRequested.Dispose();
    }
}
