namespace HostedMail.Imap.Tests;

// RFC 3501 section 2.3.2: \Recent belongs to the first IMAP4rev1 session that selects the folder
// after a message arrived (cluster-wide); EXAMINE takes nothing; IMAP4rev2 has no \Recent.
public sealed partial class ComplianceTests
{
    private static readonly string[] RecentMessages =
    [
        "From: =?ISO-8859-1?Q?Andr=E9?= <andre@example.fr>\r\nTo: bob@example.com\r\nSubject: first\r\nDate: Wed, 18 Nov 2026 23:30:00 +0200\r\n\r\none\r\n",
        "From: \"O'Brien, Pat\" <pat@example.ie>\r\nTo: undisclosed-recipients:;\r\nSubject: second\r\nDate: 19 Nov 2026 07:05 -0500 (EST)\r\n\r\ntwo\r\n",
        "From: carol@example.net\r\nSubject: =?UTF-8?Q?dritte_Nachricht?=\r\nDate: Fri, 20 Nov 2026 00:00:00 UT\r\n\r\nthree\r\n",
    ];

    [Fact]
    public async Task ASessionToldOfMessagesAlreadyClaimedOnItsNodeWritesNothing()
    {
        // 100 IDLE sessions of one mailbox used to run 100 claims (a row lock, a write, a commit
        // each) on one folder row per delivery; the node now knows the boundary moved past them.
        var (mailbox, first) = await MailboxAndClientAsync("recentcache");
        await using var _ = first;
        await _node.DeliverAsync(mailbox, RecentMessages[0]);
        Assert.Equal("* 1 RECENT", (await first.CommandAsync("SELECT INBOX"))[1]);
        var before = await FolderRowVersionAsync(mailbox);

        await using var second = await LoginAsync(mailbox);
        Assert.Equal("* 0 RECENT", (await second.CommandAsync("SELECT INBOX"))[1]);
        Assert.Equal(before, await FolderRowVersionAsync(mailbox));

        // A message nobody claimed yet is still claimed, by the first session told of it.
        await _node.DeliverAsync(mailbox, RecentMessages[1]);
        await using var third = await LoginAsync(mailbox);
        Assert.Equal("* 1 RECENT", (await third.CommandAsync("SELECT INBOX"))[1]);
        Assert.NotEqual(before, await FolderRowVersionAsync(mailbox));
    }

    [Fact]
    public async Task AnAppendToTheSelectedFolderIsRecentForTheAppenderAndClaimedInTheSameWrite()
    {
        var (mailbox, appender) = await MailboxAndClientAsync("recentappend");
        await using var _ = appender;
        await using var other = await LoginAsync(mailbox);
        Assert.Equal("* 0 RECENT", (await appender.CommandAsync("SELECT INBOX"))[1]);
        Assert.Equal("* 0 RECENT", (await other.CommandAsync("SELECT INBOX"))[1]);

        // RFC 3501 section 2.3.2: the appending session is the first told of its message.
        var append = await appender.CommandAsync("APPEND INBOX {" + RecentMessages[0].Length + "+}\r\n" + RecentMessages[0]);
        Assert.Equal("* 1 EXISTS", append[0]);
        Assert.Equal("* 1 RECENT", append[1]);
        Assert.StartsWith("A3 OK [APPENDUID ", append[2], StringComparison.Ordinal);
        Assert.Equal(["* 1 FETCH (FLAGS (\\Recent))", "A4 OK FETCH completed"], await appender.CommandAsync("FETCH 1 FLAGS"));
        Assert.Equal(["* 1 EXISTS", "A3 OK NOOP completed"], await other.CommandAsync("NOOP"));
        Assert.Equal(["* 1 FETCH (FLAGS ())", "A4 OK FETCH completed"], await other.CommandAsync("FETCH 1 FLAGS"));

        // The claim rode on the APPEND's own folder update: the folder row was last written by the
        // transaction that inserted the message, not by a second claim after it.
        Assert.True(await FolderLastWrittenWithMessageAsync(mailbox, 1));

        // Appending to another folder than the selected one claims nothing there.
        await appender.CommandAsync("CREATE Archive");
        await appender.CommandAsync("APPEND Archive {" + RecentMessages[1].Length + "+}\r\n" + RecentMessages[1]);
        Assert.Equal("* 1 RECENT", (await other.CommandAsync("SELECT Archive"))[2]);
    }

