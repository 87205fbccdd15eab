using System.IO.Compression;
using System.Text;
using HostedMail.Core.Mailboxes;
using HostedMail.Testing;

namespace HostedMail.Imap.Tests;

/// <summary>Scripted conversations for commands, extensions and error cases, with exact responses.</summary>
public sealed class ConversationTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    private ImapTestNode _node = null!;
    private Mailbox _mailbox = null!;

    public async Task InitializeAsync()
    {
        _node = await ImapTestNode.StartAsync(database.ConnectionString);
        _mailbox = await _node.CreateMailboxAsync("conv");
    }

    public async Task DisposeAsync() => await _node.DisposeAsync();

    private async Task<(ImapClient Client, Mailbox Mailbox)> FreshAsync(string name = "c")
    {
        var mailbox = await _node.CreateMailboxAsync(name);
        return (await ImapClient.LoginAsync(_node.Port, mailbox.Address), mailbox);
    }

    [Theory]
    [InlineData("SELECT INBOX", "A1 BAD Command not valid in not authenticated state")]
    [InlineData("FETCH 1 FLAGS", "A1 BAD Command not valid in not authenticated state")]
    [InlineData("FROBNICATE", "A1 BAD unknown command FROBNICATE")]
    [InlineData("NOOP extra", "A1 BAD unexpected characters at the end of the command")]
    [InlineData("LOGIN onlyuser", "A1 BAD expected a space")]
    public async Task WrongStateAndBadSyntaxAreAnsweredWithBad(string command, string expected)
    {
        await using var client = await ImapClient.ConnectAsync(_node.Port);
        Assert.Equal([expected], await client.CommandAsync(command));
    }

    [Fact]
    public async Task UntaggedGarbageGetsAnUntaggedBad()
    {
        await using var client = await ImapClient.ConnectAsync(_node.Port);
        await client.SendAsync("+++\r\n");
        Assert.Equal("* BAD missing or invalid tag", await client.ReadLineAsync());
    }

    [Fact]
    public async Task SelectedStateCommandsNeedASelectedFolder()
    {
        var (client, _) = await FreshAsync();
        await using var _ = client;
        Assert.Equal(["A2 BAD Command not valid in authenticated state"], await client.CommandAsync("FETCH 1 FLAGS"));
        Assert.Equal(["A3 NO [NONEXISTENT] No such mailbox"], await client.CommandAsync("SELECT Nowhere"));
        Assert.Equal(["A4 NO [NONEXISTENT] No such mailbox"], await client.CommandAsync("STATUS Nowhere (MESSAGES)"));
        Assert.Equal(["A5 NO [TRYCREATE] No such mailbox"], await client.CommandAsync("APPEND Nowhere {3+}\r\nabc"));
    }

    [Fact]
    public async Task WrongPasswordIsRefusedAndTheThirdFailureCloses()
    {
        await using var client = await ImapClient.ConnectAsync(_node.Port);
        Assert.Equal(["A1 NO [AUTHENTICATIONFAILED] Invalid credentials"], await client.CommandAsync($"LOGIN {_mailbox.Address} wrong"));
        Assert.Equal(["A2 NO [AUTHENTICATIONFAILED] Invalid credentials"], await client.CommandAsync($"LOGIN {_mailbox.Address} wrong"));
        Assert.Equal(["* BYE Too many authentication failures", "A3 NO [AUTHENTICATIONFAILED] Invalid credentials"], await client.CommandAsync($"LOGIN {_mailbox.Address} wrong"));
        Assert.True(await client.IsClosedAsync());
    }

    [Fact]
    public async Task AuthenticatePlainWorksWithSaslIrAndWithAContinuation()
    {
        var token = Convert.ToBase64String(Encoding.UTF8.GetBytes("\0" + _mailbox.Address + "\0" + ImapTestNode.Password));
        await using (var client = await ImapClient.ConnectAsync(_node.Port))
        {
            var lines = await client.CommandAsync("AUTHENTICATE PLAIN " + token);
            Assert.EndsWith("] AUTHENTICATE completed", lines[0], StringComparison.Ordinal);
        }

        await using (var client = await ImapClient.ConnectAsync(_node.Port))
        {
            await client.SendAsync("A1 AUTHENTICATE PLAIN\r\n");
            Assert.Equal("+ ", await client.ReadLineAsync());
            await client.SendAsync(token + "\r\n");
            var lines = await client.ReadUntilTaggedAsync("A1");
            Assert.EndsWith("] AUTHENTICATE completed", lines[0], StringComparison.Ordinal);
        }

        await using (var client = await ImapClient.ConnectAsync(_node.Port))
        {
            await client.SendAsync("A1 AUTHENTICATE PLAIN\r\n");
            await client.ReadLineAsync();
            await client.SendAsync("*\r\n");
            Assert.Equal(["A1 BAD AUTHENTICATE cancelled"], await client.ReadUntilTaggedAsync("A1"));
        }
    }

    [Fact]
    public async Task WithoutTlsLoginIsDisabledUntilStartTls()
    {
        await using var node = await ImapTestNode.StartAsync(database.ConnectionString, allowPlaintext: false);
        await using var client = await ImapClient.ConnectAsync(node.Port);
        Assert.Contains("LOGINDISABLED", client.Greeting, StringComparison.Ordinal);
        Assert.DoesNotContain("AUTH=PLAIN", client.Greeting, StringComparison.Ordinal);
        Assert.Equal(["A1 NO [PRIVACYREQUIRED] Use STARTTLS first"], await client.CommandAsync($"LOGIN {_mailbox.Address} \"{ImapTestNode.Password}\""));
        // A command pipelined behind STARTTLS in the same packet must be discarded, never run.
        await client.SendAsync("A2 STARTTLS\r\nA3 CAPABILITY\r\n");
        Assert.Equal("A2 OK Begin TLS negotiation now", await client.ReadLineAsync());
        await client.UpgradeToTlsAsync();
        var caps = await client.CommandAsync("CAPABILITY");
        Assert.StartsWith("A2 OK", caps[^1], StringComparison.Ordinal);
        Assert.Contains("AUTH=PLAIN", caps[0], StringComparison.Ordinal);
        Assert.DoesNotContain("STARTTLS", caps[0], StringComparison.Ordinal);
        var login = await client.CommandAsync($"LOGIN {_mailbox.Address} \"{ImapTestNode.Password}\"");
        Assert.EndsWith("LOGIN completed", login[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task ImplicitTlsServesTheSameProtocol()
    {
        await using var client = await ImapClient.ConnectAsync(_node.TlsPort, tls: true);
        Assert.StartsWith("* OK [CAPABILITY IMAP4rev2", client.Greeting, StringComparison.Ordinal);
        Assert.DoesNotContain("STARTTLS", client.Greeting, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LiteralsSynchronizingNonSynchronizingAndTooLarge()
    {
        var (client, _) = await FreshAsync();
        await using var _ = client;
        await client.SendAsync("A2 CREATE {5}\r\n");
        Assert.Equal("+ Ready for literal data", await client.ReadLineAsync());
        await client.SendAsync("Lit/A\r\n");
        Assert.Equal(["A2 OK CREATE completed"], await client.ReadUntilTaggedAsync(client.TakeTag()));
        Assert.Equal(["A3 OK CREATE completed"], await client.CommandAsync("CREATE {5+}\r\nLit/B"));
        Assert.Equal(["A4 NO [TOOBIG] Message too large"], await client.CommandAsync("APPEND INBOX {999999999999}"));
        Assert.Equal(["A5 BAD Literal too large"], await client.CommandAsync("CREATE {999999999999}"));
        await client.SendAsync("A6 APPEND INBOX {999999999999+}\r\n");
        Assert.Equal("* BYE [TOOBIG] Literal too large", await client.ReadLineAsync());
        Assert.True(await client.IsClosedAsync());
    }

    [Fact]
    public async Task FolderManagementWithHierarchyAndSpecialUse()
    {
        var (client, _) = await FreshAsync();
        await using var _ = client;
        Assert.Equal(["A2 OK CREATE completed"], await client.CommandAsync("CREATE Projects/2026/Q4"));
        Assert.Equal(["A3 NO [ALREADYEXISTS] the folder already exists"], await client.CommandAsync("CREATE Projects"));
        Assert.Equal(["A4 NO [ALREADYEXISTS] INBOX always exists"], await client.CommandAsync("CREATE inbox"));
        Assert.Equal(["A5 OK CREATE completed"], await client.CommandAsync(@"CREATE Everything (USE (\Archive))"));
        Assert.Equal(["A6 NO [USEATTR] Unsupported special-use attribute"], await client.CommandAsync(@"CREATE Bad (USE (\Bogus))"));
        Assert.Equal(
            ["* LIST (\\HasChildren) \"/\" Projects", "* LIST (\\HasChildren) \"/\" Projects/2026", "* LIST (\\HasNoChildren) \"/\" Projects/2026/Q4", "A7 OK LIST completed"],
            await client.CommandAsync("LIST \"\" Projects*"));
        Assert.Equal(["* LIST (\\HasChildren) \"/\" Projects", "A8 OK LIST completed"], await client.CommandAsync("LIST \"\" %rojects"));
        Assert.Equal(["A9 OK RENAME completed"], await client.CommandAsync("RENAME Projects Work"));
        Assert.Equal(["* LIST (\\HasNoChildren) \"/\" Work/2026/Q4", "A10 OK LIST completed"], await client.CommandAsync("LIST Work/ */Q4"));
        Assert.Equal(["A11 OK DELETE completed"], await client.CommandAsync("DELETE Work/2026/Q4"));
        Assert.Equal(["A12 NO [NONEXISTENT] No such mailbox"], await client.CommandAsync("DELETE Work/2026/Q4"));
        Assert.Equal(["A13 NO [CANNOT] INBOX cannot be deleted"], await client.CommandAsync("DELETE INBOX"));
        var special = await client.CommandAsync("LIST (SPECIAL-USE) \"\" *");
        Assert.Contains("* LIST (\\HasNoChildren \\Sent) \"/\" Sent", special);
        Assert.Contains("* LIST (\\HasNoChildren \\Archive) \"/\" Everything", special);
        Assert.DoesNotContain(special, l => l.EndsWith(" INBOX", StringComparison.Ordinal));
        Assert.Equal(["* LIST (\\Noselect) \"/\" \"\"", "A15 OK LIST completed"], await client.CommandAsync("LIST \"\" \"\""));
        Assert.Equal(["A16 OK UNSUBSCRIBE completed"], await client.CommandAsync("UNSUBSCRIBE Junk"));
        var lsub = await client.CommandAsync("LSUB \"\" *");
        Assert.DoesNotContain(lsub, l => l.EndsWith(" Junk", StringComparison.Ordinal));
        Assert.Contains("* LSUB () \"/\" INBOX", lsub);
        var status = await client.CommandAsync("LIST \"\" INBOX RETURN (SUBSCRIBED STATUS (MESSAGES UIDNEXT SIZE))");
        Assert.Equal("* LIST (\\HasNoChildren \\Subscribed) \"/\" INBOX", status[0]);
        Assert.Equal("* STATUS INBOX (MESSAGES 0 UIDNEXT 1 SIZE 0)", status[1]);
    }

    [Fact]
    public async Task ModifiedUtf7NamesForRev1AndUtf8AfterEnable()
    {
        var (client, _) = await FreshAsync();
        await using var _ = client;
        Assert.Equal(["A2 OK CREATE completed"], await client.CommandAsync("CREATE &ZeVnLIqe-"));
        Assert.Equal(["* LIST (\\HasNoChildren) \"/\" &ZeVnLIqe-", "A3 OK LIST completed"], await client.CommandAsync("LIST \"\" &ZeVnLIqe-"));
        Assert.Equal(["* ENABLED UTF8=ACCEPT", "A4 OK ENABLE completed"], await client.CommandAsync("ENABLE UTF8=ACCEPT"));
        Assert.Equal(["* LIST (\\HasNoChildren) \"/\" \"日本語\"", "A5 OK LIST completed"], await client.CommandAsync("LIST \"\" \"日本語\""));
    }

    [Fact]
    public async Task AppendFetchStoreSearchAndExpungeConversation()
    {
        var (client, _) = await FreshAsync();
        await using var _ = client;
        var message = ImapTestNode.Message("Conversation", "First body line.\r\nSecond line.");
        var bytes = Encoding.UTF8.GetByteCount(message);
        var append = await client.CommandAsync($"APPEND INBOX (\\Seen $Work) \"21-Nov-2026 10:00:00 +0100\" {{{bytes}+}}\r\n{message}");
        Assert.Matches(@"^A2 OK \[APPENDUID \d+ 1\] APPEND completed$", append.Single());
        var second = message.Replace("Conversation", "Second", StringComparison.Ordinal);
        await client.CommandAsync($"APPEND INBOX {{{Encoding.UTF8.GetByteCount(second)}+}}\r\n{second}");
        var select = await client.CommandAsync("SELECT INBOX");
        Assert.Equal("* 2 EXISTS", select[0]);

        var fetch = await client.CommandAsync("FETCH 1 (UID FLAGS INTERNALDATE RFC822.SIZE)");
        // RFC 9051 section 7.3.5: the keyword is announced before the first FETCH shows it.
        Assert.Equal(@"* FLAGS (\Answered \Flagged \Deleted \Seen \Draft $Work)", fetch[0]);
        Assert.Equal($"* 1 FETCH (UID 1 FLAGS (\\Seen \\Recent $Work) INTERNALDATE \"21-Nov-2026 09:00:00 +0000\" RFC822.SIZE {bytes})", fetch[2]);
        var partial = await client.CommandAsync("UID FETCH 1 (BODY.PEEK[TEXT]<0.5> BODY.PEEK[HEADER.FIELDS (SUBJECT)])");
        Assert.Equal("* 1 FETCH (UID 1 BODY[TEXT]<0> {5}\r\nFirst BODY[HEADER.FIELDS (SUBJECT)] {25}\r\nSubject: Conversation\r\n\r\n)", partial[0]);
        var envelope = await client.CommandAsync("FETCH 2 (ENVELOPE BODYSTRUCTURE)");
        Assert.StartsWith("* 2 FETCH (ENVELOPE (\"Sat, 21 Nov 2026 10:00:00 +0000\" \"Second\" ((\"Ann\" NIL \"ann\" \"sender.example\"))", envelope[0], StringComparison.Ordinal);
        Assert.Contains("BODYSTRUCTURE (\"text\" \"plain\" (\"charset\" \"utf-8\")", envelope[0], StringComparison.Ordinal);
        var binary = await client.CommandAsync("FETCH 2 (BINARY.SIZE[1] BINARY.PEEK[1]<0.5>)");
        Assert.Equal("* 2 FETCH (BINARY.SIZE[1] 32 BINARY[1]<0> {5}\r\nFirst)", binary[0]);
        var seen = await client.CommandAsync("FETCH 2 BODY[1]");
        Assert.Equal("* 2 FETCH (BODY[1] {32}\r\nFirst body line.\r\nSecond line.\r\n FLAGS (\\Seen \\Recent))", seen[0]);

        Assert.Equal(["* 2 FETCH (FLAGS (\\Seen \\Flagged \\Recent))", "A10 OK STORE completed"], await client.CommandAsync("STORE 2 +FLAGS (\\Flagged)"));
        Assert.Equal(["A11 OK STORE completed"], await client.CommandAsync("STORE 1:2 +FLAGS.SILENT (\\Deleted)"));
        Assert.Equal(["* SEARCH 2", "A12 OK SEARCH completed"], await client.CommandAsync("SEARCH FLAGGED SUBJECT second"));
        Assert.Equal(["* SEARCH 1 2", "A13 OK SEARCH completed"], await client.CommandAsync("SEARCH CHARSET UTF-8 TEXT \"second line\""));
        Assert.Equal(["* SEARCH 1", "A14 OK SEARCH completed"], await client.CommandAsync("SEARCH KEYWORD $Work"));
        Assert.Equal(["A15 NO [BADCHARSET (UTF-8 US-ASCII)] Unsupported charset"], await client.CommandAsync("SEARCH CHARSET KOI8-R ALL"));
        Assert.Equal(["* ESEARCH (TAG \"A16\") UID MIN 1 MAX 2 COUNT 2", "A16 OK UID SEARCH completed"], await client.CommandAsync("UID SEARCH RETURN (MIN MAX COUNT) DELETED"));
        Assert.Equal(["A17 BAD Invalid message sequence number"], await client.CommandAsync("FETCH 3 FLAGS"));
        Assert.Equal(["* 2 EXPUNGE", "A18 OK UID EXPUNGE completed"], await client.CommandAsync("UID EXPUNGE 2"));
        Assert.Equal(["* 1 EXPUNGE", "A19 OK EXPUNGE completed"], await client.CommandAsync("EXPUNGE"));
        Assert.Equal(["A20 OK FETCH completed"], await client.CommandAsync("FETCH 1:* FLAGS"));
    }

    [Fact]
    public async Task CopyAndMoveReportCopyUid()
    {
        var (client, mailbox) = await FreshAsync();
        await using var _ = client;
        for (var i = 0; i < 3; i++)
        {
            await _node.DeliverAsync(mailbox, ImapTestNode.Message("m" + i));
        }

        await client.CommandAsync("SELECT INBOX");
        var copy = await client.CommandAsync("COPY 1:2 Archive");
        Assert.Matches(@"^A3 OK \[COPYUID \d+ 1:2 1:2\] COPY completed$", copy.Single());
        Assert.Equal(["A4 NO [TRYCREATE] No such mailbox"], await client.CommandAsync("COPY 1 Nowhere"));
        var move = await client.CommandAsync("UID MOVE 2:3 Archive");
        Assert.Matches(@"^\* OK \[COPYUID \d+ 2:3 3:4\] Moved$", move[0]);
        Assert.Equal(["* 3 EXPUNGE", "* 2 EXPUNGE", "A5 OK UID MOVE completed"], move[1..]);
        Assert.Equal(["* STATUS Archive (MESSAGES 4 UIDNEXT 5)", "A6 OK STATUS completed"], await client.CommandAsync("STATUS Archive (MESSAGES UIDNEXT)"));
    }

    [Fact]
    public async Task CondStoreAndQresync()
    {
        var (client, mailbox) = await FreshAsync();
        await using var _ = client;
        await _node.DeliverAsync(mailbox, ImapTestNode.Message("a"));
        await _node.DeliverAsync(mailbox, ImapTestNode.Message("b"));
        Assert.Equal(["* ENABLED QRESYNC", "A2 OK ENABLE completed"], await client.CommandAsync("ENABLE QRESYNC"));
        var select = await client.CommandAsync("SELECT INBOX");
        var uidValidity = long.Parse(System.Text.RegularExpressions.Regex.Match(string.Join('\n', select), @"UIDVALIDITY (\d+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        var modSeq = long.Parse(System.Text.RegularExpressions.Regex.Match(string.Join('\n', select), @"HIGHESTMODSEQ (\d+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        var store = await client.CommandAsync($"UID STORE 1 (UNCHANGEDSINCE {modSeq}) +FLAGS (\\Seen)");
        Assert.Equal($"* 1 FETCH (UID 1 FLAGS (\\Seen \\Recent) MODSEQ ({modSeq + 1}))", store[0]);
        var conflict = await client.CommandAsync($"UID STORE 1:2 (UNCHANGEDSINCE {modSeq}) +FLAGS (\\Answered)");
        Assert.Equal($"* 2 FETCH (UID 2 FLAGS (\\Answered \\Recent) MODSEQ ({modSeq + 2}))", conflict[0]);
        Assert.Equal("A5 OK [MODIFIED 1] Conditional STORE failed", conflict[^1]);
        var changed = await client.CommandAsync($"UID FETCH 1:* (FLAGS) (CHANGEDSINCE {modSeq + 1})");
        Assert.Equal([$"* 2 FETCH (UID 2 FLAGS (\\Answered \\Recent) MODSEQ ({modSeq + 2}))", "A6 OK UID FETCH completed"], changed);
        await client.CommandAsync("UID STORE 1 +FLAGS.SILENT (\\Deleted)");
        var expunge = await client.CommandAsync("EXPUNGE");
        // RFC 7162 section 3.2.7: with QRESYNC the tagged OK carries the expunge's mod-sequence.
        Assert.Equal(["* VANISHED 1", $"A8 OK [HIGHESTMODSEQ {modSeq + 4}] EXPUNGE completed"], expunge);

        var second = await ImapClient.LoginAsync(_node.Port, mailbox.Address);
        await using var __ = second;
        await second.CommandAsync("ENABLE QRESYNC");
        var resync = await second.CommandAsync($"SELECT INBOX (QRESYNC ({uidValidity} {modSeq} 1:2))");
        Assert.Contains("* VANISHED (EARLIER) 1", resync);
        Assert.Contains(resync, l => l.StartsWith("* 1 FETCH (UID 2 FLAGS (\\Answered) MODSEQ (", StringComparison.Ordinal));
        var vanished = await second.CommandAsync($"UID FETCH 1:* FLAGS (CHANGEDSINCE {modSeq} VANISHED)");
        Assert.Equal("* VANISHED (EARLIER) 1", vanished[0]);
    }

    [Fact]
    public async Task OtherSessionsChangesArriveAsUntaggedResponses()
    {
        var (client, mailbox) = await FreshAsync();
        await using var _ = client;
        await _node.DeliverAsync(mailbox, ImapTestNode.Message("x"));
        await client.CommandAsync("SELECT INBOX");
        var other = await ImapClient.LoginAsync(_node.Port, mailbox.Address);
        await using var __ = other;
        await other.CommandAsync("SELECT INBOX");
        await other.CommandAsync("STORE 1 +FLAGS.SILENT (\\Flagged)");
        await _node.DeliverAsync(mailbox, ImapTestNode.Message("y"));

        // FETCH must not carry EXPUNGE, but flag changes and EXISTS may come at its end.
        await other.CommandAsync("STORE 1 +FLAGS.SILENT (\\Deleted)");
        await other.CommandAsync("EXPUNGE");
        var fetch = await client.CommandAsync("FETCH 1 UID");
        Assert.DoesNotContain(fetch, l => l.EndsWith("EXPUNGE", StringComparison.Ordinal));
        var noop = await client.CommandAsync("NOOP");
        Assert.Contains("* 1 EXPUNGE", noop);
        Assert.Equal("A4 OK NOOP completed", noop[^1]);
        Assert.Equal(["* 1 FETCH (UID 2 FLAGS ())", "A5 OK FETCH completed"], await client.CommandAsync("FETCH 1:* (UID FLAGS)"));
    }

    [Fact]
    public async Task IdleReportsADeliveryAndEndsWithDone()
    {
        var (client, mailbox) = await FreshAsync();
        await using var _ = client;
        await client.CommandAsync("SELECT INBOX");
        await client.SendAsync("A3 IDLE\r\n");
        Assert.Equal("+ idling", await client.ReadLineAsync());
        await _node.DeliverAsync(mailbox, ImapTestNode.Message("pushed"));
        Assert.Equal("* 1 EXISTS", await client.ReadLineAsync());
        Assert.Equal("* 1 RECENT", await client.ReadLineAsync());
        await client.SendAsync("DONE\r\n");
        Assert.Equal("A3 OK IDLE terminated", await client.ReadLineAsync());
    }

    [Fact]
    public async Task SortAndThread()
    {
        var (client, mailbox) = await FreshAsync();
        await using var _ = client;
        await _node.DeliverAsync(mailbox, ImapTestNode.Message("banana", from: "zed@b.example"));
        await _node.DeliverAsync(mailbox, ImapTestNode.Message("Re: apple", from: "amy@b.example"));
        await _node.DeliverAsync(mailbox, ImapTestNode.Message("apple", from: "bob@b.example"));
        await client.CommandAsync("SELECT INBOX");
        Assert.Equal(["* SORT 2 3 1", "A3 OK SORT completed"], await client.CommandAsync("SORT (SUBJECT ARRIVAL) UTF-8 ALL"));
        Assert.Equal(["* SORT 1 3 2", "A4 OK UID SORT completed"], await client.CommandAsync("UID SORT (REVERSE FROM) UTF-8 ALL"));
        Assert.Equal(["* THREAD (1)(2 3)", "A5 OK THREAD completed"], await client.CommandAsync("THREAD ORDEREDSUBJECT UTF-8 ALL"));
    }

    [Fact]
    public async Task QuotaIdNamespaceAndStatus()
    {
        var (client, _) = await FreshAsync();
        await using var _ = client;
        Assert.Equal(["* QUOTAROOT INBOX \"\"", "* QUOTA \"\" (STORAGE 0 1048576)", "A2 OK GETQUOTAROOT completed"], await client.CommandAsync("GETQUOTAROOT INBOX"));
        Assert.Equal(["A3 NO [NOPERM] Quotas are set by the administrator"], await client.CommandAsync("SETQUOTA \"\" (STORAGE 10)"));
        Assert.Equal(["* ID (\"name\" \"HostedMail\" \"vendor\" \"HostedMail\")", "A4 OK ID completed"], await client.CommandAsync("ID (\"name\" \"test\")"));
        Assert.Equal(["* NAMESPACE ((\"\" \"/\")) NIL NIL", "A5 OK NAMESPACE completed"], await client.CommandAsync("NAMESPACE"));
        Assert.Equal(["* STATUS INBOX (MESSAGES 0 UNSEEN 0 DELETED 0 RECENT 0 APPENDLIMIT 67108864)", "A6 OK STATUS completed"], await client.CommandAsync("STATUS INBOX (MESSAGES UNSEEN DELETED RECENT APPENDLIMIT)"));
        Assert.Equal(["A7 BAD Unknown STATUS item BOGUS"], await client.CommandAsync("STATUS INBOX (BOGUS)"));
    }

    [Fact]
    public async Task OverQuotaAppendIsRefused()
    {
        var mailbox = await _node.CreateMailboxAsync("quota", quotaBytes: 100);
        await using var client = await ImapClient.LoginAsync(_node.Port, mailbox.Address);
        var message = ImapTestNode.Message("too big for the quota", new string('x', 200));
        Assert.Equal(["A2 NO [OVERQUOTA] Mailbox quota exceeded"], await client.CommandAsync($"APPEND INBOX {{{Encoding.UTF8.GetByteCount(message)}+}}\r\n{message}"));
    }

    [Fact]
    public async Task CompressDeflateCarriesTheSession()
    {
        var (client, _) = await FreshAsync();
        await using var _ = client;
        Assert.Equal(["A2 OK DEFLATE active"], await client.CommandAsync("COMPRESS DEFLATE"));
        // Speak deflate by hand over the raw stream.
        var field = typeof(ImapClient).GetField("_stream", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!;
        var raw = (Stream)field.GetValue(client)!;
        using var output = new DeflateStream(raw, CompressionLevel.Fastest, leaveOpen: true);
        await output.WriteAsync(Encoding.ASCII.GetBytes("A3 NOOP\r\n"));
        await output.FlushAsync();
        using var input = new DeflateStream(raw, CompressionMode.Decompress, leaveOpen: true);
        var buffer = new byte[256];
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var n = await input.ReadAsync(buffer, cts.Token);
        Assert.Equal("A3 OK NOOP completed\r\n", Encoding.ASCII.GetString(buffer, 0, n));
    }

    [Fact]
    public async Task Rev2ReturnsEsearchAndNoRecent()
    {
        var (client, mailbox) = await FreshAsync();
        await using var _ = client;
        await _node.DeliverAsync(mailbox, ImapTestNode.Message("r2"));
        Assert.Equal(["* ENABLED IMAP4rev2", "A2 OK ENABLE completed"], await client.CommandAsync("ENABLE IMAP4rev2"));
        var select = await client.CommandAsync("SELECT INBOX");
        Assert.DoesNotContain(select, l => l.Contains("RECENT", StringComparison.Ordinal));
        Assert.Contains("* LIST () \"/\" INBOX", select);
        Assert.Equal(["* ESEARCH (TAG \"A4\") ALL 1", "A4 OK SEARCH completed"], await client.CommandAsync("SEARCH UNSEEN"));
        Assert.Equal(["A5 OK SEARCH completed"], await client.CommandAsync("SEARCH RETURN (SAVE) ALL"));
        Assert.Equal(["* 1 FETCH (UID 1)", "A6 OK FETCH completed"], await client.CommandAsync("FETCH $ (UID)"));
        Assert.Equal(["A7 BAD Command not valid in selected state"], await client.CommandAsync("ENABLE CONDSTORE"));
    }
}
