using System.Net;
using HostedMail.Dns;
using HostedMail.Smtp.Protocol;

namespace HostedMail.Smtp.Outbound;

/// <summary>One host to try, with its addresses in the order to try them.</summary>
internal sealed record RouteHost(string Name, IReadOnlyList<IPAddress> Addresses, int Port, bool IsSmarthost = false);

/// <summary>Where mail for a domain goes: hosts in order, or why there is nowhere to go (transient or permanent).</summary>
internal sealed record Route(IReadOnlyList<RouteHost> Hosts, SmtpReply? Problem);

/// <summary>
/// Finds the hosts that take mail for a domain: the smarthost when configured, else MX records in
/// preference order (RFC 5321 section 5.1), the domain itself when it has none (implicit MX), and
/// nothing when it publishes a null MX (RFC 7505).
/// </summary>
internal sealed class OutboundRouter(IDnsResolver dns, OutboundOptions options)
{
    public async Task<Route> RouteAsync(string domain, CancellationToken cancellationToken)
    {
        if (options.Smarthost.IsConfigured)
        {
            var smarthost = options.Smarthost;
            var (addresses, transient) = IPAddress.TryParse(smarthost.Host, out var literal) ? ([literal], false) : await AddressesAsync(smarthost.Host, cancellationToken);
            return addresses.Count > 0
                ? new Route([new RouteHost(smarthost.Host, addresses, smarthost.Port, IsSmarthost: true)], null)
                : new Route([], Transient(transient ? "DNS lookup of the smarthost failed" : "the smarthost has no address"));
        }

        var (answer, exchanges) = await dns.QueryMxAsync(domain, cancellationToken);
        List<string> names;
        if (answer.Status == DnsStatus.Success && exchanges.Count > 0)
        {
            // RFC 7505 section 3: a single MX with preference 0 and the root as exchange means "no mail".
            if (exchanges.Count == 1 && exchanges[0].Exchange is "" or ".")
            {
                return new Route([], new SmtpReply(SmtpReplyCode.MailboxUnavailable, new EnhancedStatusCode(5, 1, 10), $"{domain} does not accept mail (null MX)"));
            }

            // RFC 5321 section 5.1: equal preferences are tried in random order.
            names = exchanges
                .Where(e => e.Exchange is not ("" or "."))
                .GroupBy(e => e.Preference)
                .OrderBy(g => g.Key)
                .SelectMany(g => g.OrderBy(_ => Random.Shared.Next()))
                .Select(e => e.Exchange.TrimEnd('.'))
                .Take(options.MaxMxHosts)
                .ToList();
        }
        else if (answer.Status is DnsStatus.NoData or DnsStatus.Success)
        {
            // RFC 5321 section 5.1: no MX records; the domain itself is the implicit MX.
            names = [domain];
        }
        else if (answer.Status == DnsStatus.NxDomain)
        {
            return new Route([], new SmtpReply(SmtpReplyCode.MailboxUnavailable, new EnhancedStatusCode(5, 1, 2), $"domain {domain} does not exist (DNS: NXDOMAIN for its MX record)"));
        }
        else
        {
            return new Route([], Transient($"DNS lookup of the MX records of {domain} failed ({Describe(answer.Status)})"));
        }

        var hosts = new List<RouteHost>();
        var anyTransient = false;
        foreach (var name in names)
        {
            var (addresses, transient) = await AddressesAsync(name, cancellationToken);
            anyTransient |= transient;
            if (addresses.Count > 0)
            {
                hosts.Add(new RouteHost(name, addresses, options.DestinationPort));
            }
        }

        if (hosts.Count > 0)
        {
            return new Route(hosts, null);
        }

        if (names.Count == 1 && names[0] == domain && !anyTransient)
        {
            return new Route([], new SmtpReply(SmtpReplyCode.MailboxUnavailable, new EnhancedStatusCode(5, 1, 2), $"{domain} has no MX, A or AAAA record in DNS"));
        }

        // An MX whose name does not resolve is usually a mistake being fixed: retry until expiry.
        return new Route([], Transient($"no A or AAAA record for the mail hosts of {domain} ({string.Join(", ", names)})"));
    }

    private async Task<(IReadOnlyList<IPAddress> Addresses, bool Transient)> AddressesAsync(string name, CancellationToken cancellationToken)
    {
        var (a, aaaa) = await dns.QueryAddressesAsync(name, cancellationToken);
        // IPv4 first: a node without IPv6 routes would otherwise spend a timeout per host.
        var addresses = a.RecordsOf<AddressRecord>().Concat(aaaa.RecordsOf<AddressRecord>()).Select(r => r.Address).Distinct().ToList();
        return (addresses, a.IsTransientError || aaaa.IsTransientError);
    }

    private static string Describe(DnsStatus status) => status switch
    {
        DnsStatus.ServerFailure => "SERVFAIL: its name servers could not answer",
        DnsStatus.Timeout => "timeout: no name server answered",
        _ => status.ToString(),
    };

    private static SmtpReply Transient(string text) => new(SmtpReplyCode.LocalError, new EnhancedStatusCode(4, 4, 3), text);
}
