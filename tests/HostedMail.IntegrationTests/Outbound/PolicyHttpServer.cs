using System.Net;
using System.Net.Sockets;
using System.Text;

namespace HostedMail.IntegrationTests.Outbound;

/// <summary>Serves MTA-STS policies over plain HTTP on loopback (the node's policy URL is pointed here): one body per domain in the path.</summary>
public sealed class PolicyHttpServer : IAsyncDisposable
{
    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource stop = new();
    private readonly Task loop;

    public PolicyHttpServer()
    {
        listener.Start();
        loop = Task.Run(AcceptAsync);
    }

    public Dictionary<string, string> Policies { get; } = new(StringComparer.OrdinalIgnoreCase);

    public string UrlTemplate => $"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/{{0}}";

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        listener.Stop();
        try
        {
            await loop;
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
            using var client = await listener.AcceptTcpClientAsync(stop.Token);
            var stream = client.GetStream();
            var request = new StringBuilder();
            var buffer = new byte[4096];
            while (!request.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                var n = await stream.ReadAsync(buffer, stop.Token);
                if (n == 0)
                {
                    break;
                }

                request.Append(Encoding.ASCII.GetString(buffer, 0, n));
            }

            var path = request.ToString().Split(' ')[1].Trim('/');
            var response = Policies.TryGetValue(path, out var body)
                ? $"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\nConnection: close\r\n\r\n{body}"
                : "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
            await stream.WriteAsync(Encoding.UTF8.GetBytes(response), stop.Token);
        }
    }
}
