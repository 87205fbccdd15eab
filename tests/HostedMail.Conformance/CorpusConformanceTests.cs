using System.Globalization;
using HostedMail.Testing.Corpus;
using Xunit.Abstractions;

namespace HostedMail.Conformance;

/// <summary>
/// The same comparison as <see cref="MessageConformanceTests"/> over the shared real-world corpus
/// (tests/HostedMail.Testing/Corpus, 1,000 generated messages of 52 shapes), APPENDed to a
/// "Corpus" folder on both servers.
/// </summary>
[Collection(ConformanceCollection.Name)]
public sealed class CorpusConformanceTests(ConformanceFixture fixture, ITestOutputHelper output)
{
    private const int Count = 1000;
    private static readonly string[] Zones = ["+0000", "+0200", "-0500", "+0530", "-0930", "+1245"];
    private static readonly string[] Flags = ["()", @"(\Seen)", @"(\Seen \Answered)", @"(\Flagged)", "($Forwarded)", @"(\Seen Project)", @"(\Draft)"];

    [Fact]
    public async Task EveryFetchItemAndQueryOverTheRealWorldCorpusMatchesDovecotOrIsAllowListed()
    {
        var messages = Corpus(out var excluded);
        await using (var ours = await fixture.OpenOursAsync(fixture.OurCorpusUser))
        await using (var theirs = await fixture.OpenTheirsAsync("corpus"))
        {
            Assert.True((await ours.CommandAsync("CREATE Corpus")).IsOk);
            Assert.True((await theirs.CommandAsync("CREATE Corpus")).IsOk);
            await Task.WhenAll(ConformanceFixture.AppendAllAsync(ours, "Corpus", messages), ConformanceFixture.AppendAllAsync(theirs, "Corpus", messages));
        }

        var report = new ComparisonReport();
        await using (var ours = await MessageConformanceTests.OpenInboxAsync(fixture.OpenOursAsync(fixture.OurCorpusUser), "Corpus"))
        await using (var theirs = await MessageConformanceTests.OpenInboxAsync(fixture.OpenTheirsAsync("corpus"), "Corpus"))
        {
            await using var comparison = new MessageComparison(ours, theirs, report)
            {
                ReopenOurs = () => MessageConformanceTests.OpenInboxAsync(fixture.OpenOursAsync(fixture.OurCorpusUser), "Corpus"),
                ReopenTheirs = () => MessageConformanceTests.OpenInboxAsync(fixture.OpenTheirsAsync("corpus"), "Corpus"),
            };
            for (var i = 0; i < messages.Count; i++)
            {
                await comparison.CompareMessageAsync(i + 1, messages[i].Name);
                report.Messages++;
            }

            foreach (var (category, queries) in new[] { ("SEARCH", Queries.Search), ("SORT", Queries.Sort), ("THREAD", Queries.Thread) })
            {
                foreach (var query in queries)
                {
                    await comparison.CompareQueryAsync(category, query, "Corpus");
                }
            }
        }

        output.WriteLine($"corpus: {messages.Count} of {Count} generated messages compared; not APPENDed (NUL octets, which IMAP literals cannot carry, RFC 3501 section 4.3): {string.Join(", ", excluded)}");
        fixture.AllowListUsage.Judge(ComparisonScope.Corpus, report, $"CORPUS (Dovecot {fixture.Dovecot.Version})", output);
    }

    /// <summary>
    /// The corpus as a client would APPEND it: line ends made CRLF (RFC 3501 section 6.3.11 takes an
    /// RFC 5322 message), with varied flags and an explicit INTERNALDATE in varied zones.
    /// </summary>
    private static List<TestMessage> Corpus(out List<string> excluded)
    {
        excluded = [];
        var messages = new List<TestMessage>();
        var start = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
        foreach (var message in RealWorldCorpus.Generate(Count))
        {
            if (message.HasNul)
            {
                excluded.Add(message.Name);
                continue;
            }

            var index = messages.Count;
            var zone = Zones[index % Zones.Length];
            var offset = TimeSpan.ParseExact(zone[1..], "hhmm", CultureInfo.InvariantCulture) * (zone[0] == '-' ? -1 : 1);
            var date = start.AddMinutes(index * 97L).ToOffset(offset);
            var internalDate = date.ToString("dd-MMM-yyyy HH:mm:ss ", CultureInfo.InvariantCulture) + zone;
            messages.Add(new TestMessage(message.Name, RawImapClient.Octets.GetString(message.CanonicalCrLf()), Flags[index % Flags.Length], internalDate));
        }

        return messages;
    }
}
