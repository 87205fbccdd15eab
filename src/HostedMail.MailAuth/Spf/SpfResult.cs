namespace HostedMail.MailAuth.Spf;

/// <summary>The outcome of an SPF check_host() evaluation (RFC 7208 section 2.6).</summary>
/// <param name="Status">One of the seven SPF results.</param>
/// <param name="Reason">Why, in words fit for a log or an Authentication-Results comment.</param>
public sealed record SpfResult(AuthStatus Status, string Reason)
{
    /// <summary>The domain whose policy was evaluated (the MAIL FROM domain or the HELO name).</summary>
    public string Domain { get; init; } = string.Empty;

    /// <summary>The directive that matched, e.g. "-all" or "ip4:192.0.2.0/24"; null when none matched.</summary>
    public string? Mechanism { get; init; }

    /// <summary>For <see cref="AuthStatus.Fail"/>, the expanded exp= text or a default explanation (RFC 7208 section 6.2).</summary>
    public string? Explanation { get; init; }

    /// <summary>DNS-querying terms evaluated, against the limit of 10 (RFC 7208 section 4.6.4).</summary>
    public int DnsLookups { get; init; }
}

/// <summary>Limits and local names used by <see cref="SpfVerifier"/>.</summary>
public sealed class SpfOptions
{
    /// <summary>Terms that cause DNS queries allowed per evaluation (RFC 7208 section 4.6.4: 10).</summary>
    public int MaxDnsLookups { get; set; } = 10;

    /// <summary>Lookups that return NXDOMAIN or no records allowed per evaluation (RFC 7208 section 4.6.4: 2).</summary>
    public int MaxVoidLookups { get; set; } = 2;

    /// <summary>Address records looked up per mx mechanism and names checked per ptr (RFC 7208 section 4.6.4: 10).</summary>
    public int MaxNamesPerMechanism { get; set; } = 10;

    /// <summary>The receiving host name for the %{r} macro.</summary>
    public string ReceivingHost { get; set; } = "unknown";

    /// <summary>Explanation for a fail when the record gives none usable; may contain explanation macros.</summary>
    public string DefaultExplanation { get; set; } = "%{o} does not designate %{c} as permitted sender";
}
