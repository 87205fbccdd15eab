using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace HostedMail.Core.Domains;

/// <summary>Where this service's mail and web endpoints are, as published in tenants' DNS and client configuration.</summary>
public sealed record MailEndpoints
{
    /// <summary>The MX target and the IMAP/POP3/SMTP server name clients connect to (the TLS certificate's name).</summary>
    public required string Hostname { get; init; }

    /// <summary>The host serving autoconfig and MTA-STS policies; tenants CNAME <c>autoconfig.</c>, <c>autodiscover.</c> and <c>mta-sts.</c> to it.</summary>
    public required string WebHostname { get; init; }

    /// <summary>The domain whose SPF record lists our outbound addresses; tenants include it.</summary>
    public required string SpfInclude { get; init; }

    public int ImapsPort { get; init; } = 993;
    public int Pop3sPort { get; init; } = 995;
    public int SubmissionsPort { get; init; } = 465;
    public int SubmissionPort { get; init; } = 587;

    /// <summary>MTA-STS mode (RFC 8461 section 5): testing, enforce or none.</summary>
    public string MtaStsMode { get; init; } = "testing";

    public TimeSpan MtaStsMaxAge { get; init; } = TimeSpan.FromDays(7);

    /// <summary>Where TLS reports go (RFC 8460 section 3, rua); null means the tenant's own <c>postmaster@</c>.</summary>
    public string? TlsRptAddress { get; init; }
}

/// <summary>One DNS record a tenant should publish.</summary>
/// <param name="Kind">What it is for: mx, spf, dkim, dmarc, mta-sts, mta-sts-host, tls-rpt, autoconfig, autodiscover, srv.</param>
/// <param name="Required">Mail flows without it when false (recommended records).</param>
public sealed record DnsRecordSpec(string Kind, string Type, string Name, string Value, bool Required, string Purpose);

/// <summary>The records a verified domain should publish, and their zone-file form.</summary>
public static class DomainRecords
{
    public const int DefaultTtl = 3600;

    /// <summary>
    /// Every record for <paramref name="domain"/>: DKIM values come from the caller (MailAuth renders
    /// them from the keys), one per active selector, so a rotation publishes both.
    /// </summary>
    public static IReadOnlyList<DnsRecordSpec> Expected(string domain, MailEndpoints endpoints, IReadOnlyList<(string Selector, string TxtValue)> dkim)
    {
        var host = endpoints.Hostname;
        var records = new List<DnsRecordSpec>
        {
            new("ownership", "TXT", DomainOwnership.RecordName(domain), "(see the domain's verification record)", true, "proves the domain is yours"),
            new("mx", "MX", domain, $"10 {host}.", true, "delivers mail for the domain to us (RFC 5321 section 5.1)"),
            new("spf", "TXT", domain, $"v=spf1 include:{endpoints.SpfInclude} ~all", true, "authorises our servers to send for the domain (RFC 7208)"),
        };
        foreach (var (selector, value) in dkim)
        {
            records.Add(new("dkim", "TXT", $"{selector}._domainkey.{domain}", value, true, "publishes the DKIM public key that signs the domain's mail (RFC 6376 section 3.6.1)"));
        }

        var rua = endpoints.TlsRptAddress ?? "postmaster@" + domain;
        records.AddRange(
        [
            new("dmarc", "TXT", "_dmarc." + domain, $"v=DMARC1; p=quarantine; adkim=r; aspf=r; rua=mailto:postmaster@{domain}", false, "suggested DMARC policy (RFC 7489 section 6.3); any valid policy is accepted"),
            new("mta-sts", "TXT", "_mta-sts." + domain, $"v=STSv1; id={MtaStsPolicyId(endpoints)}", false, "announces the MTA-STS policy (RFC 8461 section 3.1)"),
            new("mta-sts-host", "CNAME", "mta-sts." + domain, endpoints.WebHostname + ".", false, "serves the MTA-STS policy file over HTTPS (RFC 8461 section 3.3)"),
            new("tls-rpt", "TXT", "_smtp._tls." + domain, $"v=TLSRPTv1; rua=mailto:{rua}", false, "asks senders for TLS failure reports (RFC 8460 section 3)"),
            new("autoconfig", "CNAME", "autoconfig." + domain, endpoints.WebHostname + ".", false, "Thunderbird and K-9 find the server settings"),
            new("autodiscover", "CNAME", "autodiscover." + domain, endpoints.WebHostname + ".", false, "Outlook finds the server settings"),
            new("srv", "SRV", "_imaps._tcp." + domain, $"0 1 {endpoints.ImapsPort} {host}.", false, "IMAP over implicit TLS (RFC 6186 section 3.2, RFC 8314 section 5.1)"),
            new("srv", "SRV", "_pop3s._tcp." + domain, $"10 1 {endpoints.Pop3sPort} {host}.", false, "POP3 over implicit TLS (RFC 6186 section 3.3, RFC 8314)"),
            new("srv", "SRV", "_submissions._tcp." + domain, $"0 1 {endpoints.SubmissionsPort} {host}.", false, "submission over implicit TLS (RFC 8314 section 5.1)"),
            new("srv", "SRV", "_submission._tcp." + domain, $"10 1 {endpoints.SubmissionPort} {host}.", false, "submission with STARTTLS (RFC 6186 section 3.1)"),
            new("srv", "SRV", "_imap._tcp." + domain, "0 0 0 .", false, "cleartext IMAP is not offered (RFC 6186 section 3.4: target \".\")"),
            new("srv", "SRV", "_pop3._tcp." + domain, "0 0 0 .", false, "cleartext POP3 is not offered (RFC 6186 section 3.4)"),
        ]);
        return records;
    }

    /// <summary>The MTA-STS policy file (RFC 8461 section 3.2), CRLF line ends.</summary>
    public static string MtaStsPolicy(MailEndpoints endpoints) =>
        $"version: STSv1\r\nmode: {endpoints.MtaStsMode}\r\nmx: {endpoints.Hostname}\r\nmax_age: {(long)endpoints.MtaStsMaxAge.TotalSeconds}\r\n";

    /// <summary>The policy id changes whenever the policy does (RFC 8461 section 3.1: 1-32 alphanumerics).</summary>
    public static string MtaStsPolicyId(MailEndpoints endpoints) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(MtaStsPolicy(endpoints))))[..20];

    /// <summary>A zone-file snippet (RFC 1035 section 5.1) of the records, long TXT values split into 255-octet strings (section 3.3.14).</summary>
    public static string ZoneSnippet(string domain, IReadOnlyList<DnsRecordSpec> records, string ownershipValue)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"; HostedMail records for {domain}\n");
        foreach (var r in records)
        {
            var value = r.Kind == "ownership" ? ownershipValue : r.Value;
            var rdata = r.Type == "TXT" ? QuoteTxt(value) : value;
            sb.Append(CultureInfo.InvariantCulture, $"{r.Name}.\t{DefaultTtl}\tIN\t{r.Type}\t{rdata}\n");
        }

        return sb.ToString();
    }

    private static string QuoteTxt(string value)
    {
        var parts = new List<string>();
        for (var i = 0; i < value.Length; i += 255)
        {
            parts.Add("\"" + value.Substring(i, Math.Min(255, value.Length - i)).Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"");
        }

        return parts.Count == 1 ? parts[0] : "( " + string.Join(" ", parts) + " )";
    }
}
