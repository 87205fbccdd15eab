namespace HostedMail.MailAuth.Dmarc;

/// <summary>Public suffix rules (publicsuffix.org format) and the organisational domain of RFC 7489 section 3.2.</summary>
public sealed class PublicSuffixList
{
    private static readonly Lazy<PublicSuffixList> DefaultList = new(LoadEmbedded);
    private readonly HashSet<string> _rules = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _wildcards = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _exceptions = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The list embedded in this assembly (a dated subset; see Dmarc/README.md).</summary>
    public static PublicSuffixList Default => DefaultList.Value;

    /// <summary>Reads rules from text in the upstream format.</summary>
    public static PublicSuffixList Parse(TextReader reader)
    {
        var list = new PublicSuffixList();
        while (reader.ReadLine() is { } line)
        {
            var rule = line.Trim();
            var space = rule.IndexOfAny([' ', '\t']);
            if (space >= 0)
            {
                rule = rule[..space];
            }

            if (rule.Length == 0 || rule.StartsWith("//", StringComparison.Ordinal))
            {
                continue;
            }

            if (rule.StartsWith('!'))
            {
                list._exceptions.Add(rule[1..]);
            }
            else if (rule.StartsWith("*.", StringComparison.Ordinal))
            {
                list._wildcards.Add(rule[2..]);
            }
            else
            {
                list._rules.Add(rule);
            }
        }

        return list;
    }

    /// <summary>The public suffix of <paramref name="domain"/> (the prevailing rule; "*" by default).</summary>
    public string GetPublicSuffix(string domain)
    {
        var labels = domain.TrimEnd('.').ToLowerInvariant().Split('.');
        var suffixLength = 1;
        for (var i = labels.Length - 1; i >= 0; i--)
        {
            var candidate = string.Join('.', labels[i..]);
            var count = labels.Length - i;
            if (_exceptions.Contains(candidate))
            {
                // An exception rule wins and its suffix is the rule minus its leftmost label.
                suffixLength = count - 1;
                break;
            }

            if (_rules.Contains(candidate))
            {
                suffixLength = Math.Max(suffixLength, count);
            }

            if (i > 0 && _wildcards.Contains(candidate))
            {
                suffixLength = Math.Max(suffixLength, count + 1);
            }
        }

        return string.Join('.', labels[^Math.Min(suffixLength, labels.Length)..]);
    }

    /// <summary>The public suffix plus one label (RFC 7489 section 3.2); the domain itself when it is a suffix.</summary>
    public string GetOrganizationalDomain(string domain)
    {
        var normalized = domain.TrimEnd('.').ToLowerInvariant();
        var suffix = GetPublicSuffix(normalized);
        if (normalized.Length <= suffix.Length)
        {
            return normalized;
        }

        var rest = normalized[..(normalized.Length - suffix.Length - 1)];
        var dot = rest.LastIndexOf('.');
        return (dot < 0 ? rest : rest[(dot + 1)..]) + "." + suffix;
    }

    private static PublicSuffixList LoadEmbedded()
    {
        using var stream = typeof(PublicSuffixList).Assembly.GetManifestResourceStream("HostedMail.MailAuth.Dmarc.public_suffix_list.dat")
            ?? throw new InvalidOperationException("The embedded public suffix list is missing from the assembly.");
        using var reader = new StreamReader(stream);
        return Parse(reader);
    }
}
