using HostedMail.Dns;
using HostedMail.MailAuth.Dkim;
using HostedMail.MailAuth.Spf;

namespace HostedMail.MailAuth.Dmarc;

/// <summary>The DMARC verdict for one message (RFC 7489 section 6.6) and the policy to apply.</summary>
/// <param name="Status">Pass, Fail, None (no policy), TempError (DNS) or PermError (unusable record).</param>
/// <param name="Reason">Why, for logs and Authentication-Results comments.</param>
public sealed record DmarcResult(AuthStatus Status, string Reason)
{
    /// <summary>The RFC 5322.From domain evaluated.</summary>
    public string FromDomain { get; init; } = string.Empty;

    /// <summary>The organisational domain of <see cref="FromDomain"/>.</summary>
    public string OrganizationalDomain { get; init; } = string.Empty;

    /// <summary>The record found, if any.</summary>
    public DmarcRecord? Record { get; init; }

    /// <summary>Where the record was found (the From domain or its organisational domain).</summary>
    public string? RecordDomain { get; init; }

    /// <summary>The policy the record requests for this domain (p=, or sp= for subdomains).</summary>
    public DmarcPolicy RequestedPolicy { get; init; }

    /// <summary>What to do with the message: the requested policy on failure after pct= sampling, otherwise none.</summary>
    public DmarcPolicy Disposition { get; init; }

    /// <summary>True when pct= sampling lowered the disposition (section 6.6.4).</summary>
    public bool SampledOut { get; init; }

    /// <summary>An SPF pass with an aligned domain.</summary>
    public bool SpfAligned { get; init; }

    /// <summary>At least one DKIM pass with an aligned d=.</summary>
    public bool DkimAligned { get; init; }
}

/// <summary>The DMARC policy found for a From domain (or why none was), before SPF and DKIM are known.</summary>
public sealed record DmarcPolicyLookup(string FromDomain, string OrganizationalDomain, AuthStatus Status, DmarcRecord? Record, string RecordDomain, string Error);

/// <summary>Discovers DMARC policies and evaluates alignment (RFC 7489); judgements come back as <see cref="DmarcResult"/>.</summary>
public sealed class DmarcVerifier(IDnsResolver resolver, PublicSuffixList? publicSuffixList = null, Func<int>? percentSample = null)
{
    private readonly PublicSuffixList _psl = publicSuffixList ?? PublicSuffixList.Default;
    private readonly Func<int> _sample = percentSample ?? (() => Random.Shared.Next(100));

    /// <summary>The organisational domain (section 3.2) under this verifier's public suffix list.</summary>
    public string OrganizationalDomain(string domain) => _psl.GetOrganizationalDomain(domain);

    /// <summary>Evaluates DMARC for a message whose From domain is <paramref name="fromDomain"/>.</summary>
    /// <param name="fromDomain">Domain of the RFC 5322.From address.</param>
    /// <param name="spf">The SPF result of the MAIL FROM (or HELO when MAIL FROM was empty) check.</param>
    /// <param name="spfDomain">The domain SPF evaluated; defaults to <see cref="SpfResult.Domain"/>.</param>
    /// <param name="dkim">Every DKIM result of the message.</param>
    /// <param name="cancellationToken">Cancels DNS work.</param>
    public async Task<DmarcResult> EvaluateAsync(string fromDomain, SpfResult spf, string? spfDomain, IReadOnlyList<DkimResult> dkim, CancellationToken cancellationToken = default) =>
        Evaluate(await DiscoverPolicyAsync(fromDomain, cancellationToken).ConfigureAwait(false), spf, spfDomain, dkim);

    /// <summary>
    /// The DNS half of DMARC: finds the policy for <paramref name="fromDomain"/> (section 6.6.3).
    /// It needs neither SPF nor DKIM, so a receiver starts it beside them and passes the result to
    /// <see cref="Evaluate"/>: the three lookups of one message run at the same time.
    /// </summary>
    public async Task<DmarcPolicyLookup> DiscoverPolicyAsync(string fromDomain, CancellationToken cancellationToken = default)
    {
        fromDomain = (fromDomain ?? string.Empty).Trim().TrimEnd('.').ToLowerInvariant();
        var orgDomain = _psl.GetOrganizationalDomain(fromDomain);
        if (!SpfVerifier.IsValidDomain(fromDomain))
        {
            return new DmarcPolicyLookup(fromDomain, orgDomain, AuthStatus.PermError, null, fromDomain, "From domain is not a valid domain");
        }

        // Section 6.6.3: the From domain first, then the organisational domain. Both are asked at
        // once (one round trip instead of two when the From domain has no record); the answer for
        // the From domain still decides first.
        var exact = DiscoverAsync(fromDomain, cancellationToken);
        var organizational = orgDomain.Equals(fromDomain, StringComparison.Ordinal) ? null : DiscoverAsync(orgDomain, cancellationToken);
        var (status, record, recordDomain, error) = await exact.ConfigureAwait(false);
        if (organizational is not null)
        {
            var fallback = await organizational.ConfigureAwait(false);
            if (status == AuthStatus.None && record is null)
            {
                (status, record, recordDomain, error) = fallback;
            }
        }

        return new DmarcPolicyLookup(fromDomain, orgDomain, status, record, recordDomain, error);
    }

