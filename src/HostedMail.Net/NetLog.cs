using System.Net;
using Microsoft.Extensions.Logging;

namespace HostedMail.Net;

/// <summary>Log messages of HostedMail.Net; event ids 3000-3099.</summary>
internal static partial class NetLog
{
    [LoggerMessage(3000, LogLevel.Warning, "Connection {ConnectionId} from {Peer} closed: missing, invalid or untrusted PROXY header")]
    public static partial void ProxyHeaderRefused(ILogger logger, string connectionId, IPAddress peer);

    [LoggerMessage(3001, LogLevel.Information, "Connection refused: {Rejection}")]
    public static partial void ConnectionRefused(ILogger logger, ConnectionRejection rejection);

    [LoggerMessage(3002, LogLevel.Information, "TLS handshake failed: {Reason}")]
    public static partial void TlsHandshakeFailed(ILogger logger, string reason);
}
