using System.Globalization;

namespace HostedMail.MailAuth.Dmarc;

/// <summary>A requested handling policy (RFC 7489 section 6.3, p= and sp=).</summary>
public enum DmarcPolicy
{
    /// <summary>Monitor only.</summary>
    None,
    /// <summary>Treat as suspicious (e.g. deliver to Junk).</summary>
    Quarantine,
    /// <summary>Reject during the SMTP transaction.</summary>
    Reject,
}

/// <summary>A parsed DMARC policy record (RFC 7489 section 6.3).</summary>
public sealed record DmarcRecord
{
    /// <summary>Policy for the domain (p=).</summary>
    public DmarcPolicy Policy { get; init; }

    /// <summary>Policy for subdomains (sp=); null when absent, meaning <see cref="Policy"/>.</summary>
    public DmarcPolicy? SubdomainPolicy { get; init; }

    /// <summary>Strict DKIM alignment (adkim=s).</summary>
    public bool StrictDkim { get; init; }

    /// <summary>Strict SPF alignment (aspf=s).</summary>
    public bool StrictSpf { get; init; }

    /// <summary>Percentage of failing mail the policy applies to (pct=, 0..100).</summary>
    public int Percent { get; init; } = 100;

    /// <summary>Aggregate report URIs (rua=).</summary>
    public IReadOnlyList<string> AggregateReportUris { get; init; } = [];

    /// <summary>Failure report URIs (ruf=).</summary>
    public IReadOnlyList<string> FailureReportUris { get; init; } = [];

    /// <summary>Failure reporting options (fo=).</summary>
    public string FailureOptions { get; init; } = "0";

    /// <summary>Aggregate report interval in seconds (ri=).</summary>
    public int ReportInterval { get; init; } = 86400;

    /// <summary>True when the text starts with the v=DMARC1 tag (section 6.6.3 record selection).</summary>
    public static bool IsDmarcRecord(string text)
    {
        var semicolon = text.IndexOf(';', StringComparison.Ordinal);
        var first = (semicolon < 0 ? text : text[..semicolon]).Replace(" ", string.Empty, StringComparison.Ordinal).Replace("\t", string.Empty, StringComparison.Ordinal);
        return first == "v=DMARC1";
    }

    /// <summary>Parses a record; false with a reason when it cannot be used (section 6.6.3: p= missing or invalid without a valid rua=).</summary>
    public static bool TryParse(string text, out DmarcRecord record, out string error)
    {
        record = new DmarcRecord();
        error = string.Empty;
        var tags = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var part in text.Split(';'))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq < 0)
            {
                if (part.Trim().Length > 0)
                {
                    error = $"malformed tag '{part.Trim()}'";
                    return false;
                }

                continue;
            }

            // Unknown tags are ignored (section 6.3); the first of duplicates wins.
            tags.TryAdd(part[..eq].Trim(), part[(eq + 1)..].Trim());
        }

        var rua = SplitUris(tags.GetValueOrDefault("rua"));
        DmarcPolicy policy;
        if (!tags.TryGetValue("p", out var p) || !TryPolicy(p, out policy))
        {
            if (rua.Count == 0)
            {
                error = "p= missing or invalid";
                return false;
            }

            // Section 6.6.3: a record with a valid rua= but a bad or missing p= is treated as p=none.
            policy = DmarcPolicy.None;
        }

        DmarcPolicy? subdomain = tags.TryGetValue("sp", out var sp) && TryPolicy(sp, out var spPolicy) ? spPolicy : null;
        var pct = tags.TryGetValue("pct", out var pctText) && int.TryParse(pctText, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) && parsed <= 100 ? parsed : 100;
        var ri = tags.TryGetValue("ri", out var riText) && int.TryParse(riText, NumberStyles.None, CultureInfo.InvariantCulture, out var interval) ? interval : 86400;
        record = new DmarcRecord
        {
            Policy = policy,
            SubdomainPolicy = subdomain,
            StrictDkim = tags.GetValueOrDefault("adkim", "r").Equals("s", StringComparison.OrdinalIgnoreCase),
            StrictSpf = tags.GetValueOrDefault("aspf", "r").Equals("s", StringComparison.OrdinalIgnoreCase),
            Percent = pct,
            AggregateReportUris = rua,
            FailureReportUris = SplitUris(tags.GetValueOrDefault("ruf")),
            FailureOptions = tags.GetValueOrDefault("fo", "0"),
            ReportInterval = ri,
        };
        return true;
    }

    private static List<string> SplitUris(string? value) =>
        value is null ? [] : [.. value.Split(',').Select(u => u.Trim()).Where(u => u.Length > 0)];

    private static bool TryPolicy(string value, out DmarcPolicy policy)
    {
        switch (value.ToLowerInvariant())
        {
            case "none": policy = DmarcPolicy.None; return true;
            case "quarantine": policy = DmarcPolicy.Quarantine; return true;
            case "reject": policy = DmarcPolicy.Reject; return true;
            default: policy = DmarcPolicy.None; return false;
        }
    }
}
