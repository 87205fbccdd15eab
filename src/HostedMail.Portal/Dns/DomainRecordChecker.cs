using HostedMail.Core.Domains;
using HostedMail.Dns;

namespace HostedMail.Portal.Dns;

/// <summary>One expected record with what DNS holds now.</summary>
internal sealed record CheckedRecord(DnsRecordSpec Expected, RecordStatus Status, IReadOnlyList<string> Found, string? Note);

/// <summary>Compares the records a domain should publish with what DNS answers, one query per record.</summary>
internal sealed class DomainRecordChecker(PortalDns dns)
{
    public async Task<IReadOnlyList<CheckedRecord>> CheckAsync(IReadOnlyList<DnsRecordSpec> records, string ownershipValue, CancellationToken cancellationToken)
    {
        var checks = records.Select(r => CheckOneAsync(r, ownershipValue, cancellationToken)).ToArray();
        return await Task.WhenAll(checks);
    }

    /// <summary>Whether the domain's MX points to us: ok when the most preferred exchange is our host.</summary>
    public async Task<(RecordStatus Status, IReadOnlyList<string> Found)> CheckMxAsync(string domain, string hostname, CancellationToken cancellationToken)
    {
        var (answer, mx) = await dns.Resolver.QueryMxAsync(domain, cancellationToken);
        if (answer.IsTransientError)
        {
            return (RecordStatus.Unknown, []);
        }

        var found = mx.Select(m => $"{m.Preference} {m.Exchange}.").ToArray();
        if (mx.Count == 0)
        {
            return (RecordStatus.Missing, found);
        }

        // RFC 5321 section 5.1: senders try the lowest preference first; if that is not us, mail goes elsewhere.
        var best = mx[0].Preference;
        return mx.Where(m => m.Preference == best).All(m => SameHost(m.Exchange, hostname)) ? (RecordStatus.Ok, found) : (RecordStatus.Wrong, found);
    }

    private async Task<CheckedRecord> CheckOneAsync(DnsRecordSpec spec, string ownershipValue, CancellationToken cancellationToken)
    {
        switch (spec.Kind)
        {
            case "ownership":
                return await TxtAsync(spec with { Value = ownershipValue }, texts => texts.Any(t => t == ownershipValue) ? RecordStatus.Ok : RecordStatus.Wrong, cancellationToken);
            case "mx":
            {
                var host = spec.Value.Split(' ')[1];
                var (status, found) = await CheckMxAsync(spec.Name, host, cancellationToken);
                return new CheckedRecord(spec, status, found, status == RecordStatus.Wrong ? "the most preferred MX must be our host, or mail goes elsewhere" : null);
            }

            case "spf":
                return await TxtAsync(spec, texts =>
                {
                    var spf = texts.Where(t => t.StartsWith("v=spf1", StringComparison.OrdinalIgnoreCase) && (t.Length == 6 || t[6] == ' ')).ToList();
                    if (spf.Count == 0)
                    {
                        return RecordStatus.Missing;
                    }

                    // RFC 7208 section 4.5: more than one SPF record is a permerror.
                    var include = spec.Value.Split(' ').First(p => p.StartsWith("include:", StringComparison.Ordinal));
                    return spf.Count == 1 && spf[0].Split(' ', StringSplitOptions.RemoveEmptyEntries).Any(t => t.TrimStart('+').Equals(include, StringComparison.OrdinalIgnoreCase))
                        ? RecordStatus.Ok : RecordStatus.Wrong;
                }, cancellationToken, t => t.StartsWith("v=spf1", StringComparison.OrdinalIgnoreCase));
            case "dkim":
                return await TxtAsync(spec, texts => texts.Any(t => DkimKey(t) == DkimKey(spec.Value)) ? RecordStatus.Ok : RecordStatus.Wrong, cancellationToken);
            case "dmarc":
            {
                var checkedRecord = await TxtAsync(spec, texts =>
                {
                    // RFC 7489 section 6.6.3: exactly one record; any valid policy is fine.
                    var dmarc = texts.Where(IsDmarc).ToList();
                    return dmarc.Count == 0 ? RecordStatus.Missing
                        : dmarc.Count == 1 && DmarcRecordSyntax.Problem(dmarc[0]) is null ? RecordStatus.Ok : RecordStatus.Wrong;
                }, cancellationToken, IsDmarc);
                if (checkedRecord.Status == RecordStatus.Wrong)
                {
                    var note = checkedRecord.Found.Count > 1 ? "publish exactly one DMARC record (RFC 7489 section 6.6.3)" : DmarcRecordSyntax.Problem(checkedRecord.Found[0]);
                    return checkedRecord with { Note = note };
                }

                return checkedRecord;
            }

            case "mta-sts":
                return await TxtAsync(spec, texts => texts.Any(t => Normalize(t) == Normalize(spec.Value)) ? RecordStatus.Ok : RecordStatus.Wrong, cancellationToken);
            case "tls-rpt":
                return await TxtAsync(spec, texts => texts.Any(t => t.StartsWith("v=TLSRPTv1", StringComparison.Ordinal) && t.Contains("rua=", StringComparison.Ordinal)) ? RecordStatus.Ok : RecordStatus.Wrong, cancellationToken);
            case "mta-sts-host" or "autoconfig" or "autodiscover":
                return await CnameAsync(spec, cancellationToken);
            case "srv":
                return await SrvAsync(spec, cancellationToken);
            default:
                return new CheckedRecord(spec, RecordStatus.Unknown, [], null);
        }
    }

