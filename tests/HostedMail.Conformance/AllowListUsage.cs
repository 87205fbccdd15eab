using Xunit.Abstractions;

namespace HostedMail.Conformance;

/// <summary>The comparisons of the suite; an allow-list entry can only be judged stale once every comparison it applies to has run.</summary>
public enum ComparisonScope
{
    BuiltInFetch,
    BuiltInQueries,
    Corpus,
    Conversations,
}

/// <summary>
/// Which allow-list entries matched a difference, across the comparisons of one test run. An entry
/// that matches nothing once all its comparisons have run is stale: the bug it listed is fixed (or
/// the Deliberate text no longer describes us), and it must go, with its row in
/// docs/imap-conformance.md, so the list stays true and a regression cannot hide behind it.
/// </summary>
public sealed class AllowListUsage
{
    private readonly Lock _lock = new();
    private readonly HashSet<ComparisonScope> _done = [];
    private readonly HashSet<AllowedDifference> _used = new(ReferenceEqualityComparer.Instance);

    /// <summary>The comparisons whose differences an entry of this category can match.</summary>
    public static IReadOnlyList<ComparisonScope> ScopesOf(AllowedDifference entry) => entry.Category switch
    {
        "CONVERSATION" => [ComparisonScope.Conversations],
        "FETCH" => [ComparisonScope.BuiltInFetch, ComparisonScope.Corpus],
        _ => [ComparisonScope.BuiltInQueries, ComparisonScope.Corpus],
    };

    /// <summary>Records that <paramref name="scope"/> has run, and which entries its differences used.</summary>
    public void Record(ComparisonScope scope, ComparisonReport report, IReadOnlyList<AllowedDifference> allowList)
    {
        var used = allowList.Where(entry => report.Differences.Any(entry.Matches)).ToList();
        lock (_lock)
        {
            _done.Add(scope);
            _used.UnionWith(used);
        }
    }

    /// <summary>
    /// Entries that apply to <paramref name="scope"/>, whose comparisons have all run, and that matched
    /// no difference. Each stale entry is reported by the last of its comparisons to run, once.
    /// </summary>
    public List<AllowedDifference> Stale(ComparisonScope scope, IReadOnlyList<AllowedDifference> allowList)
    {
        lock (_lock)
        {
            return allowList.Where(e => ScopesOf(e).Contains(scope) && ScopesOf(e).All(_done.Contains) && !_used.Contains(e)).ToList();
        }
    }

    /// <summary>
    /// The verdict of one comparison: records its use of the allow-list, prints the summary, then fails
    /// on an unlisted difference or a stale entry.
    /// </summary>
    public void Judge(ComparisonScope scope, ComparisonReport report, string title, ITestOutputHelper output)
    {
        var allowList = AllowList.Entries;
        Record(scope, report, allowList);
        output.WriteLine(report.Summary(allowList, title));
        ConformanceReports.Write(report, title);
        var unlisted = report.Unlisted(allowList);
        var stale = Stale(scope, allowList);
        foreach (var entry in stale)
        {
            output.WriteLine($"STALE: {Describe(entry)}");
        }

        Assert.True(unlisted.Count == 0,
            $"{unlisted.Count} difference(s) from Dovecot are in neither docs/imap-conformance.md nor AllowList.cs:\n" + string.Join("\n", unlisted.Take(40)));
        Assert.True(stale.Count == 0,
            $"{stale.Count} allow-list entr(y/ies) match no difference any more; delete them (an Open bug is fixed) or correct them, with their rows in docs/imap-conformance.md:\n" +
            string.Join("\n", stale.Select(Describe)));
    }

    public static string Describe(AllowedDifference entry) =>
        $"{entry.Reason.Split(' ')[0]} ({entry.Kind}: {entry.Category} {entry.Item} @ {entry.Where})";
}
