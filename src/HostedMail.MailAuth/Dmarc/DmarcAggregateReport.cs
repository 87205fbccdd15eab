using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Xml.Linq;
using HostedMail.MailAuth.Dkim;
using HostedMail.MailAuth.Spf;

namespace HostedMail.MailAuth.Dmarc;

/// <summary>One aggregate report for one policy domain (RFC 7489 section 7.2 and appendix C).</summary>
public sealed record DmarcAggregateReport(
    string OrgName,
    string Email,
    string ReportId,
    DateTimeOffset Begin,
    DateTimeOffset End,
    string PolicyDomain,
    DmarcRecord PolicyPublished,
    IReadOnlyList<DmarcReportRow> Rows)
{
    /// <summary>The report as appendix C XML (the feedback element).</summary>
    public XDocument ToXml()
    {
        static string Keyword(AuthStatus s) => s.ToKeyword();
        static string Policy(DmarcPolicy p) => p.ToString().ToLowerInvariant();
        var p = PolicyPublished;
        return new XDocument(new XElement("feedback",
            new XElement("report_metadata",
                new XElement("org_name", OrgName), new XElement("email", Email), new XElement("report_id", ReportId),
                new XElement("date_range", new XElement("begin", Begin.ToUnixTimeSeconds()), new XElement("end", End.ToUnixTimeSeconds()))),
            new XElement("policy_published",
                new XElement("domain", PolicyDomain), new XElement("adkim", p.StrictDkim ? "s" : "r"), new XElement("aspf", p.StrictSpf ? "s" : "r"),
                new XElement("p", Policy(p.Policy)), new XElement("sp", Policy(p.SubdomainPolicy ?? p.Policy)), new XElement("pct", p.Percent)),
            Rows.Select(r => new XElement("record",
                new XElement("row",
                    new XElement("source_ip", r.SourceIp.ToString()), new XElement("count", r.Count),
                    new XElement("policy_evaluated",
                        new XElement("disposition", Policy(r.Disposition)),
                        new XElement("dkim", r.DkimAligned ? "pass" : "fail"),
                        new XElement("spf", r.SpfAligned ? "pass" : "fail"))),
                new XElement("identifiers", new XElement("header_from", r.HeaderFrom), new XElement("envelope_from", r.EnvelopeFrom)),
                new XElement("auth_results",
                    r.Dkim.Select(d => new XElement("dkim", new XElement("domain", d.Domain), new XElement("selector", d.Selector), new XElement("result", Keyword(d.Result)))),
                    new XElement("spf", new XElement("domain", r.SpfDomain), new XElement("scope", "mfrom"), new XElement("result", Keyword(r.SpfResult))))))));
    }
}

/// <summary>One row: messages from one source with identical identifiers and outcomes, and how many.</summary>
public sealed record DmarcReportRow(
    IPAddress SourceIp,
    string HeaderFrom,
    string EnvelopeFrom,
    DmarcPolicy Disposition,
    bool DkimAligned,
    bool SpfAligned,
    string SpfDomain,
    AuthStatus SpfResult,
    IReadOnlyList<DmarcReportDkim> Dkim,
    int Count);

/// <summary>One DKIM result inside a report row.</summary>
public sealed record DmarcReportDkim(string Domain, string Selector, AuthStatus Result);

/// <summary>Collects inbound DMARC outcomes and turns them into aggregate reports per policy domain; thread-safe.</summary>
public sealed class DmarcReportCollector
{
    private readonly ConcurrentDictionary<string, (DmarcRecord Record, ConcurrentDictionary<string, Counter> Rows)> _domains = new(StringComparer.Ordinal);

    /// <summary>Records one message's outcome when its policy asked for aggregate reports (rua=).</summary>
    public void Add(IPAddress sourceIp, string envelopeFromDomain, DmarcResult dmarc, SpfResult spf, IReadOnlyList<DkimResult> dkim)
    {
        if (dmarc.Record is not { AggregateReportUris.Count: > 0 } record || dmarc.RecordDomain is null)
        {
            return;
        }

        var dkimRows = dkim.Where(d => d.Domain.Length > 0).Select(d => new DmarcReportDkim(d.Domain, d.Selector, d.Status)).ToList();
        var row = new DmarcReportRow(sourceIp, dmarc.FromDomain, envelopeFromDomain, dmarc.Disposition, dmarc.DkimAligned, dmarc.SpfAligned, spf.Domain, spf.Status, dkimRows, 0);
        var key = string.Join('|', sourceIp, row.HeaderFrom, row.EnvelopeFrom, row.Disposition, row.DkimAligned, row.SpfAligned, row.SpfDomain, row.SpfResult,
            string.Join(',', dkimRows.Select(d => $"{d.Domain}/{d.Selector}/{d.Result}")));
        var entry = _domains.GetOrAdd(dmarc.RecordDomain, _ => (record, new ConcurrentDictionary<string, Counter>(StringComparer.Ordinal)));
        entry.Rows.GetOrAdd(key, _ => new Counter(row)).Increment();
    }

    /// <summary>Takes everything collected so far as one report per policy domain, and starts afresh.</summary>
    public IReadOnlyList<DmarcAggregateReport> Drain(string orgName, string email, DateTimeOffset begin, DateTimeOffset end)
    {
        var reports = new List<DmarcAggregateReport>();
        foreach (var domain in _domains.Keys)
        {
            if (_domains.TryRemove(domain, out var entry))
            {
                var rows = entry.Rows.Values.Select(c => c.Row with { Count = c.Count }).ToList();
                var id = $"{domain}.{begin.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)}.{Guid.NewGuid():N}";
                reports.Add(new DmarcAggregateReport(orgName, email, id, begin, end, domain, entry.Record, rows));
            }
        }

        return reports;
    }

    private sealed class Counter(DmarcReportRow row)
    {
        private int _count;

        public DmarcReportRow Row { get; } = row;

        public int Count => Volatile.Read(ref _count);

        public void Increment() => Interlocked.Increment(ref _count);
    }
}
