namespace HostedMail.Imap.Tests;

// SELECT/EXAMINE responses and ENABLE, as the Dovecot conformance suite found them missing
// (docs/imap-conformance.md O14, O15, O16).
public sealed partial class ComplianceTests
{
    [Fact]
    public async Task SelectTellsAnImap4rev1SessionTheFirstUnseenMessageAndARev2SessionNothing()
    {
        var (mailbox, client) = await MailboxAndClientAsync("unseen");
        await using var _ = client;
        await AppendAsync(client, "INBOX", "Subject: read\r\n\r\none\r\n", "\\Seen");
        await AppendAsync(client, "INBOX", "Subject: unread\r\n\r\ntwo\r\n");
        await AppendAsync(client, "INBOX", "Subject: unread too\r\n\r\nthree\r\n", "$Forwarded");

        // RFC 3501 section 6.3.1 (erratum 3032): REQUIRED when a message is unseen, the sequence number of the first.
        Assert.Contains("* OK [UNSEEN 2] First unseen", await client.CommandAsync("SELECT INBOX"));
        Assert.Contains("* OK [UNSEEN 2] First unseen", await client.CommandAsync("EXAMINE INBOX"));
        await client.CommandAsync("SELECT INBOX");
        Assert.Equal("A8 OK STORE completed", (await client.CommandAsync("STORE 1:* +FLAGS (\\Seen)"))[^1]);
        Assert.DoesNotContain(await client.CommandAsync("SELECT INBOX"), l => l.Contains("[UNSEEN", StringComparison.Ordinal));

        // RFC 9051 has no UNSEEN response code.
        await using var rev2 = await LoginAsync(mailbox);
        await AppendAsync(rev2, "INBOX", "Subject: new\r\n\r\nfour\r\n");
        await rev2.CommandAsync("ENABLE IMAP4rev2");
        Assert.DoesNotContain(await rev2.CommandAsync("SELECT INBOX"), l => l.Contains("[UNSEEN", StringComparison.Ordinal));
        await using var rev1 = await LoginAsync(mailbox);
        Assert.Contains("* OK [UNSEEN 4] First unseen", await rev1.CommandAsync("EXAMINE INBOX"));

        // A sequence number, not a UID: with a message before it expunged, the same message is 3.
        await rev1.CommandAsync("SELECT INBOX");
        await rev1.CommandAsync("STORE 1 +FLAGS.SILENT (\\Deleted)");
        await rev1.CommandAsync("EXPUNGE");
        Assert.Contains("* OK [UNSEEN 3] First unseen", await rev1.CommandAsync("SELECT INBOX"));
    }

