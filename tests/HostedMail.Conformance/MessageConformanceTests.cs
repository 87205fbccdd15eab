using Xunit.Abstractions;

namespace HostedMail.Conformance;

/// <summary>
/// FETCH, SEARCH, SORT and THREAD over the same messages on HostedMail and Dovecot. Fails on any
/// difference that <see cref="AllowList"/> (mirroring docs/imap-conformance.md) does not list.
/// </summary>
[Collection(ConformanceCollection.Name)]
public sealed class MessageConformanceTests(ConformanceFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task EveryFetchItemOfEveryMessageMatchesDovecotOrIsAllowListed()
    {
        var report = new ComparisonReport();
        await using var ours = await OpenInboxAsync(fixture.OpenOursAsync(fixture.OurCorpusUser));
        await using var theirs = await OpenInboxAsync(fixture.OpenTheirsAsync("corpus"));
        var comparison = new MessageComparison(ours, theirs, report);
        for (var i = 0; i < fixture.Messages.Count; i++)
        {
            await comparison.CompareMessageAsync(i + 1, fixture.Messages[i].Name);
            report.Messages++;
        }

        AssertOnlyAllowed(ComparisonScope.BuiltInFetch, report, $"FETCH (Dovecot {fixture.Dovecot.Version}, built-in set)");
    }

    [Fact]
    public async Task EverySearchSortAndThreadQueryMatchesDovecotOrIsAllowListed()
    {
        var report = new ComparisonReport();
        await using var ours = await OpenInboxAsync(fixture.OpenOursAsync(fixture.OurCorpusUser));
        await using var theirs = await OpenInboxAsync(fixture.OpenTheirsAsync("corpus"));
        var comparison = new MessageComparison(ours, theirs, report);
        foreach (var query in Queries.Search)
        {
            await comparison.CompareQueryAsync("SEARCH", query);
        }

        foreach (var query in Queries.Sort)
        {
            await comparison.CompareQueryAsync("SORT", query);
        }

        foreach (var query in Queries.Thread)
        {
            await comparison.CompareQueryAsync("THREAD", query);
        }

        report.Messages = fixture.Messages.Count;
        AssertOnlyAllowed(ComparisonScope.BuiltInQueries, report, $"SEARCH/SORT/THREAD (Dovecot {fixture.Dovecot.Version}, built-in set)");
    }

    /// <summary>EXAMINE, not SELECT: nothing the comparison does may change \Recent or \Seen (RFC 3501 section 6.3.2).</summary>
    internal static async Task<RawImapClient> OpenInboxAsync(Task<RawImapClient> connecting, string folder = "INBOX")
    {
        var client = await connecting;
        var reply = await client.CommandAsync("EXAMINE " + folder);
        if (!reply.IsOk)
        {
            throw new InvalidOperationException($"EXAMINE {folder} failed: {reply.Tagged}");
        }

        return client;
    }

    private void AssertOnlyAllowed(ComparisonScope scope, ComparisonReport report, string title) =>
        fixture.AllowListUsage.Judge(scope, report, title, output);
}
