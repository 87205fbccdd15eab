namespace HostedMail.Imap.Tests;

// RFC 3501 section 7.2.6 / RFC 9051 section 7.3.5: a keyword appears in FETCH only after FLAGS
// (and PERMANENTFLAGS) listed it, whoever set it, wherever.
public sealed partial class ComplianceTests
{
    /// <summary>Fails when a FETCH line shows a keyword no earlier FLAGS line of the same session listed.</summary>
    private static void AssertKeywordsAnnouncedBeforeUse(IReadOnlyList<string> transcript, params string[] keywords)
    {
        foreach (var keyword in keywords)
        {
            // The keyword as a whole flag ("$Label1" is not in "$Label10").
            var token = new System.Text.RegularExpressions.Regex(@"[ (]" + System.Text.RegularExpressions.Regex.Escape(keyword) + @"[ )]");
            var firstFetch = transcript.ToList().FindIndex(l => l.Contains(" FETCH (", StringComparison.Ordinal) && token.IsMatch(l));
            var firstFlags = transcript.ToList().FindIndex(l => l.StartsWith("* FLAGS (", StringComparison.Ordinal) && token.IsMatch(l));
            var firstPermanent = transcript.ToList().FindIndex(l => l.StartsWith("* OK [PERMANENTFLAGS (", StringComparison.Ordinal) && token.IsMatch(l));
            Assert.True(firstFetch >= 0, keyword + " never fetched:\n" + string.Join('\n', transcript));
            Assert.True(firstFlags >= 0 && firstFlags < firstFetch, keyword + " fetched before FLAGS listed it:\n" + string.Join('\n', transcript));
            Assert.True(firstPermanent >= 0 && firstPermanent < firstFetch, keyword + " fetched before PERMANENTFLAGS listed it:\n" + string.Join('\n', transcript));
        }
    }

    [Fact]
    public async Task AKeywordSetByAnotherSessionIsAnnouncedBeforeAnyFetchShowsIt()
    {
        var (mailbox, watcher) = await MailboxAndClientAsync("kwnoop");
        await using var _ = watcher;
        await _node.DeliverAsync(mailbox, "From: =?UTF-8?B?SsO2cmc=?= <joerg@example.de>\r\nSubject: one\r\nDate: Mon, 2 Nov 2026 08:15:00 +0200\r\n\r\nx\r\n");
        await _node.DeliverAsync(mailbox, "From: Bob <bob@example.com>\r\nSubject: two\r\nDate: Tue, 3 Nov 2026 21:00:00 -0500 (EST)\r\n\r\ny\r\n");
        await using var setter = await LoginAsync(mailbox);
        var transcript = new List<string>();
        transcript.AddRange(await watcher.CommandAsync("SELECT INBOX"));
        await setter.CommandAsync("SELECT INBOX");

        var own = await setter.CommandAsync("STORE 1 +FLAGS ($Label3)");
        AssertKeywordsAnnouncedBeforeUse(own, "$Label3");
        Assert.Equal(@"* OK [PERMANENTFLAGS (\Answered \Flagged \Deleted \Seen \Draft $Label3 \*)] Flags permitted", own[1]);

        transcript.AddRange(await watcher.CommandAsync("NOOP"));
        AssertKeywordsAnnouncedBeforeUse(transcript, "$Label3");
        // The watcher selected first: both messages are \Recent for it (RFC 3501 section 2.3.2).
        Assert.Contains("* 1 FETCH (UID 1 FLAGS (\\Recent $Label3))", transcript);

        // Announced once: a second message with the same keyword brings no new FLAGS.
        await setter.CommandAsync("STORE 2 +FLAGS ($label3 Work)");
        var next = await watcher.CommandAsync("FETCH 1:* (FLAGS)");
        Assert.Single(next, l => l.StartsWith("* FLAGS (", StringComparison.Ordinal));
        Assert.Equal(@"* FLAGS (\Answered \Flagged \Deleted \Seen \Draft $Label3 Work)", next.First(l => l.StartsWith("* FLAGS", StringComparison.Ordinal)));
        transcript.AddRange(next);
        AssertKeywordsAnnouncedBeforeUse(transcript, "$Label3", "Work");
    }

