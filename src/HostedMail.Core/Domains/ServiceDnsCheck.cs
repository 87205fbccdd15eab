using System.Net;
using System.Net.Sockets;
using HostedMail.Dns;
using HostedMail.MailAuth.Spf;

namespace HostedMail.Core.Domains;

/// <summary>One record the operator publishes for the service, and what DNS says about it now.</summary>
/// <param name="Kind">address, helo-address, ptr, spf, spf-include, dkim, dmarc, mx.</param>
/// <param name="Expected">The value to publish (zone-file RDATA without quoting).</param>
/// <param name="Required">Service mail is rejected or junked without it; MX is only needed to receive bounces.</param>
/// <param name="Detail">What was found, or why it is wrong.</param>
public sealed record ServiceDnsFinding(string Kind, string Type, string Name, string Expected, bool Required, RecordStatus Status, string Detail)
{
    public bool IsProblem => Required && Status != RecordStatus.Ok;
}

/// <summary>
/// Checks the DNS records that make the service's own mail trusted (issue 18): the node's names
/// resolve (A/AAAA), its sending addresses have PTR records naming the HELO name (forward-confirmed,
/// as receivers check), the service domain's SPF passes for those addresses (RFC 7208, evaluated
/// with our own verifier), the DKIM record holds our public key (RFC 6376 section 3.6.1), DMARC
/// exists (RFC 7489), and an MX takes bounces. Run by <c>hostedmail check-dns</c> and <c>/healthz/dns</c>.
/// </summary>
public sealed class ServiceDnsCheck(ServiceMailIdentity identity, ServiceDkim dkim, IDnsResolver dns, TimeProvider timeProvider)
{
    public async Task<IReadOnlyList<ServiceDnsFinding>> RunAsync(CancellationToken cancellationToken = default)
    {
        var findings = new List<ServiceDnsFinding>();
        var domain = identity.SenderDomain;

        var hostAddresses = await AddressesAsync(identity.MailHostname, cancellationToken);
        findings.Add(AddressFinding("address", identity.MailHostname, hostAddresses, "the node's mail name: MX target and client host"));
        var heloAddresses = hostAddresses;
        if (!identity.HeloName.Equals(identity.MailHostname, StringComparison.OrdinalIgnoreCase))
        {
            heloAddresses = await AddressesAsync(identity.HeloName, cancellationToken);
            findings.Add(AddressFinding("helo-address", identity.HeloName, heloAddresses, "the EHLO name of outgoing mail"));
        }

        // The addresses mail leaves from: configured, else what the HELO name resolves to.
        var senders = identity.PublicAddresses.Count > 0 ? identity.PublicAddresses : heloAddresses.Addresses;
        foreach (var address in senders)
        {
            findings.Add(await PtrFindingAsync(address, cancellationToken));
        }

        findings.Add(await SpfFindingAsync("spf", domain, senders, cancellationToken));
        if (!identity.SpfInclude.Equals(domain, StringComparison.OrdinalIgnoreCase))
        {
            findings.Add(await SpfFindingAsync("spf-include", identity.SpfInclude, senders, cancellationToken));
        }

        findings.Add(await DkimFindingAsync(cancellationToken));
        findings.Add(await DmarcFindingAsync(domain, cancellationToken));
        findings.Add(await MxFindingAsync(domain, cancellationToken));
        return findings;
    }

