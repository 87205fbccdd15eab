using System.Net;

namespace HostedMail.Dns;

/// <summary>Typed shortcuts over <see cref="IDnsResolver.QueryAsync"/>.</summary>
public static class DnsResolverExtensions
{
    /// <summary>A and AAAA addresses of <paramref name="name"/> as one answer per family.</summary>
    public static async Task<(DnsAnswer A, DnsAnswer Aaaa)> QueryAddressesAsync(this IDnsResolver resolver, string name, CancellationToken cancellationToken = default)
    {
        var a = resolver.QueryAsync(name, DnsRecordType.A, cancellationToken);
        var aaaa = resolver.QueryAsync(name, DnsRecordType.AAAA, cancellationToken);
        return (await a.ConfigureAwait(false), await aaaa.ConfigureAwait(false));
    }

    /// <summary>The joined text of every TXT record of <paramref name="name"/>, with the answer for its status.</summary>
    public static async Task<(DnsAnswer Answer, IReadOnlyList<string> Texts)> QueryTxtAsync(this IDnsResolver resolver, string name, CancellationToken cancellationToken = default)
    {
        var answer = await resolver.QueryAsync(name, DnsRecordType.TXT, cancellationToken).ConfigureAwait(false);
        return (answer, answer.RecordsOf<TxtRecord>().Select(r => r.Text).ToArray());
    }

    /// <summary>MX records ordered by preference.</summary>
    public static async Task<(DnsAnswer Answer, IReadOnlyList<MxRecord> Exchanges)> QueryMxAsync(this IDnsResolver resolver, string name, CancellationToken cancellationToken = default)
    {
        var answer = await resolver.QueryAsync(name, DnsRecordType.MX, cancellationToken).ConfigureAwait(false);
        return (answer, answer.RecordsOf<MxRecord>().OrderBy(r => r.Preference).ToArray());
    }

    /// <summary>The reverse-lookup name of an address: in-addr.arpa or ip6.arpa (RFC 1035 section 3.5, RFC 3596 section 2.5).</summary>
    public static string ReverseName(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        var bytes = address.GetAddressBytes();
        if (bytes.Length == 4)
        {
            return $"{bytes[3]}.{bytes[2]}.{bytes[1]}.{bytes[0]}.in-addr.arpa";
        }

        var parts = new List<string>(33);
        for (var i = bytes.Length - 1; i >= 0; i--)
        {
            parts.Add(((int)bytes[i] & 0xF).ToString("x", System.Globalization.CultureInfo.InvariantCulture));
            parts.Add(((int)bytes[i] >> 4).ToString("x", System.Globalization.CultureInfo.InvariantCulture));
        }

        parts.Add("ip6.arpa");
        return string.Join('.', parts);
    }

    /// <summary>PTR names of <paramref name="address"/>.</summary>
    public static async Task<(DnsAnswer Answer, IReadOnlyList<string> Names)> QueryPtrAsync(this IDnsResolver resolver, IPAddress address, CancellationToken cancellationToken = default)
    {
        var answer = await resolver.QueryAsync(ReverseName(address), DnsRecordType.PTR, cancellationToken).ConfigureAwait(false);
        return (answer, answer.RecordsOf<NameRecord>().Select(r => r.Target).ToArray());
    }
}
