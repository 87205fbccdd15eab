using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Configuration;

namespace HostedMail.Server.Node;

/// <summary>
/// <c>Http:TrustedProxies</c>: the HTTPS proxies or balancers (CIDR list) in front of the node's
/// plain HTTP listener. From those peers only, <c>X-Forwarded-For</c> gives the client's address
/// (rate limits, lockouts, sessions and audit count the person, not the proxy) and
/// <c>X-Forwarded-Proto</c> whether the client used HTTPS (HSTS, secure redirects). Without the
/// setting the headers are ignored: anyone could send them.
/// </summary>
internal static class TrustedProxyHeaders
{
    public static void UseTrustedProxyHeaders(this WebApplication app, IConfiguration configuration)
    {
        var networks = configuration.GetSection("Http:TrustedProxies").Get<string[]>() ?? [];
        if (networks.Length == 0)
        {
            return;
        }

        var options = new ForwardedHeadersOptions
        {
            ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto,
            // Every trusted hop is unwrapped (a balancer in front of a proxy); the first untrusted
            // address from the right is the client.
            ForwardLimit = null,
        };

        // ASP.NET trusts loopback by default; only what the operator names counts here.
        options.KnownProxies.Clear();
        options.KnownIPNetworks.Clear();
        foreach (var network in networks)
        {
            // CIDR, as the mail listeners' TrustedProxies (a single address is "/32" or "/128").
            options.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
        }

        app.UseForwardedHeaders(options);
    }
}
