using System.Text;
using System.Text.RegularExpressions;

namespace HostedMail.Conformance;

/// <summary>
/// One observed difference between HostedMail ("ours") and Dovecot ("theirs") for the same input.
/// <paramref name="Category"/> is the kind of comparison (FETCH, SEARCH, SORT, THREAD, CONVERSATION),
/// <paramref name="Item"/> what was compared (a FETCH item, a query, a script step) and
/// <paramref name="Where"/> the message or script it happened in.
/// </summary>
public sealed record Difference(string Category, string Item, string Where, string Ours, string Theirs)
{
    public override string ToString()
    {
        if (Ours.Length <= 200 && Theirs.Length <= 200)
        {
            return $"[{Category}] {Item} @ {Where}\n    ours:    {Ours}\n    dovecot: {Theirs}";
        }

        // Long values (bodies, structures): show both around the first octet where they part.
        var at = 0;
        while (at < Ours.Length && at < Theirs.Length && Ours[at] == Theirs[at])
        {
            at++;
        }

        var from = Math.Max(0, at - 60);
        string Window(string value) => (from > 0 ? "..." : string.Empty) + value[Math.Min(from, value.Length)..Math.Min(value.Length, at + 140)] + (value.Length > at + 140 ? "..." : string.Empty);
        return $"[{Category}] {Item} @ {Where} (first difference at char {at}; lengths {Ours.Length}/{Theirs.Length})\n    ours:    {Window(Ours)}\n    dovecot: {Window(Theirs)}";
    }
}

/// <summary>Whether an allowed difference is a deliberate choice (the RFC makes ours right) or a known bug still open.</summary>
public enum AllowKind
{
    /// <summary>Dovecot differs from the RFC here, or the RFC leaves both answers open; ours stays.</summary>
    Deliberate,

    /// <summary>Our bug, reported to the IMAP engineer; allowed only so the suite stays green until fixed.</summary>
    Open,
}

/// <summary>
/// One allow-list entry, mirrored in docs/imap-conformance.md. <paramref name="Item"/> and
/// <paramref name="Where"/> are globs ('*' for any run of characters) over a difference's fields.
/// </summary>
public sealed record AllowedDifference(AllowKind Kind, string Category, string Item, string Where, string Reason)
{
    private readonly Regex _item = Glob(Item);
    private readonly Regex _where = Glob(Where);

    /// <summary>A glob over our normalised value; "*" (any) unless the entry is about one specific answer.</summary>
    public string Ours { get; init; } = "*";

    /// <summary>A glob over Dovecot's normalised value.</summary>
    public string Theirs { get; init; } = "*";

    /// <summary>A further condition relating the two values (e.g. "ours is one more"), described in <see cref="Reason"/>.</summary>
    public Func<Difference, bool>? When { get; init; }

    /// <summary>A reproduction for open bugs (a command or message and what each server answers).</summary>
    public string Reproduction { get; init; } = string.Empty;

    public bool Matches(Difference difference) =>
        Category == difference.Category && _item.IsMatch(difference.Item) && _where.IsMatch(difference.Where) &&
        Glob(Ours).IsMatch(difference.Ours) && Glob(Theirs).IsMatch(difference.Theirs) && (When is null || When(difference));

    private static Regex Glob(string pattern) =>
        new("^" + string.Join(".*", pattern.Split('*').Select(Regex.Escape)) + "$", RegexOptions.Singleline | RegexOptions.CultureInvariant);
}

/// <summary>Collects differences and counts of what was compared, and judges them against the allow-list.</summary>
public sealed class ComparisonReport
{
    private readonly List<Difference> _differences = [];

    public IReadOnlyList<Difference> Differences => _differences;

    public int Messages { get; set; }

    public int FetchItems { get; set; }

    public int Queries { get; set; }

    public int Commands { get; set; }

    public void Compare(string category, string item, string where, string ours, string theirs)
    {
        if (!string.Equals(ours, theirs, StringComparison.Ordinal))
        {
            _differences.Add(new Difference(category, item, where, ours, theirs));
        }
    }

    /// <summary>Differences no allow-list entry covers: each one fails the suite.</summary>
    public List<Difference> Unlisted(IEnumerable<AllowedDifference> allowList) =>
        _differences.Where(d => !allowList.Any(a => a.Matches(d))).ToList();

    /// <summary>A readable report; <paramref name="perGroup"/> limits the examples printed per allow-list entry.</summary>
    public string Summary(IReadOnlyList<AllowedDifference> allowList, string title, int perGroup = 2)
    {
        var text = new StringBuilder();
        text.AppendLine($"{title}: compared {Messages} messages, {FetchItems} FETCH items, {Queries} SEARCH/SORT/THREAD queries, {Commands} conversation commands; {_differences.Count} differences");
        foreach (var group in _differences.GroupBy(d => allowList.FirstOrDefault(a => a.Matches(d))))
        {
            var label = group.Key is null ? "UNLISTED" : $"{group.Key.Kind.ToString().ToUpperInvariant()}: {group.Key.Category} {group.Key.Item} @ {group.Key.Where}";
            text.AppendLine($"  {label} ({group.Count()})");
            foreach (var difference in group.Take(group.Key is null ? Math.Max(50, perGroup) : perGroup))
            {
                text.AppendLine("    " + difference.ToString().Replace("\n", "\n    ", StringComparison.Ordinal));
            }
        }

        return text.ToString();
    }
}

/// <summary>Writes a full report (every example of every difference) when HOSTEDMAIL_CONFORMANCE_REPORT names a directory.</summary>
public static class ConformanceReports
{
    public static void Write(ComparisonReport report, string title)
    {
        if (Environment.GetEnvironmentVariable("HOSTEDMAIL_CONFORMANCE_REPORT") is { Length: > 0 } directory)
        {
            Directory.CreateDirectory(directory);
            var name = new string(title.TakeWhile(c => char.IsLetterOrDigit(c) || c == '-').ToArray());
            File.WriteAllText(Path.Combine(directory, name + ".txt"), report.Summary(AllowList.Entries, title, int.MaxValue));
        }
    }
}