    private async Task<CheckedRecord> TxtAsync(DnsRecordSpec spec, Func<IReadOnlyList<string>, RecordStatus> judge, CancellationToken cancellationToken, Func<string, bool>? relevant = null)
    {
        var (answer, texts) = await dns.Resolver.QueryTxtAsync(spec.Name, cancellationToken);
        if (answer.IsTransientError)
        {
            return new CheckedRecord(spec, RecordStatus.Unknown, [], $"DNS did not answer ({answer.Status})");
        }

        // A domain's apex holds many unrelated TXT records (other verifications): show the relevant ones.
        var shown = relevant is null ? texts : texts.Where(relevant).ToArray();
        return new CheckedRecord(spec, texts.Count == 0 || shown.Count == 0 ? RecordStatus.Missing : judge(texts), shown, null);
    }

    private async Task<CheckedRecord> CnameAsync(DnsRecordSpec spec, CancellationToken cancellationToken)
    {
        var answer = await dns.Resolver.QueryAsync(spec.Name, DnsRecordType.CNAME, cancellationToken);
        if (answer.IsTransientError)
        {
            return new CheckedRecord(spec, RecordStatus.Unknown, [], $"DNS did not answer ({answer.Status})");
        }

        var targets = answer.RecordsOf<NameRecord>().Select(r => r.Target + ".").ToArray();
        if (targets.Length > 0)
        {
            return new CheckedRecord(spec, targets.Any(t => SameHost(t, spec.Value)) ? RecordStatus.Ok : RecordStatus.Wrong, targets, null);
        }

        // An A/AAAA record instead of the CNAME is fine when it holds our host's addresses.
        var (mine, _) = await dns.Resolver.QueryAddressesAsync(spec.Value.TrimEnd('.'), cancellationToken);
        var (theirs, _) = await dns.Resolver.QueryAddressesAsync(spec.Name, cancellationToken);
        var theirAddresses = theirs.RecordsOf<AddressRecord>().Select(a => a.Address.ToString()).ToArray();
        if (theirAddresses.Length == 0)
        {
            return new CheckedRecord(spec, RecordStatus.Missing, [], null);
        }

        var ours = mine.RecordsOf<AddressRecord>().Select(a => a.Address.ToString()).ToHashSet();
        return new CheckedRecord(spec, theirAddresses.All(ours.Contains) ? RecordStatus.Ok : RecordStatus.Wrong, theirAddresses, "an address record instead of the CNAME");
    }

    private async Task<CheckedRecord> SrvAsync(DnsRecordSpec spec, CancellationToken cancellationToken)
    {
        var answer = await dns.Resolver.QueryAsync(spec.Name, DnsRecordType.SRV, cancellationToken);
        if (answer.IsTransientError)
        {
            return new CheckedRecord(spec, RecordStatus.Unknown, [], $"DNS did not answer ({answer.Status})");
        }

        var found = answer.RecordsOf<SrvRecord>().Select(s => $"{s.Priority} {s.Weight} {s.Port} {(s.Target.Length == 0 ? "" : s.Target)}.").ToArray();
        if (found.Length == 0)
        {
            return new CheckedRecord(spec, RecordStatus.Missing, found, null);
        }

        var expected = spec.Value.Split(' ');
        var ok = answer.RecordsOf<SrvRecord>().Any(s => s.Port.ToString(System.Globalization.CultureInfo.InvariantCulture) == expected[2] && SameHost(s.Target.Length == 0 ? "." : s.Target, expected[3]));
        return new CheckedRecord(spec, ok ? RecordStatus.Ok : RecordStatus.Wrong, found, null);
    }

    // RFC 7489 section 6.6.3: records that do not start with "v=DMARC1" are not DMARC records at all.
    private static bool IsDmarc(string text) => text.StartsWith("v=DMARC1", StringComparison.Ordinal);

    private static bool SameHost(string a, string b) => string.Equals(a.TrimEnd('.'), b.TrimEnd('.'), StringComparison.OrdinalIgnoreCase);

    private static string Normalize(string text) => string.Concat(text.Where(c => !char.IsWhiteSpace(c)));

    /// <summary>The p= tag of a DKIM key record (RFC 6376 section 3.6.1), whitespace removed.</summary>
    private static string? DkimKey(string record) =>
        record.Split(';').Select(t => t.Trim()).FirstOrDefault(t => t.StartsWith("p=", StringComparison.Ordinal)) is { } p ? Normalize(p[2..]) : null;
}
