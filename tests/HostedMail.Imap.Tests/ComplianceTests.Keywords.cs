namespace HostedMail.Imap.Tests;

// Keywords compare case-insensitively (docs/imap-conformance.md, O7 decided): as Dovecot, Cyrus and
// Gmail do and as JMAP (RFC 8621 section 4.1.1) defines the keywords it shares with IMAP.
public sealed partial class ComplianceTests
{
    [Fact]
    public async Task KeywordsCompareCaseInsensitivelyInStoreAndSearch()
    {
        var (_, client) = await MailboxAndClientAsync("kwcase");
        await using var _ = client;
        await AppendAsync(client, "INBOX", "Subject: one\r\n\r\nx\r\n", "$Label3 Project");
        await AppendAsync(client, "INBOX", "Subject: two\r\n\r\ny\r\n");
        await client.CommandAsync("SELECT INBOX");

        Assert.Equal("* SEARCH 1", (await client.CommandAsync("SEARCH KEYWORD project"))[0]);
        Assert.Equal("* SEARCH 2", (await client.CommandAsync("SEARCH UNKEYWORD PROJECT"))[0]);

        // Another spelling of a keyword the message has adds nothing; the message keeps its spelling.
        var store = await client.CommandAsync("STORE 1 +FLAGS ($label3)");
        Assert.Contains("* 1 FETCH (FLAGS (\\Recent $Label3 Project))", store);
        Assert.DoesNotContain(store, l => l.Contains("$label3", StringComparison.Ordinal));

        // FLAGS replaces, keeping the spelling the message has; -FLAGS removes any spelling.
        Assert.Contains("* 1 FETCH (FLAGS (\\Recent $Label3 Work))", await client.CommandAsync("STORE 1 FLAGS ($LABEL3 Work)"));
        Assert.Contains("* 1 FETCH (FLAGS (\\Recent Work))", await client.CommandAsync("STORE 1 -FLAGS ($label3)"));
    }
}
