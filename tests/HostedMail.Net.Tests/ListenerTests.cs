using System.Buffers;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace HostedMail.Net.Tests;

/// <summary>A toy line protocol on the real listener stack: greets, echoes, STARTTLS, says goodbye on shutdown.</summary>
public sealed class EchoHandler(MailNetServices services) : MailConnectionHandler(services)
{
    public static long LastDiscarded { get; private set; } = -1;

    protected override async Task RunSessionAsync(MailConnection connection)
    {
        await Write(connection, $"220 hello {connection.Info.RemoteEndPoint.Address}");
        while (true)
        {
            System.IO.Pipelines.ReadResult result;
            try
            {
                result = await connection.Input.ReadAsync(connection.CloseRequested);
            }
            catch (OperationCanceledException)
            {
                await Write(connection, "421 shutting down");
                return;
            }
            var buffer = result.Buffer;
            var lf = buffer.PositionOf((byte)'\n');
            if (lf is null)
            {
                connection.Input.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted)
                {
                    return;
                }
                continue;
            }
            var line = Encoding.ASCII.GetString(buffer.Slice(0, lf.Value).ToArray()).TrimEnd('\r');
            connection.Input.AdvanceTo(buffer.GetPosition(1, lf.Value));
            if (line == "STARTTLS")
            {
                LastDiscarded = await connection.StartTlsAsync(Encoding.ASCII.GetBytes("220 go ahead\r\n"), default);
                continue;
            }
            if (line == "QUIT")
            {
                await Write(connection, "221 bye");
                return;
            }
            await Write(connection, $"250 {line} tls={connection.Info.IsTls} sni={connection.Info.TlsServerName}");
        }
    }

    protected override async ValueTask RejectAsync(MailConnection connection, ConnectionRejection rejection) =>
        await Write(connection, $"421 {rejection}");

    private static async Task Write(MailConnection connection, string line)
    {
        await connection.Output.WriteAsync(Encoding.ASCII.GetBytes(line + "\r\n"));
    }
}

public sealed class ListenerTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private readonly X509Certificate2 _defaultCert = TestCertificates.Create("mail.example.test");
    private readonly X509Certificate2 _otherCert = TestCertificates.Create("*.other.test");
    private WebApplication? _app;
    private MailListener? _plain;
    private MailListener? _implicit;
    private ListenOptions? _plainEndpoint;
    private ListenOptions? _implicitEndpoint;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddMailNet(new ServerCertificateSelector([_defaultCert, _otherCert]));
        _plain = new MailListener(new MailListenerOptions { Name = "plain", MaxConnectionsPerAddress = 2 });
        _implicit = new MailListener(new MailListenerOptions { Name = "tls", ImplicitTls = true });
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, 0, l => { _plainEndpoint = l; l.UseMailListener<EchoHandler>(_plain); });
            k.Listen(IPAddress.Loopback, 0, l => { _implicitEndpoint = l; l.UseMailListener<EchoHandler>(_implicit); });
        });
        builder.Services.Configure<Microsoft.Extensions.Hosting.HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        _app = builder.Build();
        await _app.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
        _plain?.Dispose();
        _implicit?.Dispose();
    }

    private async Task<(TcpClient, Stream, StreamReader)> ConnectAsync(ListenOptions endpoint)
    {
        var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, endpoint.IPEndPoint!.Port).WaitAsync(Timeout);
        var stream = client.GetStream();
        return (client, stream, new StreamReader(stream, Encoding.ASCII));
    }

    private static async Task<string> ReadLineAsync(StreamReader reader) => (await reader.ReadLineAsync().WaitAsync(Timeout))!;

    private async Task<SslStream> ClientTlsAsync(Stream inner, string host)
    {
        string[] trusted = [_defaultCert.Thumbprint, _otherCert.Thumbprint];
        var ssl = new SslStream(inner, leaveInnerStreamOpen: true);
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = host,
            // Self-signed test certificates: trust exactly the two this test made.
            RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is not null && trusted.Contains(certificate.GetCertHashString()),
        }).WaitAsync(Timeout);
        return ssl;
    }

    [Fact]
    public async Task StartTlsUpgradesAndDiscardsPipelinedPlaintext()
    {
        var (client, stream, reader) = await ConnectAsync(_plainEndpoint!);
        using (client)
        {
            Assert.StartsWith("220 hello 127.0.0.1", await ReadLineAsync(reader));
            // The injection: a command pipelined behind STARTTLS in the same packet (CVE-2011-0411).
            await stream.WriteAsync("STARTTLS\r\nINJECTED\r\n"u8.ToArray());
            Assert.Equal("220 go ahead", await ReadLineAsync(reader));
            await using var ssl = await ClientTlsAsync(stream, "mail.example.test");
            Assert.Equal("CN=mail.example.test", ssl.RemoteCertificate!.Subject);
            var tlsReader = new StreamReader(ssl, Encoding.ASCII);
            await ssl.WriteAsync("PING\r\n"u8.ToArray());
            Assert.Equal("250 PING tls=True sni=mail.example.test", await ReadLineAsync(tlsReader));
            Assert.Equal("INJECTED\r\n".Length, EchoHandler.LastDiscarded);
        }
    }

    [Fact]
    public async Task ImplicitTlsChoosesTheCertificateBySni()
    {
        var (client, stream, _) = await ConnectAsync(_implicitEndpoint!);
        using (client)
        {
            await using var ssl = await ClientTlsAsync(stream, "imap.other.test");
            Assert.Equal("CN=*.other.test", ssl.RemoteCertificate!.Subject);
            var reader = new StreamReader(ssl, Encoding.ASCII);
            Assert.StartsWith("220 hello", await ReadLineAsync(reader));
            await ssl.WriteAsync("NOOP\r\n"u8.ToArray());
            Assert.Equal("250 NOOP tls=True sni=imap.other.test", await ReadLineAsync(reader));
        }
    }

    [Fact]
    public async Task ConnectionsBeyondThePerAddressLimitAreRefusedPolitely()
    {
        var (c1, _, r1) = await ConnectAsync(_plainEndpoint!);
        var (c2, _, r2) = await ConnectAsync(_plainEndpoint!);
        using (c1)
        using (c2)
        {
            Assert.StartsWith("220", await ReadLineAsync(r1));
            Assert.StartsWith("220", await ReadLineAsync(r2));
            var (c3, _, r3) = await ConnectAsync(_plainEndpoint!);
            using (c3)
            {
                Assert.Equal("421 TooManyConnectionsFromAddress", await ReadLineAsync(r3));
                Assert.Null(await r3.ReadLineAsync().WaitAsync(Timeout));
            }
        }
    }

    [Fact]
    public async Task ShutdownTellsSessionsToCloseAndStopsAccepting()
    {
        var (client, _, reader) = await ConnectAsync(_plainEndpoint!);
        using (client)
        {
            Assert.StartsWith("220", await ReadLineAsync(reader));
            var port = _plainEndpoint!.IPEndPoint!.Port;
            var stop = _app!.StopAsync();
            Assert.Equal("421 shutting down", await ReadLineAsync(reader));
            await stop.WaitAsync(Timeout);
            using var late = new TcpClient();
            await Assert.ThrowsAnyAsync<SocketException>(() => late.ConnectAsync(IPAddress.Loopback, port).WaitAsync(Timeout));
        }
    }

    [Fact]
    public async Task ListenerShutdownRequestReachesSessions()
    {
        var (client, _, reader) = await ConnectAsync(_plainEndpoint!);
        using (client)
        {
            Assert.StartsWith("220", await ReadLineAsync(reader));
            _plain!.RequestShutdown();
            Assert.Equal("421 shutting down", await ReadLineAsync(reader));
        }
    }
}