    [Fact]
    public async Task AnIdlingSessionHearsOfANewKeywordBeforeTheFetch()
    {
        var (mailbox, idler) = await MailboxAndClientAsync("kwidle");
        await using var _ = idler;
        await _node.DeliverAsync(mailbox, "From: \"Doe, Jane\" <jane@example.org>\r\nSubject: idle\r\nDate: 4 Nov 2026 23:59 EST\r\n\r\nx\r\n");
        await using var setter = await LoginAsync(mailbox);
        await idler.CommandAsync("SELECT INBOX");
        await setter.CommandAsync("SELECT INBOX");
        await idler.SendAsync("A3 IDLE\r\n");
        Assert.Equal("+ idling", await idler.ReadLineAsync());
        await setter.CommandAsync("STORE 1 +FLAGS.SILENT (Urgent)");
        var lines = new List<string> { await idler.ReadLineAsync(), await idler.ReadLineAsync(), await idler.ReadLineAsync() };
        await idler.SendAsync("DONE\r\n");
        lines.AddRange(await idler.ReadUntilTaggedAsync("A3"));
        AssertKeywordsAnnouncedBeforeUse(lines, "Urgent");
    }

    [Fact]
    public async Task KeywordsOfAMessageAppendedElsewhereAreAnnouncedAndFetchedInOrder()
    {
        var (mailbox, reader) = await MailboxAndClientAsync("kwappend");
        await using var _ = reader;
        await using var writer = await LoginAsync(mailbox);
        await writer.CommandAsync("CREATE Work");
        await reader.CommandAsync("SELECT INBOX");
        await AppendAsync(writer, "INBOX", "From: Group: a@example.com, b@example.com;\r\nSubject: appended\r\nDate: Thu, 5 Nov 2026 01:00:00 Z\r\n\r\nz\r\n", @"\Seen $Forwarded");
        // COPY of a message with another new keyword into the selected folder.
        await AppendAsync(writer, "Work", "Subject: copied\r\nDate: Fri, 6 Nov 2026 12:00:00 +0530\r\n\r\nw\r\n", "NonJunk");
        await writer.CommandAsync("SELECT Work");
        await writer.CommandAsync("COPY 1 INBOX");
        var lines = await reader.CommandAsync("FETCH 1:* (UID FLAGS)");
        AssertKeywordsAnnouncedBeforeUse(lines, "$Forwarded", "NonJunk");
        Assert.Contains(lines, l => l.EndsWith(@"EXISTS", StringComparison.Ordinal));
    }
}

// Under concurrent load: two writers add twenty new keywords while two readers FETCH and NOOP; in
// every reader's transcript each keyword is announced before the first FETCH that shows it.
public sealed partial class ComplianceTests
{
    [Fact]
    public async Task KeywordsSetConcurrentlyAreAlwaysAnnouncedBeforeTheyAreFetched()
    {
        var mailbox = await _node.CreateMailboxAsync("kwstress");
        for (var i = 0; i < 6; i++)
        {
            await _node.DeliverAsync(mailbox, $"From: =?UTF-8?Q?Bj=C3=B6rn_{i}?= <b{i}@example.se>\r\nSubject: load {i}\r\nDate: Wed, 11 Nov 2026 0{i}:00:00 +0100\r\n\r\n{i}\r\n");
        }

        var keywords = Enumerable.Range(1, 20).Select(k => "$Label" + k).ToArray();
        var writers = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => LoginAsync(mailbox)));
        var readers = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => LoginAsync(mailbox)));
        try
        {
            var transcripts = readers.Select(_ => new List<string>()).ToArray();
            for (var r = 0; r < readers.Length; r++)
            {
                transcripts[r].AddRange(await readers[r].CommandAsync("SELECT INBOX"));
            }

            foreach (var writer in writers)
            {
                await writer.CommandAsync("SELECT INBOX");
            }

            async Task WriteAsync(int w)
            {
                for (var k = w; k < keywords.Length; k += writers.Length)
                {
                    await writers[w].CommandAsync($"STORE {(k % 6) + 1} +FLAGS.SILENT ({keywords[k]})");
                }
            }

            async Task ReadAsync(int r)
            {
                for (var round = 0; round < 30; round++)
                {
                    transcripts[r].AddRange(await readers[r].CommandAsync(round % 2 == 0 ? "FETCH 1:* (FLAGS)" : "NOOP"));
                }
            }

            await Task.WhenAll(Enumerable.Range(0, writers.Length).Select(WriteAsync).Concat(Enumerable.Range(0, readers.Length).Select(ReadAsync)));
            for (var r = 0; r < readers.Length; r++)
            {
                // After the writers are done, one more FETCH shows every keyword.
                transcripts[r].AddRange(await readers[r].CommandAsync("FETCH 1:* (FLAGS)"));
                AssertKeywordsAnnouncedBeforeUse(transcripts[r], keywords);
            }
        }
        finally
        {
            foreach (var client in writers.Concat(readers))
            {
                await client.DisposeAsync();
            }
        }
    }
}
