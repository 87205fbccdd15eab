using System.Globalization;
using System.Net;

namespace HostedMail.Dns;

/// <summary>Settings of <see cref="DnsResolver"/>: upstream servers, timeouts, retries, EDNS0 and cache limits.</summary>
public sealed class DnsResolverOptions
{
    /// <summary>Upstream recursive servers, tried in order on every attempt; ports other than 53 are allowed.</summary>
    public IList<IPEndPoint> Servers { get; init; } = [];

    /// <summary>How long to wait for one server on one attempt.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>How many rounds over all servers before giving up: at most Attempts x Servers queries per lookup.</summary>
    public int Attempts { get; set; } = 3;

    /// <summary>
    /// The longest a query waits for its answer before a second one goes out beside it (to the next
    /// server, or the same one with a new ID and port); the first answer wins. Once a server has
    /// answered, the wait is learned from its round-trip times (the 95th percentile of the last 64)
    /// between <see cref="MinHedgeDelay"/> and this. Zero sends the next query only when the previous one
    /// failed or timed out.
    /// </summary>
    public TimeSpan HedgeDelay { get; set; } = TimeSpan.FromMilliseconds(400);

    /// <summary>The shortest learned hedge delay, so that a server answering in microseconds is not sent every query twice.</summary>
    public TimeSpan MinHedgeDelay { get; set; } = TimeSpan.FromMilliseconds(3);

    /// <summary>
    /// After a server refused a query (ICMP port unreachable), how long queries to it fail without
    /// being sent (the next server is asked instead); zero sends every query. Each refusal costs a
    /// caught exception, which with a stopped resolver was a quarter of the SMTP server's CPU.
    /// </summary>
    public TimeSpan RefusedServerHoldDown { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long NXDOMAIN/NODATA without an SOA is kept (RFC 2308 section 5 says not to cache it; a few seconds spare repeats within one message).</summary>
    public TimeSpan UnprovenNegativeCacheTtl { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>EDNS0 UDP payload size advertised (RFC 6891); 1232 avoids IP fragmentation (DNS flag day 2020).</summary>
    public ushort UdpPayloadSize { get; set; } = 1232;

    /// <summary>Sets the DO bit so a validating upstream reports the AD bit for DNSSEC-secure answers (RFC 3225).</summary>
    public bool RequestDnssec { get; set; } = true;

    /// <summary>Whether answers are cached at all.</summary>
    public bool EnableCache { get; set; } = true;

    /// <summary>Upper bound on cached entries; beyond it expired entries are purged and then the cache is cleared.</summary>
    public int MaxCacheEntries { get; set; } = 10_000;

    /// <summary>Upper bound on any positive TTL honoured.</summary>
    public TimeSpan MaxCacheTtl { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Upper bound on negative caching (RFC 2308 section 5 suggests 1 to 3 hours).</summary>
    public TimeSpan MaxNegativeCacheTtl { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long SERVFAIL and timeouts are remembered (RFC 2308 section 7.1 caps it at five minutes); zero disables.</summary>
    public TimeSpan FailureCacheTtl { get; set; } = TimeSpan.Zero;

    /// <summary>Maximum CNAME links followed for one query.</summary>
    public int MaxCnameChain { get; set; } = 8;

    /// <summary>Reads <c>nameserver</c>, <c>options timeout:</c> and <c>options attempts:</c> from a resolv.conf file.</summary>
    public static DnsResolverOptions FromResolvConf(string path = "/etc/resolv.conf")
    {
        var text = File.Exists(path) ? File.ReadAllText(path) : string.Empty;
        return ParseResolvConf(text);
    }

    /// <summary>Parses resolv.conf text (resolv.conf(5)); an empty server list falls back to 127.0.0.1:53 as glibc does.</summary>
    public static DnsResolverOptions ParseResolvConf(string text)
    {
        var options = new DnsResolverOptions();
        foreach (var rawLine in text.Split('\n'))
        {
            var line = rawLine.Trim();
            if (line.Length == 0 || line[0] is '#' or ';')
            {
                continue;
            }

            var parts = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length >= 2 && parts[0] == "nameserver")
            {
                // A scope suffix (fe80::1%eth0) is accepted by IPAddress.TryParse.
                if (IPAddress.TryParse(parts[1], out var address))
                {
                    options.Servers.Add(new IPEndPoint(address, 53));
                }
            }
            else if (parts[0] == "options")
            {
                foreach (var option in parts.Skip(1))
                {
                    if (option.StartsWith("timeout:", StringComparison.Ordinal)
                        && int.TryParse(option.AsSpan(8), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds > 0)
                    {
                        options.Timeout = TimeSpan.FromSeconds(Math.Min(seconds, 30));
                    }
                    else if (option.StartsWith("attempts:", StringComparison.Ordinal)
                        && int.TryParse(option.AsSpan(9), NumberStyles.None, CultureInfo.InvariantCulture, out var attempts) && attempts > 0)
                    {
                        options.Attempts = Math.Min(attempts, 5);
                    }
                }
            }
        }

        if (options.Servers.Count == 0)
        {
            options.Servers.Add(new IPEndPoint(IPAddress.Loopback, 53));
        }

        return options;
    }
}
