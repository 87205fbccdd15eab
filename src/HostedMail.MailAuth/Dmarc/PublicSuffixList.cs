using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace HostedMail.MailAuth.Dmarc;

/// <summary>
/// Public suffix rules (publicsuffix.org format) and the organisational domain of RFC 7489 section 3.2.
/// <see cref="Default"/> reads Debian's full list (package <c>publicsuffix</c>) when present, else an embedded subset.
/// </summary>
/// <remarks>
/// Private-domain rules (the list's "===BEGIN PRIVATE DOMAINS===" section: github.io, *.compute.amazonaws.com, ...) are
/// used by default. RFC 7489 section 3.2 names "a public suffix list" without excluding the section, OpenDMARC applies the
/// whole file, and the PSL algorithm itself makes no difference between sections. It is also the right answer for DMARC:
/// alice.github.io and bob.github.io are run by different people, so one must not be aligned with, or take policy from,
/// the other. Pass <c>includePrivateDomains: false</c> to get the ICANN-only view.
/// </remarks>
public sealed class PublicSuffixList
{
    /// <summary>Where Debian's <c>publicsuffix</c> package installs the list (script/bootstrap installs the package).</summary>
    public const string SystemPath = "/usr/share/publicsuffix/public_suffix_list.dat";

    private const string EmbeddedResource = "HostedMail.MailAuth.Dmarc.public_suffix_list.dat";
    private static readonly Lazy<PublicSuffixList> EmbeddedList = new(LoadEmbedded);
    private static readonly Lazy<PublicSuffixList> DefaultList = new(() => LoadOrEmbedded(SystemPath));

    // Rules are kept in their ASCII (A-label) form so that the xn-- names DNS and DMARC carry match the list's U-labels.
    private static readonly IdnMapping Idn = new() { AllowUnassigned = true, UseStd3AsciiRules = true };

    private readonly HashSet<string> _rules = new(StringComparer.Ordinal);
    private readonly HashSet<string> _wildcards = new(StringComparer.Ordinal);
    private readonly HashSet<string> _exceptions = new(StringComparer.Ordinal);

    private PublicSuffixList(string source) => Source = source;

    /// <summary>
    /// The full list at <see cref="SystemPath"/> when it exists and parses, else the embedded subset
    /// (<see cref="FallbackReason"/> says why). Read once, on first use.
    /// </summary>
    public static PublicSuffixList Default => DefaultList.Value;

    /// <summary>The list embedded in this assembly: a dated, hand-compiled subset (Dmarc/README.md).</summary>
    public static PublicSuffixList Embedded => EmbeddedList.Value;

    /// <summary>Where the rules came from: a file path, or "embedded subset".</summary>
    public string Source { get; private init; }

    /// <summary>Why a file was not used and the embedded subset was (<see cref="LoadOrEmbedded"/>); null otherwise.</summary>
    public string? FallbackReason { get; private init; }

    /// <summary>The number of rules (normal, wildcard and exception) in use.</summary>
    public int RuleCount => _rules.Count + _wildcards.Count + _exceptions.Count;

    /// <summary>Reads rules from text in the upstream format; throws <see cref="InvalidDataException"/> (with the line) on a malformed list.</summary>
    public static PublicSuffixList Parse(TextReader reader, bool includePrivateDomains = true) =>
        TryParse(reader, includePrivateDomains, "text", out var list, out var error) ? list : throw new InvalidDataException(error);

    /// <summary>Reads rules from text in the upstream format; false with the reason on a malformed list.</summary>
    public static bool TryParse(TextReader reader, bool includePrivateDomains, [NotNullWhen(true)] out PublicSuffixList? list, [NotNullWhen(false)] out string? error) =>
        TryParse(reader, includePrivateDomains, "text", out list, out error);

    /// <summary>Reads a list file; throws <see cref="FileNotFoundException"/> or <see cref="InvalidDataException"/>. For an explicitly configured path.</summary>
    public static PublicSuffixList Load(string path, bool includePrivateDomains = true) =>
        TryLoad(path, includePrivateDomains, out var list, out var error)
            ? list
            : File.Exists(path) ? throw new InvalidDataException(error) : throw new FileNotFoundException(error, path);