    private async Task<bool> FolderLastWrittenWithMessageAsync(HostedMail.Core.Mailboxes.Mailbox mailbox, long uid)
    {
        await using var command = database.Database.DataSource.CreateCommand(
            "SELECT f.xmin = m.xmin FROM folders f JOIN messages m ON m.tenant_id = f.tenant_id AND m.folder_id = f.folder_id WHERE f.tenant_id = $1 AND f.mailbox_id = $2 AND f.name = 'INBOX' AND m.uid = $3");
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = mailbox.TenantId });
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = mailbox.MailboxId });
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = uid });
        return (bool)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>The INBOX row's xmin: it changes with every write of the row.</summary>
    private async Task<string> FolderRowVersionAsync(HostedMail.Core.Mailboxes.Mailbox mailbox)
    {
        await using var command = database.Database.DataSource.CreateCommand(
            "SELECT xmin::text || ':' || recent_uid FROM folders WHERE tenant_id = $1 AND mailbox_id = $2 AND name = 'INBOX'");
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = mailbox.TenantId });
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = mailbox.MailboxId });
        return (string)(await command.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task OnlyTheFirstSelectingSessionSeesAMessageAsRecent()
    {
        var (mailbox, first) = await MailboxAndClientAsync("recent");
        await using var _ = first;
        await _node.DeliverAsync(mailbox, RecentMessages[0]);
        await using var second = await LoginAsync(mailbox);

        Assert.Equal(["* STATUS INBOX (MESSAGES 1 RECENT 1)", "A2 OK STATUS completed"], await first.CommandAsync("STATUS INBOX (MESSAGES RECENT)"));
        var select = await first.CommandAsync("SELECT INBOX");
        Assert.Equal("* 1 RECENT", select[1]);
        Assert.Equal(["* 1 FETCH (FLAGS (\\Recent))", "A4 OK FETCH completed"], await first.CommandAsync("FETCH 1 FLAGS"));
        Assert.Equal(["* SEARCH 1", "A5 OK SEARCH completed"], await first.CommandAsync("SEARCH RECENT"));
        Assert.Equal(["* SEARCH 1", "A6 OK SEARCH completed"], await first.CommandAsync("SEARCH NEW"));
        Assert.Equal(["* SEARCH", "A7 OK SEARCH completed"], await first.CommandAsync("SEARCH OLD"));

        Assert.Equal("* 0 RECENT", (await second.CommandAsync("SELECT INBOX"))[1]);
        Assert.Equal(["* 1 FETCH (FLAGS ())", "A3 OK FETCH completed"], await second.CommandAsync("FETCH 1 FLAGS"));
        Assert.Equal(["* SEARCH 1", "A4 OK SEARCH completed"], await second.CommandAsync("SEARCH OLD"));
        Assert.Equal(["* STATUS INBOX (RECENT 0)", "A5 OK STATUS completed"], await second.CommandAsync("STATUS INBOX (RECENT)"));

        // A new message: the first session told of it gets it as recent, with RECENT after EXISTS.
        // (Appended through IMAP on this node, so the selected sessions are told before the OK.)
        await using (var writer = await LoginAsync(mailbox))
        {
            await AppendAsync(writer, "INBOX", RecentMessages[1]);
        }

        var noop = await second.CommandAsync("NOOP");
        Assert.Equal(["* 2 EXISTS", "* 1 RECENT", "A6 OK NOOP completed"], noop);
        Assert.Equal(["* 2 FETCH (FLAGS (\\Seen \\Recent))", "A7 OK STORE completed"], await second.CommandAsync("STORE 2 +FLAGS (\\Seen)"));
        Assert.Equal(["* SEARCH 2", "A8 OK SEARCH completed"], await second.CommandAsync("SEARCH RECENT"));
        Assert.Equal(["* SEARCH", "A9 OK SEARCH completed"], await second.CommandAsync("SEARCH NEW"));
        var late = await first.CommandAsync("NOOP");
        // Message 2 is new to this session (EXISTS, no FETCH) and recent for the other one.
        Assert.Equal(["* 2 EXISTS", "A8 OK NOOP completed"], late);
        Assert.Equal(["* SEARCH 1", "A9 OK SEARCH completed"], await first.CommandAsync("SEARCH RECENT"));
    }

    [Fact]
    public async Task ExamineAndImap4rev2SessionsTakeNoRecentMessages()
    {
        var (mailbox, examiner) = await MailboxAndClientAsync("recentexamine");
        await using var _ = examiner;
        await _node.DeliverAsync(mailbox, RecentMessages[0]);
        await _node.DeliverAsync(mailbox, RecentMessages[2]);
        Assert.Equal("* 2 RECENT", (await examiner.CommandAsync("EXAMINE INBOX"))[1]);

        await using var rev2 = await LoginAsync(mailbox);
        await rev2.CommandAsync("ENABLE IMAP4rev2");
        var select = await rev2.CommandAsync("SELECT INBOX");
        Assert.DoesNotContain(select, l => l.EndsWith(" RECENT", StringComparison.Ordinal));
        Assert.Equal(["* 1 FETCH (FLAGS ())", "A4 OK FETCH completed"], await rev2.CommandAsync("FETCH 1 FLAGS"));
        Assert.Equal(["* ESEARCH (TAG \"A5\")", "A5 OK SEARCH completed"], await rev2.CommandAsync("SEARCH RECENT"));

        await using var rev1 = await LoginAsync(mailbox);
        Assert.Equal("* 2 RECENT", (await rev1.CommandAsync("SELECT INBOX"))[1]);
        // Re-examining closes the folder first (RFC 7162 section 3.2.11), then EXISTS, RECENT.
        Assert.Equal("* 0 RECENT", (await examiner.CommandAsync("EXAMINE INBOX"))[2]);
    }

    [Fact]
    public async Task ConcurrentSelectsShareOutEachRecentMessageExactlyOnce()
    {
        var mailbox = await _node.CreateMailboxAsync("recentrace");
        foreach (var message in RecentMessages)
        {
            await _node.DeliverAsync(mailbox, message);
        }

        var clients = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => LoginAsync(mailbox)));
        try
        {
            var selects = await Task.WhenAll(clients.Select(c => c.CommandAsync("SELECT INBOX")));
            var counts = selects.Select(lines => int.Parse(lines[1].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture)).ToList();
            Assert.Equal(RecentMessages.Length, counts.Sum());
            var flagged = await Task.WhenAll(clients.Select(c => c.CommandAsync("FETCH 1:* FLAGS")));
            Assert.Equal(RecentMessages.Length, flagged.SelectMany(l => l).Count(l => l.Contains("\\Recent", StringComparison.Ordinal)));
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }
}