    private ServiceDnsFinding AddressFinding(string kind, string name, (IReadOnlyList<IPAddress> Addresses, bool Failed) found, string purpose)
    {
        var expected = identity.PublicAddresses.Count > 0 ? string.Join(", ", identity.PublicAddresses) : "the node's public address";
        var type = identity.PublicAddresses.Count > 0 && identity.PublicAddresses.All(a => a.AddressFamily == AddressFamily.InterNetworkV6) ? "AAAA" : "A";
        if (found.Failed)
        {
            return new(kind, type, name, expected, true, RecordStatus.Unknown, "DNS did not answer");
        }

        if (found.Addresses.Count == 0)
        {
            return new(kind, type, name, expected, true, RecordStatus.Missing, $"no A or AAAA record ({purpose})");
        }

        var missing = identity.PublicAddresses.Where(a => !found.Addresses.Contains(a)).ToList();
        return missing.Count == 0
            ? new(kind, type, name, expected, true, RecordStatus.Ok, string.Join(", ", found.Addresses))
            : new(kind, type, name, expected, true, RecordStatus.Wrong, $"resolves to {string.Join(", ", found.Addresses)}, not {string.Join(", ", missing)}");
    }

    private async Task<ServiceDnsFinding> PtrFindingAsync(IPAddress address, CancellationToken cancellationToken)
    {
        var name = ReverseName(address);
        var (answer, names) = await dns.QueryPtrAsync(address, cancellationToken);
        var expected = identity.HeloName + ".";
        if (answer.IsTransientError)
        {
            return new("ptr", "PTR", name, expected, true, RecordStatus.Unknown, "DNS did not answer");
        }

        var clean = names.Select(n => n.TrimEnd('.')).ToList();
        if (clean.Count == 0)
        {
            return new("ptr", "PTR", name, expected, true, RecordStatus.Missing, $"no PTR record for {address} (receivers distrust senders without reverse DNS)");
        }

        return clean.Any(n => n.Equals(identity.HeloName, StringComparison.OrdinalIgnoreCase))
            ? new("ptr", "PTR", name, expected, true, RecordStatus.Ok, string.Join(", ", clean))
            : new("ptr", "PTR", name, expected, true, RecordStatus.Wrong, $"names {string.Join(", ", clean)}, not the HELO name");
    }

    private async Task<ServiceDnsFinding> SpfFindingAsync(string kind, string domain, IReadOnlyList<IPAddress> senders, CancellationToken cancellationToken)
    {
        var expected = "v=spf1 " + (identity.PublicAddresses.Count > 0
            ? string.Join(' ', identity.PublicAddresses.Select(a => (a.AddressFamily == AddressFamily.InterNetworkV6 ? "ip6:" : "ip4:") + a))
            : "a:" + identity.HeloName) + " -all";
        var (answer, texts) = await dns.QueryTxtAsync(domain, cancellationToken);
        if (answer.IsTransientError)
        {
            return new(kind, "TXT", domain, expected, true, RecordStatus.Unknown, "DNS did not answer");
        }

        var records = texts.Where(t => t.StartsWith("v=spf1", StringComparison.OrdinalIgnoreCase) && (t.Length == 6 || t[6] == ' ')).ToList();
        if (records.Count == 0)
        {
            return new(kind, "TXT", domain, expected, true, RecordStatus.Missing, "no SPF record");
        }

        if (senders.Count == 0)
        {
            return new(kind, "TXT", domain, expected, true, RecordStatus.Unknown, "no sending address known to test the record against: " + records[0]);
        }

        // Our own verifier, as a receiver would run it, for every address mail leaves from.
        var spf = new SpfVerifier(dns, null, timeProvider);
        foreach (var address in senders)
        {
            var result = await spf.CheckHostAsync(address, domain, "postmaster@" + domain, identity.HeloName, cancellationToken);
            if (result.Status != MailAuth.AuthStatus.Pass)
            {
                return new(kind, "TXT", domain, expected, true, RecordStatus.Wrong, $"SPF gives {result.Status.ToString().ToLowerInvariant()} for {address}: {records[0]}");
            }
        }

        return new(kind, "TXT", domain, expected, true, RecordStatus.Ok, records[0]);
    }

