using Xunit.Abstractions;

namespace HostedMail.Conformance;

/// <summary>
/// Scripted conversations (<see cref="ConversationScripts"/>) replayed on HostedMail and Dovecot;
/// fails on any difference in normalised responses that the allow-list does not list.
/// </summary>
[Collection(ConformanceCollection.Name)]
public sealed class ConversationTests(ConformanceFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task EveryScriptedConversationMatchesDovecotOrIsAllowListed()
    {
        var report = new ComparisonReport();
        var ourCapabilities = await CapabilitiesAsync(fixture.HostedMail.Port, fixture.OurCorpusUser, HostedMailServer.Password);
        var theirCapabilities = await CapabilitiesAsync(fixture.Dovecot.Port, "corpus", DovecotServer.Password);
        output.WriteLine("capabilities only we advertise: " + string.Join(' ', ourCapabilities.Except(theirCapabilities).Order()));
        output.WriteLine("capabilities only Dovecot advertises: " + string.Join(' ', theirCapabilities.Except(ourCapabilities).Order()));
        var comparison = new ConversationComparison(report);
        var notRun = new List<string>();
        foreach (var script in ConversationScripts.All)
        {
            var missing = script.Requires.Where(c => !ourCapabilities.Contains(c) || !theirCapabilities.Contains(c)).ToList();
            if (missing.Count > 0)
            {
                // Not a skip: the script has nothing to compare when one server lacks the extension,
                // and the capability lists above say which one.
                notRun.Add($"{script.Name} (needs {string.Join(' ', missing)})");
                continue;
            }

            var ours = new Side(fixture.HostedMail.Port, await fixture.HostedMail.CreateMailboxAsync("talk"), HostedMailServer.Password);
            var theirs = new Side(fixture.Dovecot.Port, fixture.NextDovecotUser(), DovecotServer.Password);
            await comparison.CompareAsync(script, ours, theirs);
        }

        output.WriteLine($"scripts run: {ConversationScripts.All.Count - notRun.Count}; not run: {(notRun.Count == 0 ? "none" : string.Join(", ", notRun))}");
        Assert.True(notRun.Count == 0, "scripts not run: " + string.Join(", ", notRun));
        fixture.AllowListUsage.Judge(ComparisonScope.Conversations, report, $"CONVERSATIONS (Dovecot {fixture.Dovecot.Version})", output);
    }

    /// <summary>What a server advertises before and after LOGIN (RFC 3501 section 6.1.1), as one set.</summary>
    private static async Task<HashSet<string>> CapabilitiesAsync(int port, string user, string password)
    {
        await using var client = await RawImapClient.ConnectAsync(port);
        var set = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var phase in new[] { false, true })
        {
            if (phase)
            {
                await client.CommandAsync($"LOGIN {ImapData.Quote(user)} {ImapData.Quote(password)}");
            }

            var reply = await client.CommandAsync("CAPABILITY");
            foreach (var line in reply.Untagged.Where(l => l.StartsWith("* CAPABILITY ", StringComparison.OrdinalIgnoreCase)))
            {
                set.UnionWith(line["* CAPABILITY ".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries));
            }
        }

        return set;
    }
}
