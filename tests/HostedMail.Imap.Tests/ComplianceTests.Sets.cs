namespace HostedMail.Imap.Tests;

// Sequence sets beyond EXISTS and UIDNEXT (RFC 9051 sections 6.4.4, 6.4.8, 6.4.9, 9).
public sealed partial class ComplianceTests
{
    /// <summary>Four messages, the second expunged: UIDs 1, 3, 4 at sequence numbers 1-3, UIDNEXT 5.</summary>
    private async Task<ImapClient> GappedFolderAsync(string name)
    {
        var (mailbox, client) = await MailboxAndClientAsync(name);
        await _node.DeliverAsync(mailbox, "From: a@example.com\r\nSubject: 1\r\nDate: Sat, 31 Oct 2026 23:00:00 -0700\r\n\r\n1\r\n");
        await _node.DeliverAsync(mailbox, "From: b@example.com\r\nSubject: 2\r\nDate: 1 Nov 2026 00:00:00 +1300\r\n\r\n2\r\n");
        await _node.DeliverAsync(mailbox, "From: c@example.com\r\nSubject: 3\r\nDate: Sun, 1 Nov 2026 12:00:00 GMT\r\n\r\n3\r\n");
        await _node.DeliverAsync(mailbox, "From: d@example.com\r\nSubject: 4\r\nDate: Mon, 2 Nov 2026 08:00:00 PST\r\n\r\n4\r\n");
        await client.CommandAsync("SELECT INBOX");
        await client.CommandAsync("UID STORE 2 +FLAGS.SILENT (\\Deleted)");
        Assert.Equal("* 2 EXPUNGE", (await client.CommandAsync("EXPUNGE"))[0]);
        return client;
    }

    [Theory]
    [InlineData("SEARCH 2:5", "* SEARCH 2 3")]
    [InlineData("SEARCH 4:10", "* SEARCH")]
    [InlineData("SEARCH 7", "* SEARCH")]
    [InlineData("SEARCH 2:*", "* SEARCH 2 3")]
    [InlineData("SEARCH NOT 3:9", "* SEARCH 1 2")]
    [InlineData("SEARCH OR 1 99", "* SEARCH 1")]
    [InlineData("SEARCH RETURN (ALL COUNT) 3:9", "* ESEARCH (TAG \"A5\") ALL 3 COUNT 1")]
    [InlineData("UID SEARCH UID 10:4294967295", "* SEARCH")]
    [InlineData("UID SEARCH UID 4294967295", "* SEARCH")]
    [InlineData("UID SEARCH UID 10:*", "* SEARCH 4")]
    [InlineData("UID SEARCH UID *:10", "* SEARCH 4")]
    [InlineData("UID SEARCH UID 2", "* SEARCH")]
    [InlineData("UID SEARCH UID 1:3", "* SEARCH 1 3")]
    [InlineData("UID SEARCH 3", "* SEARCH 4")]
    [InlineData("UID FETCH 10:* (FLAGS)", "* 3 FETCH (UID 4 FLAGS (\\Recent))")]
    public async Task SetsBeyondExistsAndUidNextFollowTheRfc(string command, string expected)
    {
        await using var client = await GappedFolderAsync("sets");
        var lines = await client.CommandAsync(command);
        Assert.Equal([expected, $"A5 OK {command.Split(' ')[0] switch { "UID" => "UID " + command.Split(' ')[1], var v => v }} completed"], lines);
    }

    [Fact]
    public async Task MessageCommandsStillRefuseSequenceNumbersBeyondExistsAndEmptyFoldersMatchNothing()
    {
        await using var client = await GappedFolderAsync("setsbad");
        Assert.Equal(["A5 BAD Invalid message sequence number"], await client.CommandAsync("FETCH 4 FLAGS"));
        Assert.Equal(["A6 BAD Invalid message sequence number"], await client.CommandAsync("STORE 2:4 +FLAGS (\\Seen)"));
        Assert.Equal(["A7 OK UID FETCH completed"], await client.CommandAsync("UID FETCH 4294967295 FLAGS"));
        Assert.Equal(["A8 OK CREATE completed"], await client.CommandAsync("CREATE Empty"));
        await client.CommandAsync("SELECT Empty");
        Assert.Equal(["* SEARCH", "A10 OK SEARCH completed"], await client.CommandAsync("SEARCH 1:*"));
        Assert.Equal(["* SEARCH", "A11 OK UID SEARCH completed"], await client.CommandAsync("UID SEARCH UID 1:*"));
        Assert.Equal(["A12 OK FETCH completed"], await client.CommandAsync("FETCH 1:* FLAGS"));
    }
}
