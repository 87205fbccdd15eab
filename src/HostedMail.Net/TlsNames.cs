using System.Security.Authentication;

namespace HostedMail.Net;

/// <summary>TLS names as Received headers, logs and the delivery log usually write them (OpenSSL's, as Postfix does).</summary>
public static class TlsNames
{
    /// <summary>"TLSv1.3", "TLSv1.2"; the enum's name for anything else (never negotiated here).</summary>
    public static string Protocol(SslProtocols protocol) => protocol switch
    {
        SslProtocols.Tls13 => "TLSv1.3",
        SslProtocols.Tls12 => "TLSv1.2",
        _ => protocol.ToString(),
    };
}
