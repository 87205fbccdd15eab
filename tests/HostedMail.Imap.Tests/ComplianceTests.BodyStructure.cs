namespace HostedMail.Imap.Tests;

// BODYSTRUCTURE's default charset (RFC 2045 section 5.2) and part numbers (RFC 9051 section 6.4.5).
public sealed partial class ComplianceTests
{
    [Fact]
    public async Task TextPartsWithoutACharsetAreUsAscii()
    {
        var (mailbox, client) = await MailboxAndClientAsync("charset");
        await using var _ = client;
        // No Content-Type at all: text/plain; charset=us-ascii.
        await _node.DeliverAsync(mailbox, "From: Old Mailer <old@example.com>\r\nSubject: plain\r\nDate: Thu, 1 Jan 1998 00:00:00 EST\r\n\r\nhi\r\n");
        // Parameters but no charset.
        await _node.DeliverAsync(mailbox, "From: x@example.com\r\nSubject: flowed\r\nDate: Mon, 2 Nov 2026 10:00:00 +0100\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; format=flowed\r\n\r\nhi\r\n");
        // A multipart whose HTML part has no charset, and an image that gets none.
        await _node.DeliverAsync(mailbox, "From: y@example.com\r\nSubject: mixed\r\nDate: Mon, 2 Nov 2026 10:00:00 -0800\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"zz\"\r\n\r\n" +
            "--zz\r\nContent-Type: text/html\r\n\r\n<p>hi</p>\r\n--zz\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n--zz--\r\n");
        await client.CommandAsync("SELECT INBOX");

        var lines = await client.CommandAsync("FETCH 1:3 (BODYSTRUCTURE)");
        Assert.Equal("* 1 FETCH (BODYSTRUCTURE (\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 4 1 NIL NIL NIL NIL))", lines[0]);
        Assert.Equal("* 2 FETCH (BODYSTRUCTURE (\"text\" \"plain\" (\"format\" \"flowed\" \"charset\" \"us-ascii\") NIL NIL \"7bit\" 4 1 NIL NIL NIL NIL))", lines[1]);
        Assert.True(lines[2].StartsWith("* 3 FETCH (BODYSTRUCTURE ((\"text\" \"html\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 9 1 NIL NIL NIL NIL)(\"image\" \"png\" NIL NIL NIL \"base64\" 12 NIL NIL NIL NIL) \"mixed\"", StringComparison.Ordinal), lines[2]);
        Assert.Equal("* 1 FETCH (BODY (\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 4 1))", (await client.CommandAsync("FETCH 1 (BODY)"))[0]);
    }

    [Fact]
    public async Task PartNumbersExistOnlyInsideMultipartsAndMessages()
    {
        var (mailbox, client) = await MailboxAndClientAsync("parts");
        await using var _ = client;
        await _node.DeliverAsync(mailbox, "From: a@example.com\r\nSubject: single\r\nDate: Tue, 3 Nov 2026 12:00:00 +0530\r\n\r\nsingle body\r\n");
        await _node.DeliverAsync(mailbox, "From: b@example.com\r\nSubject: fwd\r\nDate: Tue, 3 Nov 2026 12:00:00 -0330\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"q\"\r\n\r\n" +
            "--q\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nintro\r\n--q\r\nContent-Type: message/rfc822\r\n\r\nFrom: c@example.com\r\nSubject: inner\r\n\r\ninner body\r\n--q--\r\n");
        await client.CommandAsync("SELECT INBOX");

        // Single-part message: part 1 is the body; 1.1 and 2 do not exist.
        Assert.Equal("* 1 FETCH (BODY[1] {13}\r\nsingle body\r\n)", (await client.CommandAsync("FETCH 1 (BODY.PEEK[1])"))[0]);
        Assert.Equal("* 1 FETCH (BODY[1.1] NIL)", (await client.CommandAsync("FETCH 1 (BODY.PEEK[1.1])"))[0]);
        Assert.Equal("* 1 FETCH (BODY[2] NIL)", (await client.CommandAsync("FETCH 1 (BODY.PEEK[2])"))[0]);
        // A text part of a multipart has no 1.1; a message/rfc822 part has: its message's body.
        Assert.Equal("* 2 FETCH (BODY[1.1] NIL)", (await client.CommandAsync("FETCH 2 (BODY.PEEK[1.1])"))[0]);
        Assert.Equal("* 2 FETCH (BODY[2.1] {10}\r\ninner body)", (await client.CommandAsync("FETCH 2 (BODY.PEEK[2.1])"))[0]);
        Assert.Equal("* 2 FETCH (BODY[2.HEADER.FIELDS (SUBJECT)] {18}\r\nSubject: inner\r\n\r\n)", (await client.CommandAsync("FETCH 2 (BODY.PEEK[2.HEADER.FIELDS (SUBJECT)])"))[0]);
        Assert.Equal("* 2 FETCH (BODY[2.1.1] NIL)", (await client.CommandAsync("FETCH 2 (BODY.PEEK[2.1.1])"))[0]);
    }
}