    [Fact]
    public async Task SelectAnswersFromOneSnapshotWhileAnotherSessionAppendsAndExpunges()
    {
        // Found by bench/imap/run.sh realistic: another session's APPEND, \Deleted and UID EXPUNGE
        // committing while SELECT ran made SELECT's response say "* 4 EXISTS" and then "* 4 EXPUNGE",
        // and a client that took EXISTS as the count sent FETCH 1:4 and got BAD. SELECT now reports
        // its snapshot only; what changed meanwhile comes with the next command.
        var (mailbox, reader) = await MailboxAndClientAsync("snapshot");
        await using var _ = reader;
        await using var writer = await LoginAsync(mailbox);
        for (var i = 0; i < 3; i++)
        {
            await AppendAsync(writer, "INBOX", $"Subject: kept {i}\r\n\r\nbody\r\n");
        }

        await writer.CommandAsync("SELECT INBOX");
        using var stop = new CancellationTokenSource();
        var writes = Task.Run(async () =>
        {
            var rounds = 0;
            while (!stop.IsCancellationRequested)
            {
                var appended = await AppendAsync(writer, "INBOX", "Subject: passing\r\n\r\nbody\r\n");
                var uid = System.Text.RegularExpressions.Regex.Match(appended, @"APPENDUID \d+ (\d+)").Groups[1].Value;
                Assert.EndsWith("OK UID STORE completed", (await writer.CommandAsync($"UID STORE {uid} +FLAGS.SILENT (\\Deleted)"))[^1], StringComparison.Ordinal);
                Assert.EndsWith("OK UID EXPUNGE completed", (await writer.CommandAsync($"UID EXPUNGE {uid}"))[^1], StringComparison.Ordinal);
                rounds++;
            }

            return rounds;
        });

        for (var i = 0; i < 60; i++)
        {
            var select = await reader.CommandAsync(i % 2 == 0 ? "SELECT INBOX" : "EXAMINE INBOX");
            Assert.DoesNotContain(select, l => l.EndsWith(" EXPUNGE", StringComparison.Ordinal));
            var exists = select.Where(l => l.EndsWith(" EXISTS", StringComparison.Ordinal)).ToList();
            Assert.Single(exists);
            var count = int.Parse(exists[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
            Assert.InRange(count, 3, 4);
            // Every number SELECT reported is valid (RFC 9051 section 2.3.1.2); a message expunged
            // meanwhile may be answered NO [EXPUNGEISSUED], never BAD.
            var fetch = await reader.CommandAsync($"FETCH 1:{count} (UID)");
            Assert.DoesNotContain(" BAD ", fetch[^1], StringComparison.Ordinal);
        }

        await stop.CancelAsync();
        Assert.True(await writes > 0, "the other session changed nothing: the test proves nothing");
    }

    [Fact]
    public async Task SelectWhileAFolderIsSelectedFirstSaysTheOldOneIsClosed()
    {
        var (_, client) = await MailboxAndClientAsync("closed");
        await using var _ = client;
        Assert.DoesNotContain(await client.CommandAsync("SELECT INBOX"), l => l.Contains("[CLOSED]", StringComparison.Ordinal));

        // RFC 7162 section 3.2.11 (we advertise QRESYNC) and RFC 9051 section 6.3.2: CLOSED, before
        // anything about the newly selected folder, without ENABLE QRESYNC.
        var examine = await client.CommandAsync("EXAMINE INBOX");
        Assert.Equal("* OK [CLOSED] Previous mailbox is now closed", examine[0]);
        Assert.Equal("* OK [CLOSED] Previous mailbox is now closed", (await client.CommandAsync("SELECT Sent"))[0]);
        Assert.DoesNotContain(await client.CommandAsync("STATUS INBOX (MESSAGES)"), l => l.Contains("[CLOSED]", StringComparison.Ordinal));
    }

    [Fact]
    public async Task EnableListsCondstoreEvenWhenItIsAlreadyEnabled()
    {
        var (_, client) = await MailboxAndClientAsync("enablecondstore");
        await using var _ = client;
        await client.CommandAsync("NAMESPACE");

        // RFC 5161 section 3.2: ENABLED lists the supported extensions that are enabled.
        Assert.Equal(["* ENABLED CONDSTORE", "A3 OK ENABLE completed"], await client.CommandAsync("ENABLE CONDSTORE"));
        Assert.Equal(["* ENABLED CONDSTORE", "A4 OK ENABLE completed"], await client.CommandAsync("ENABLE CONDSTORE"));

        // RFC 7162 section 3.1: STATUS (HIGHESTMODSEQ) enables CONDSTORE implicitly; ENABLE must still
        // say it is on, or the client would think the server has none. Unknown names are ignored.
        var (_, other) = await MailboxAndClientAsync("enableimplicit");
        await using var __ = other;
        Assert.StartsWith("* STATUS INBOX (HIGHESTMODSEQ ", (await other.CommandAsync("STATUS INBOX (HIGHESTMODSEQ)"))[0], StringComparison.Ordinal);
        Assert.Equal(["* ENABLED CONDSTORE", "A3 OK ENABLE completed"], await other.CommandAsync("ENABLE BOGUS CONDSTORE condstore"));
    }

    [Fact]
    public async Task ExpungeWithQresyncEnabledReportsTheNewHighestModseqWhenItRemovedSomething()
    {
        var (mailbox, plain) = await MailboxAndClientAsync("expungemodseq");
        await using var _ = plain;
        for (var i = 0; i < 3; i++)
        {
            await AppendAsync(plain, "INBOX", $"Subject: m{i}\r\n\r\nbody\r\n", "\\Deleted");
        }

        // Without QRESYNC the tagged OK has no code (RFC 7162 section 3.2.7 binds QRESYNC sessions).
        await plain.CommandAsync("SELECT INBOX");
        Assert.Equal("A6 OK UID EXPUNGE completed", (await plain.CommandAsync("UID EXPUNGE 1"))[^1]);

        await using var client = await LoginAsync(mailbox);
        await client.CommandAsync("ENABLE QRESYNC");
        var select = await client.CommandAsync("SELECT INBOX");
        var modSeq = long.Parse(System.Text.RegularExpressions.Regex.Match(string.Join('\n', select), @"HIGHESTMODSEQ (\d+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        // RFC 7162 section 3.2.9: UID EXPUNGE too; the new value is above the one SELECT reported.
        var uidExpunge = await client.CommandAsync("UID EXPUNGE 2");
        Assert.Equal("* VANISHED 2", uidExpunge[0]);
        var reported = long.Parse(System.Text.RegularExpressions.Regex.Match(uidExpunge[^1], @"^A4 OK \[HIGHESTMODSEQ (\d+)\] UID EXPUNGE completed$").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(reported > modSeq);
        Assert.Equal(["* VANISHED 3", $"A5 OK [HIGHESTMODSEQ {reported + 1}] EXPUNGE completed"], await client.CommandAsync("EXPUNGE"));
        // Nothing expunged: nothing changed, no code.
        Assert.Equal(["A6 OK EXPUNGE completed"], await client.CommandAsync("EXPUNGE"));
    }
}
