using System.Text;
using HostedMail.Core.Imap;
using HostedMail.Mime;

namespace HostedMail.Imap.Tests;

// Fixes to what is cached per blob reach messages stored before them (migration 0069):
// blobs.views_version for ENVELOPE/BODYSTRUCTURE, message_text.version and folders.text_version
// for the search text and sent date.
public sealed partial class CacheAndConsistencyTests
{
    private const string GlobalWithRfc2231 = """
        From: Ann <ann@sender.example>
        Subject: versions
        Date: Thu, 01 Jan 1970 00:00:00
        MIME-Version: 1.0
        Content-Type: multipart/mixed; boundary=b

        --b
        Content-Type: text/plain

        See attached.
        --b
        Content-Type: application/vnd.ms-excel
        Content-Disposition: attachment; filename*=UTF-8''Quarterly%20M%C3%A4rz.xlsx

        data
        --b
        Content-Type: message/global

        Subject: inner

        hi
        --b--
        """;

    private async Task<int> ExecuteAsync(string sql, long tenantId)
    {
        await using var command = database.Database.DataSource.CreateCommand(sql);
        command.Parameters.AddWithValue("t", tenantId);
        return await command.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task AStaleCachedBodystructureIsComputedFromTheWholeMessageAndWrittenBack()
    {
        var mailbox = await _node.CreateMailboxAsync("staleviews");
        var text = GlobalWithRfc2231.ReplaceLineEndings("\r\n");
        await _node.DeliverAsync(mailbox, text);

        // As an older version cached it: message/global with envelope and body (wrong for IMAP4rev1).
        Assert.Equal(1, await ExecuteAsync("UPDATE blobs SET views_version = 1, body_structure = convert_to('(\"message\" \"global\" stale)', 'UTF8') WHERE tenant_id = @t", mailbox.TenantId));

        // A fresh node (no content cached), and a FETCH that otherwise reads only the header block.
        await using var fresh = await ImapTestNode.StartAsync(database.ConnectionString);
        await using (var client = await ImapClient.LoginAsync(fresh.Port, mailbox.Address))
        {
            await client.CommandAsync("EXAMINE INBOX");
            var fetch = string.Join("\n", await client.CommandAsync("FETCH 1 (BODY.PEEK[HEADER] BODYSTRUCTURE)"));
            Assert.DoesNotContain("stale", fetch, StringComparison.Ordinal);
            Assert.Contains("(\"attachment\" (\"filename*\" \"UTF-8''Quarterly%20M%C3%A4rz.xlsx\"))", fetch, StringComparison.Ordinal);
            Assert.Contains("(\"message\" \"global\" NIL NIL NIL \"7bit\" 20 NIL NIL NIL NIL)", fetch, StringComparison.Ordinal);
        }

        // Written back at the current version, so the next reader uses the cache again.
        Assert.Equal(CachedViews.CurrentVersion, await ScalarAsync<short>("SELECT views_version FROM blobs WHERE tenant_id = @t", ("t", mailbox.TenantId)));
        var cached = await ScalarAsync<byte[]>("SELECT body_structure FROM blobs WHERE tenant_id = @t", ("t", mailbox.TenantId));
        Assert.Equal(MimeMessage.Parse(Encoding.UTF8.GetBytes(text)).GetImapBodyStructure(), cached);

        // An IMAP4rev2 session gets the RFC 9051 forms, computed from the message, not the cached rev1 one.
        await using var rev2 = await ImapClient.LoginAsync(_node.Port, mailbox.Address);
        await rev2.CommandAsync("ENABLE IMAP4rev2");
        await rev2.CommandAsync("EXAMINE INBOX");
        var rev2Fetch = string.Join("\n", await rev2.CommandAsync("FETCH 1 BODYSTRUCTURE"));
        Assert.Contains("(\"attachment\" (\"filename*\" \"Quarterly März.xlsx\"))", rev2Fetch, StringComparison.Ordinal);
        Assert.Contains("(\"message\" \"global\" NIL NIL NIL \"7bit\" 20 (NIL \"inner\"", rev2Fetch, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AFolderIndexedByAnOlderTextVersionIsIndexedAgainAtItsNextSearch()
    {
        var mailbox = await _node.CreateMailboxAsync("staletext");
        await _node.DeliverAsync(mailbox, GlobalWithRfc2231.ReplaceLineEndings("\r\n"));
        await using var client = await ImapClient.LoginAsync(_node.Port, mailbox.Address);
        await client.CommandAsync("EXAMINE INBOX");

        // TEXT matches a MIME part header (RFC 3501 section 6.4.4), BODY does not.
        Assert.Equal("* SEARCH 1", (await client.CommandAsync("SEARCH TEXT quarterly"))[0]);
        Assert.Equal("* SEARCH", (await client.CommandAsync("SEARCH BODY quarterly"))[0]);

        // As an older version indexed it: no part headers, and the zone-less 1970 Date taken as a date.
        Assert.Equal(1, await ExecuteAsync("UPDATE message_text SET version = 1, part_headers = '', sent_day = '1970-01-01' WHERE tenant_id = @t", mailbox.TenantId));
        Assert.Equal(1, await ExecuteAsync("UPDATE messages SET sent_date = '1970-01-01T00:00:00Z' WHERE tenant_id = @t", mailbox.TenantId));
        Assert.True(await ExecuteAsync("UPDATE folders SET text_version = 1 WHERE tenant_id = @t", mailbox.TenantId) > 0);

        // The next SEARCH extracts the folder's text again: the part header is found, and the Date
        // without a zone gives way to the internal date (RFC 5256 section 2.2), which is not before 2000.
        Assert.Equal("* SEARCH", (await client.CommandAsync("SEARCH SENTBEFORE 1-Jan-2000"))[0]);
        Assert.Equal("* SEARCH 1", (await client.CommandAsync("SEARCH TEXT quarterly"))[0]);
        Assert.Equal(MessageText.Version, await ScalarAsync<short>("SELECT version FROM message_text WHERE tenant_id = @t", ("t", mailbox.TenantId)));
        Assert.True(await ScalarAsync<bool>("SELECT sent_date IS NULL FROM messages WHERE tenant_id = @t", ("t", mailbox.TenantId)));
    }
}