    /// <summary>Reads a list file; false with the reason when it is missing, unreadable or malformed.</summary>
    public static bool TryLoad(string path, bool includePrivateDomains, [NotNullWhen(true)] out PublicSuffixList? list, [NotNullWhen(false)] out string? error)
    {
        list = null;
        if (!File.Exists(path))
        {
            error = $"{path}: file not found";
            return false;
        }

        try
        {
            // Strict UTF-8: a binary or mis-encoded file is malformed, not a source of odd rules.
            using var reader = new StreamReader(path, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true));
            return TryParse(reader, includePrivateDomains, path, out list, out error);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or DecoderFallbackException)
        {
            error = $"{path}: {ex.Message}";
            return false;
        }
    }

    /// <summary>
    /// The list at <paramref name="path"/> when it loads, else the embedded subset with <see cref="FallbackReason"/> set.
    /// A missing or broken file must not stop mail flowing: DMARC then runs on the subset, whose gaps only make some
    /// organisational domains too short (Dmarc/README.md).
    /// </summary>
    public static PublicSuffixList LoadOrEmbedded(string path, bool includePrivateDomains = true)
    {
        if (TryLoad(path, includePrivateDomains, out var list, out var error))
        {
            return list;
        }

        var embedded = includePrivateDomains ? Embedded : LoadEmbedded(includePrivateDomains: false);
        var fallback = new PublicSuffixList(embedded.Source) { FallbackReason = error };
        fallback._rules.UnionWith(embedded._rules);
        fallback._wildcards.UnionWith(embedded._wildcards);
        fallback._exceptions.UnionWith(embedded._exceptions);
        return fallback;
    }

    /// <summary>The public suffix of <paramref name="domain"/> per the PSL algorithm (publicsuffix.org/list): the prevailing rule, "*" when none matches.</summary>
    public string GetPublicSuffix(string domain)
    {
        var labels = Normalize(domain).Split('.');
        var suffixLength = 1;
        for (var i = labels.Length - 1; i >= 0; i--)
        {
            var candidate = string.Join('.', labels[i..]);
            var count = labels.Length - i;
            if (_exceptions.Contains(candidate))
            {
                // An exception rule prevails over every other match, and its suffix is the rule minus its leftmost label.
                suffixLength = count - 1;
                break;
            }

            if (_rules.Contains(candidate))
            {
                suffixLength = Math.Max(suffixLength, count);
            }

            // "*.candidate" needs one more label to match: a wildcard never matches the bare parent.
            if (i > 0 && _wildcards.Contains(candidate))
            {
                suffixLength = Math.Max(suffixLength, count + 1);
            }
        }

        return string.Join('.', labels[^Math.Min(suffixLength, labels.Length)..]);
    }

    /// <summary>
    /// The public suffix plus one label (RFC 7489 section 3.2); the domain itself when it is a suffix. Internationalised
    /// names are answered in A-labels (xn--), the form DMARC's DNS queries need.
    /// </summary>
    public string GetOrganizationalDomain(string domain)
    {
        var normalized = Normalize(domain);
        var suffix = GetPublicSuffix(normalized);
        if (normalized.Length <= suffix.Length)
        {
            return normalized;
        }

        var rest = normalized[..(normalized.Length - suffix.Length - 1)];
        var dot = rest.LastIndexOf('.');
        return (dot < 0 ? rest : rest[(dot + 1)..]) + "." + suffix;
    }

    private static string Normalize(string domain)
    {
        var trimmed = domain.TrimEnd('.');
        if (!Ascii.IsValid(trimmed))
        {
            try
            {
                return Idn.GetAscii(trimmed);
            }
            catch (ArgumentException)
            {
                // Not a valid IDN: matched as given, so it simply meets no internationalised rule.
            }
        }

        return trimmed.ToLowerInvariant();
    }

    private static bool TryParse(TextReader reader, bool includePrivateDomains, string source, [NotNullWhen(true)] out PublicSuffixList? list, [NotNullWhen(false)] out string? error)
    {
        list = null;
        var result = new PublicSuffixList(source);
        var section = Section.None;
        var seen = Section.None;
        var lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            var rule = line.Trim();
            if (rule.StartsWith("//", StringComparison.Ordinal))
            {
                // Section markers are comments; they tell ICANN rules from private ones and reveal a truncated file.
                if (!TrackSection(rule, ref section, ref seen, out var markerError))
                {
                    error = $"{source} line {lineNumber}: {markerError}";
                    return false;
                }

                continue;
            }

            // The format: each line is read only up to its first whitespace.
            var space = rule.IndexOfAny([' ', '\t']);
            if (space >= 0)
            {
                rule = rule[..space];
            }

            if (rule.Length == 0)
            {
                continue;
            }

            // Private rules left out are still checked, so a broken file is refused whichever view is asked for.
            if (!TryAddRule(result, rule, store: section != Section.Private || includePrivateDomains, out var ruleError))
            {
                error = $"{source} line {lineNumber}: {ruleError}: '{Printable(rule)}'";
                return false;
            }
        }

        if (section != Section.None)
        {
            error = $"{source}: ends inside the {section} section (truncated?)";
            return false;
        }

        if (result.RuleCount == 0)
        {
            error = $"{source}: no rules";
            return false;
        }

        list = result;
        error = null;
        return true;
    }

    private static bool TrackSection(string comment, ref Section section, ref Section seen, out string? error)
    {
        error = null;
        (string Marker, Section Section, bool Begin)[] markers =
        [
            ("===BEGIN ICANN DOMAINS===", Section.Icann, true), ("===END ICANN DOMAINS===", Section.Icann, false),
            ("===BEGIN PRIVATE DOMAINS===", Section.Private, true), ("===END PRIVATE DOMAINS===", Section.Private, false),
        ];
        foreach (var (marker, which, begin) in markers)
        {
            if (!comment.Contains(marker, StringComparison.Ordinal))
            {
                continue;
            }

            if (begin ? section != Section.None || (seen & which) != 0 : section != which)
            {
                error = $"misplaced section marker {marker}";
                return false;
            }

            section = begin ? which : Section.None;
            seen |= which;
            return true;
        }

        return true;
    }

    private static bool TryAddRule(PublicSuffixList list, string rule, bool store, [NotNullWhen(false)] out string? error)
    {
        error = null;
        HashSet<string> set;
        string name;
        if (rule.StartsWith('!'))
        {
            // An exception names a domain under a wildcard, so it has at least two labels and no wildcard of its own.
            (set, name) = (list._exceptions, rule[1..]);
            if (!name.Contains('.', StringComparison.Ordinal))
            {
                error = "exception rule with a single label";
                return false;
            }
        }
        else if (rule.StartsWith("*.", StringComparison.Ordinal))
        {
            (set, name) = (list._wildcards, rule[2..]);
        }
        else
        {
            (set, name) = (list._rules, rule);
        }

        if (name.Contains('*', StringComparison.Ordinal))
        {
            // The list only ever uses "*" as a whole leftmost label, which is all this matcher implements.
            error = "wildcard other than a leading \"*.\"";
            return false;
        }

        var ascii = ToAscii(name);
        if (ascii is null)
        {
            error = "not a domain name";
            return false;
        }

        if (store)
        {
            set.Add(ascii);
        }

        return true;
    }

    private static string? ToAscii(string name)
    {
        if (name.Length == 0 || name.StartsWith('.') || name.EndsWith('.') || name.Contains("..", StringComparison.Ordinal))
        {
            return null;
        }

        try
        {
            // STD3 rules: letters, digits and hyphens only, so a line of junk is refused rather than stored.
            return Idn.GetAscii(name).ToLowerInvariant();
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    private static string Printable(string rule)
    {
        var shown = rule.Length > 40 ? rule[..40] + "..." : rule;
        return new string(shown.Select(c => char.IsControl(c) ? '?' : c).ToArray());
    }

    private static PublicSuffixList LoadEmbedded() => LoadEmbedded(includePrivateDomains: true);

    private static PublicSuffixList LoadEmbedded(bool includePrivateDomains)
    {
        using var stream = typeof(PublicSuffixList).Assembly.GetManifestResourceStream(EmbeddedResource)
            ?? throw new InvalidOperationException("The embedded public suffix list is missing from the assembly.");
        using var reader = new StreamReader(stream);
        return TryParse(reader, includePrivateDomains, "embedded subset", out var list, out var error)
            ? list
            : throw new InvalidOperationException($"The embedded public suffix list is malformed: {error}");
    }

    [Flags]
    private enum Section
    {
        None = 0,
        Icann = 1,
        Private = 2,
    }
}
