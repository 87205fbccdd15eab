using HostedMail.Dns;

namespace HostedMail.Portal.Dns;

/// <summary>
/// The resolver the portal checks tenants' records with. Its cache is off: a tenant who has just
/// published a record and presses "verify" must not get a cached NXDOMAIN for up to an hour
/// (RFC 2308 negative caching), and a removed record must show as removed.
/// </summary>
internal sealed class PortalDns(IDnsResolver resolver)
{
    public IDnsResolver Resolver { get; } = resolver;

    public static PortalDns Create(PortalOptions options)
    {
        var resolverOptions = options.DnsServers.Count > 0 ? new DnsResolverOptions { Servers = [.. options.DnsServers] } : DnsResolverOptions.FromResolvConf();
        resolverOptions.EnableCache = false;
        return new PortalDns(new DnsResolver(resolverOptions));
    }
}
