using HostedMail.Core.Mailboxes;
using HostedMail.Testing;

namespace HostedMail.Imap.Tests;

/// <summary>Scripted conversations with exact expected responses, over the real listener stack and database.</summary>
public sealed class SessionTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    private ImapTestNode _node = null!;
    private Mailbox _mailbox = null!;

    public async Task InitializeAsync()
    {
        _node = await ImapTestNode.StartAsync(database.ConnectionString);
        _mailbox = await _node.CreateMailboxAsync("sess");
    }

    public async Task DisposeAsync() => await _node.DisposeAsync();

    private Task<ImapClient> LoginAsync() => ImapClient.LoginAsync(_node.Port, _mailbox.Address);

    [Fact]
    public async Task GreetingAdvertisesCapabilitiesAndLoginWorks()
    {
        await using var client = await ImapClient.ConnectAsync(_node.Port);
        Assert.StartsWith("* OK [CAPABILITY IMAP4rev2 IMAP4rev1 ", client.Greeting, StringComparison.Ordinal);
        Assert.Contains(" STARTTLS", client.Greeting, StringComparison.Ordinal);
        Assert.Contains(" AUTH=PLAIN", client.Greeting, StringComparison.Ordinal);
        var lines = await client.CommandAsync($"LOGIN {_mailbox.Address} \"{ImapTestNode.Password}\"");
        Assert.Single(lines);
        Assert.StartsWith("A1 OK [CAPABILITY IMAP4rev2", lines[0], StringComparison.Ordinal);
        Assert.EndsWith("] LOGIN completed", lines[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task SelectReportsTheFolderState()
    {
        await _node.DeliverAsync(_mailbox, ImapTestNode.Message("one"));
        await using var client = await LoginAsync();
        var lines = await client.CommandAsync("SELECT INBOX");
        Assert.Matches(@"^\* \d+ EXISTS$", lines[0]);
        // RFC 3501 section 2.3.2: the first session to select after delivery has the message as \Recent.
        Assert.Equal("* 1 RECENT", lines[1]);
        Assert.Equal(@"* FLAGS (\Answered \Flagged \Deleted \Seen \Draft)", lines[2]);
        Assert.Equal(@"* OK [PERMANENTFLAGS (\Answered \Flagged \Deleted \Seen \Draft \*)] Flags permitted", lines[3]);
        // RFC 3501 section 6.3.1: the first unseen message, for an IMAP4rev1 session.
        Assert.Equal("* OK [UNSEEN 1] First unseen", lines[4]);
        Assert.Matches(@"^\* OK \[UIDVALIDITY \d+\] UIDs valid$", lines[5]);
        Assert.Matches(@"^\* OK \[UIDNEXT \d+\] Predicted next UID$", lines[6]);
        Assert.Matches(@"^\* OK \[HIGHESTMODSEQ \d+\] Highest$", lines[7]);
        Assert.Equal("A2 OK [READ-WRITE] SELECT completed", lines[8]);
    }
}