    private async Task<ServiceDnsFinding> DkimFindingAsync(CancellationToken cancellationToken)
    {
        var (name, value) = await dkim.PublicRecordAsync(cancellationToken);
        var (answer, texts) = await dns.QueryTxtAsync(name, cancellationToken);
        if (answer.IsTransientError)
        {
            return new("dkim", "TXT", name, value, true, RecordStatus.Unknown, "DNS did not answer");
        }

        var published = texts.Select(PublicKeyOf).Where(k => k is not null).ToList();
        if (published.Count == 0)
        {
            return new("dkim", "TXT", name, value, true, RecordStatus.Missing, "no DKIM key record: portal mail fails DKIM");
        }

        return published.Contains(PublicKeyOf(value))
            ? new("dkim", "TXT", name, value, true, RecordStatus.Ok, "public key matches")
            : new("dkim", "TXT", name, value, true, RecordStatus.Wrong, "the published key is not the one the node signs with");
    }

    private async Task<ServiceDnsFinding> DmarcFindingAsync(string domain, CancellationToken cancellationToken)
    {
        var name = "_dmarc." + domain;
        const string expected = "v=DMARC1; p=reject; adkim=s; aspf=s";
        var (answer, texts) = await dns.QueryTxtAsync(name, cancellationToken);
        if (answer.IsTransientError)
        {
            return new("dmarc", "TXT", name, expected, true, RecordStatus.Unknown, "DNS did not answer");
        }

        // RFC 7489 section 6.6.3: a record starts with v=DMARC1.
        var record = texts.FirstOrDefault(t => t.Replace(" ", string.Empty, StringComparison.Ordinal).StartsWith("v=DMARC1;", StringComparison.Ordinal) || t.Trim() == "v=DMARC1");
        return record is null
            ? new("dmarc", "TXT", name, expected, true, RecordStatus.Missing, "no DMARC record")
            : new("dmarc", "TXT", name, expected, true, RecordStatus.Ok, record);
    }

    private async Task<ServiceDnsFinding> MxFindingAsync(string domain, CancellationToken cancellationToken)
    {
        var expected = $"10 {identity.MailHostname}.";
        var (answer, exchanges) = await dns.QueryMxAsync(domain, cancellationToken);
        if (answer.IsTransientError)
        {
            return new("mx", "MX", domain, expected, false, RecordStatus.Unknown, "DNS did not answer");
        }

        return exchanges.Count == 0
            ? new("mx", "MX", domain, expected, false, RecordStatus.Missing, "no MX: bounces of portal mail cannot come back (optional)")
            : new("mx", "MX", domain, expected, false, RecordStatus.Ok, string.Join(", ", exchanges.Select(e => $"{e.Preference} {e.Exchange}")));
    }

    private async Task<(IReadOnlyList<IPAddress> Addresses, bool Failed)> AddressesAsync(string name, CancellationToken cancellationToken)
    {
        var (a, aaaa) = await dns.QueryAddressesAsync(name, cancellationToken);
        var addresses = a.RecordsOf<AddressRecord>().Concat(aaaa.RecordsOf<AddressRecord>()).Select(r => r.Address).Distinct().ToList();
        return (addresses, addresses.Count == 0 && (a.IsTransientError || aaaa.IsTransientError));
    }

    private static string? PublicKeyOf(string record) =>
        record.Split(';').Select(t => t.Trim()).FirstOrDefault(t => t.StartsWith("p=", StringComparison.Ordinal))?[2..].Replace(" ", string.Empty, StringComparison.Ordinal);

    /// <summary>The in-addr.arpa / ip6.arpa name of an address (RFC 1035 section 3.5, RFC 3596 section 2.5).</summary>
    private static string ReverseName(IPAddress address)
    {
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            return string.Join('.', address.GetAddressBytes().Reverse()) + ".in-addr.arpa";
        }

        var nibbles = address.GetAddressBytes().SelectMany(b => new[] { b >> 4, b & 15 }).Reverse().Select(n => n.ToString("x", System.Globalization.CultureInfo.InvariantCulture));
        return string.Join('.', nibbles) + ".ip6.arpa";
    }
}