    /// <summary>The judgement half of DMARC (sections 6.6.2 to 6.6.4): alignment and disposition from a discovered policy.</summary>
    public DmarcResult Evaluate(DmarcPolicyLookup lookup, SpfResult spf, string? spfDomain, IReadOnlyList<DkimResult> dkim)
    {
        ArgumentNullException.ThrowIfNull(lookup);
        var fromDomain = lookup.FromDomain;
        var result = new DmarcResult(AuthStatus.None, string.Empty) { FromDomain = fromDomain, OrganizationalDomain = lookup.OrganizationalDomain };
        var (status, record, recordDomain, error) = (lookup.Status, lookup.Record, lookup.RecordDomain, lookup.Error);
        if (record is null)
        {
            return result with { Status = status, Reason = error };
        }

        spfDomain = (spfDomain ?? spf.Domain).TrimEnd('.').ToLowerInvariant();
        var spfAligned = spf.Status == AuthStatus.Pass && Aligned(spfDomain, fromDomain, record.StrictSpf);
        var dkimAligned = dkim.Any(d => d.Status == AuthStatus.Pass && Aligned(d.Domain, fromDomain, record.StrictDkim));
        var requested = recordDomain != fromDomain && record.SubdomainPolicy is { } sp ? sp : record.Policy;
        result = result with { Record = record, RecordDomain = recordDomain, RequestedPolicy = requested, SpfAligned = spfAligned, DkimAligned = dkimAligned };
        if (spfAligned || dkimAligned)
        {
            return result with { Status = AuthStatus.Pass, Reason = spfAligned ? "aligned SPF pass" : "aligned DKIM pass", Disposition = DmarcPolicy.None };
        }

        var disposition = requested;
        var sampledOut = false;
        if (record.Percent < 100 && requested != DmarcPolicy.None && _sample() >= record.Percent)
        {
            // Section 6.6.4: messages outside the sample get the next policy down.
            disposition = requested == DmarcPolicy.Reject ? DmarcPolicy.Quarantine : DmarcPolicy.None;
            sampledOut = true;
        }

        return result with { Status = AuthStatus.Fail, Reason = "no aligned SPF or DKIM pass", Disposition = disposition, SampledOut = sampledOut };
    }

    /// <summary>Relaxed: same organisational domain; strict: identical (section 3.1).</summary>
    public bool Aligned(string authenticated, string fromDomain, bool strict)
    {
        authenticated = authenticated.TrimEnd('.').ToLowerInvariant();
        fromDomain = fromDomain.TrimEnd('.').ToLowerInvariant();
        if (authenticated.Length == 0)
        {
            return false;
        }

        return strict
            ? authenticated == fromDomain
            : _psl.GetOrganizationalDomain(authenticated) == _psl.GetOrganizationalDomain(fromDomain);
    }

    private async Task<(AuthStatus Status, DmarcRecord? Record, string Domain, string Error)> DiscoverAsync(string domain, CancellationToken cancellationToken)
    {
        var (answer, texts) = await resolver.QueryTxtAsync("_dmarc." + domain, cancellationToken).ConfigureAwait(false);
        if (answer.IsTransientError)
        {
            return (AuthStatus.TempError, null, domain, $"DNS {answer.Status} looking up _dmarc.{domain}");
        }

        var candidates = texts.Where(DmarcRecord.IsDmarcRecord).ToList();
        if (candidates.Count != 1)
        {
            // Section 6.6.3: none, or several records, means no policy here.
            return (AuthStatus.None, null, domain, candidates.Count == 0 ? $"no DMARC record for {domain}" : $"{candidates.Count} DMARC records at _dmarc.{domain}");
        }

        return DmarcRecord.TryParse(candidates[0], out var record, out var error)
            ? (AuthStatus.None, record, domain, string.Empty)
            : (AuthStatus.PermError, null, domain, $"unusable DMARC record at _dmarc.{domain}: {error}");
    }
}
