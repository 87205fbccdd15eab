using System.Text.RegularExpressions;

namespace HostedMail.Conformance;

/// <summary>
/// The harness must see a regression: one value corrupted in our normalised output (a flipped
/// BODYSTRUCTURE field, a dropped SEARCH hit) is reported as exactly that one new, unlisted
/// difference. And the allow-list and docs/imap-conformance.md must agree.
/// </summary>
[Collection(ConformanceCollection.Name)]
public sealed class HarnessSelfCheckTests(ConformanceFixture fixture)
{
    [Fact]
    public async Task AFlippedBodystructureFieldIsReportedAsExactlyOneUnlistedDifference()
    {
        // Message "alternative": multipart/alternative of text/plain and text/html; flip the html part's subtype.
        var sequence = IndexOf("alternative");
        var baseline = await CompareMessageAsync(sequence, null);
        var corrupted = await CompareMessageAsync(sequence, (_, item, _, value) =>
            item == "BODYSTRUCTURE" ? value.Replace("\"text\" \"html\"", "\"text\" \"xhtml\"", StringComparison.Ordinal) : value);

        var added = corrupted.Differences.Except(baseline.Differences).ToList();
        var difference = Assert.Single(added);
        Assert.Equal(new Difference("FETCH", "BODYSTRUCTURE[2].subtype", "alternative", "\"xhtml\"", "\"html\""), difference);
        Assert.Contains(difference, corrupted.Unlisted(AllowList.Entries));
        Assert.Equal(baseline.Unlisted(AllowList.Entries).Count + 1, corrupted.Unlisted(AllowList.Entries).Count);
    }

    [Fact]
    public async Task ADroppedSearchHitIsReportedAsExactlyOneUnlistedDifference()
    {
        const string Query = "SEARCH FROM ann";
        var baseline = await CompareQueryAsync(Query, null);
        var corrupted = await CompareQueryAsync(Query, (_, _, _, value) => string.Join(' ', value.Split(' ').Skip(1)));

        Assert.Empty(baseline.Differences);
        var difference = Assert.Single(corrupted.Differences);
        Assert.Equal("SEARCH", difference.Category);
        Assert.Equal(Query, difference.Item);
        Assert.Equal(difference.Theirs.Split(' ').Skip(1), difference.Ours.Split(' '));
        Assert.Single(corrupted.Unlisted(AllowList.Entries));
    }

    [Fact]
    public async Task ACorruptedConversationResponseIsReportedAsExactlyOneUnlistedDifference()
    {
        var script = ConversationScripts.All.Single(s => s.Name == "namespace-id-idle-enable");
        var baseline = await RunScriptAsync(script, null);
        // Our NAMESPACE answer loses its personal namespace: "* NAMESPACE ((...)) NIL NIL" becomes NIL NIL NIL.
        var corrupted = await RunScriptAsync(script, (_, step, line) =>
            step == "NAMESPACE" && line.StartsWith("* NAMESPACE", StringComparison.Ordinal) ? "* NAMESPACE NIL NIL NIL" : line);

        var added = corrupted.Differences.Except(baseline.Differences).ToList();
        var difference = Assert.Single(added);
        Assert.Equal("NAMESPACE -> * NAMESPACE", difference.Item);
        Assert.Equal("* NAMESPACE NIL NIL NIL", difference.Ours);
        Assert.Equal(baseline.Unlisted(AllowList.Entries).Count + 1, corrupted.Unlisted(AllowList.Entries).Count);
    }