public sealed class ProxyListenerTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private WebApplication? _app;
    private ListenOptions? _endpoint;
    private readonly MailListener _listener = new(new MailListenerOptions { Name = "proxied", ProxyProtocol = true, MaxConnectionsPerAddress = 1 });

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddMailNet(null);
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => { _endpoint = l; l.UseMailListener<EchoHandler>(_listener); }));
        _app = builder.Build();
        await _app.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _app!.DisposeAsync();
        _listener.Dispose();
    }

    [Fact]
    public async Task RealClientAddressComesFromTheProxyHeaderAndLimitsUseIt()
    {
        async Task<(TcpClient, StreamReader)> Connect(string clientAddress)
        {
            var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, _endpoint!.IPEndPoint!.Port).WaitAsync(Timeout);
            await client.GetStream().WriteAsync(Encoding.ASCII.GetBytes($"PROXY TCP4 {clientAddress} 127.0.0.1 40000 25\r\n"));
            return (client, new StreamReader(client.GetStream(), Encoding.ASCII));
        }
        var (a, ra) = await Connect("192.0.2.10");
        var (b, rb) = await Connect("192.0.2.11");
        var (c, rc) = await Connect("192.0.2.10");
        using (a)
        using (b)
        using (c)
        {
            Assert.Equal("220 hello 192.0.2.10", await ra.ReadLineAsync().WaitAsync(Timeout));
            Assert.Equal("220 hello 192.0.2.11", await rb.ReadLineAsync().WaitAsync(Timeout));
            Assert.Equal("421 TooManyConnectionsFromAddress", await rc.ReadLineAsync().WaitAsync(Timeout));
        }
    }

    [Fact]
    public async Task ConnectionWithoutProxyHeaderIsClosed()
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, _endpoint!.IPEndPoint!.Port).WaitAsync(Timeout);
        await client.GetStream().WriteAsync("EHLO x\r\n"u8.ToArray());
        var reader = new StreamReader(client.GetStream(), Encoding.ASCII);
        Assert.Null(await reader.ReadLineAsync().WaitAsync(Timeout));
    }
}