    [Fact]
    public void AnEntryThatMatchesNoDifferenceIsStaleOnlyOnceEveryComparisonItAppliesToHasRun()
    {
        AllowedDifference used = new(AllowKind.Open, "FETCH", "BODYSTRUCTURE[1].lines", "*", "O98 used");
        AllowedDifference fixedBug = new(AllowKind.Open, "FETCH", "BODY[1]", "*", "O99 fixed");
        AllowedDifference conversation = new(AllowKind.Deliberate, "CONVERSATION", "NOOP -> tagged", "*", "D99 conversation");
        AllowedDifference[] allowList = [used, fixedBug, conversation];
        var withDifference = new ComparisonReport();
        withDifference.Compare("FETCH", "BODYSTRUCTURE[1].lines", "plain", "2", "1");
        var usage = new AllowListUsage();

        usage.Record(ComparisonScope.BuiltInFetch, withDifference, allowList);
        // The corpus has not run yet: a FETCH entry may still match there.
        Assert.Empty(usage.Stale(ComparisonScope.BuiltInFetch, allowList));

        usage.Record(ComparisonScope.Corpus, new ComparisonReport(), allowList);
        Assert.Equal([fixedBug], usage.Stale(ComparisonScope.Corpus, allowList));
        // Conversations have not run: their entries are not judged, and no other comparison reports them.
        Assert.DoesNotContain(conversation, usage.Stale(ComparisonScope.Corpus, allowList));
        usage.Record(ComparisonScope.Conversations, new ComparisonReport(), allowList);
        Assert.Equal([conversation], usage.Stale(ComparisonScope.Conversations, allowList));
    }

    [Fact]
    public void EveryAllowListEntryIsDocumentedAndEveryDocumentedEntryIsAllowListed()
    {
        var document = File.ReadAllText(FindDocument());
        var listed = AllowList.Entries.Select(e => e.Reason.Split(' ')[0]).ToHashSet();
        var documented = Regex.Matches(document, @"^\| *([DO]\d+) *\|", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToHashSet();
        Assert.Empty(listed.Except(documented));
        Assert.Empty(documented.Except(listed));
        foreach (var entry in AllowList.Entries)
        {
            var id = entry.Reason.Split(' ')[0];
            Assert.True(entry.Kind == AllowKind.Deliberate ? id.StartsWith('D') : id.StartsWith('O'), $"{id} is listed as {entry.Kind}");
        }
    }

    private int IndexOf(string name)
    {
        for (var i = 0; i < fixture.Messages.Count; i++)
        {
            if (fixture.Messages[i].Name == name)
            {
                return i + 1;
            }
        }

        throw new InvalidOperationException(name + " is not in the message set");
    }

    private async Task<ComparisonReport> CompareMessageAsync(int sequence, Func<string, string, string, string, string>? corrupt)
    {
        var report = new ComparisonReport();
        await using var ours = await MessageConformanceTests.OpenInboxAsync(fixture.OpenOursAsync(fixture.OurCorpusUser));
        await using var theirs = await MessageConformanceTests.OpenInboxAsync(fixture.OpenTheirsAsync("corpus"));
        await new MessageComparison(ours, theirs, report) { CorruptOurs = corrupt }.CompareMessageAsync(sequence, fixture.Messages[sequence - 1].Name);
        return report;
    }

    private async Task<ComparisonReport> CompareQueryAsync(string query, Func<string, string, string, string, string>? corrupt)
    {
        var report = new ComparisonReport();
        await using var ours = await MessageConformanceTests.OpenInboxAsync(fixture.OpenOursAsync(fixture.OurCorpusUser));
        await using var theirs = await MessageConformanceTests.OpenInboxAsync(fixture.OpenTheirsAsync("corpus"));
        await new MessageComparison(ours, theirs, report) { CorruptOurs = corrupt }.CompareQueryAsync("SEARCH", query);
        return report;
    }

    private async Task<ComparisonReport> RunScriptAsync(ConversationScript script, Func<string, string, string, string>? corrupt)
    {
        var report = new ComparisonReport();
        var ours = new Side(fixture.HostedMail.Port, await fixture.HostedMail.CreateMailboxAsync("selfcheck"), HostedMailServer.Password);
        var theirs = new Side(fixture.Dovecot.Port, fixture.NextDovecotUser(), DovecotServer.Password);
        await new ConversationComparison(report) { CorruptOurs = corrupt }.CompareAsync(script, ours, theirs);
        return report;
    }

    private static string FindDocument()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "docs", "imap-conformance.md");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException("docs/imap-conformance.md not found above " + AppContext.BaseDirectory);
    }
}
