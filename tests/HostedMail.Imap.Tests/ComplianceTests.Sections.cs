namespace HostedMail.Imap.Tests;

// Header sections without a blank line in the message (RFC 3501 section 6.4.5; docs/imap-conformance.md O6).
public sealed partial class ComplianceTests
{
    [Fact]
    public async Task HeaderFetchesAddNoBlankLineThatIsNotInTheMessage()
    {
        var (_, client) = await MailboxAndClientAsync("sections");
        await using var _ = client;
        // A message that is a header only: no blank line, no body.
        await AppendAsync(client, "INBOX", "From: a@example.com\r\nTo: b@example.com\r\nSubject: header only\r\n");
        // Part 1's header is followed directly by the delimiter, whose CRLF is not the part's (RFC 2046
        // section 5.1.1): header, no blank line, no body. Part 2 has a blank line and an empty body.
        await AppendAsync(client, "INBOX",
            "Subject: empty parts\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" +
            "--b\r\nContent-Type: text/plain\r\n\r\n--b\r\nContent-Type: text/html\r\n\r\n\r\n--b--\r\n");
        await client.CommandAsync("EXAMINE INBOX");

        Assert.Equal(
            ["* 1 FETCH (BODY[HEADER.FIELDS.NOT (SUBJECT)] {40}\r\nFrom: a@example.com\r\nTo: b@example.com\r\n)", "A5 OK FETCH completed"],
            await client.CommandAsync("FETCH 1 BODY.PEEK[HEADER.FIELDS.NOT (SUBJECT)]"));
        Assert.Equal(["* 1 FETCH (BODY[HEADER.FIELDS (TO)] {19}\r\nTo: b@example.com\r\n)", "A6 OK FETCH completed"], await client.CommandAsync("FETCH 1 BODY.PEEK[HEADER.FIELDS (TO)]"));
        Assert.StartsWith("* 1 FETCH (BODY[HEADER] {62}\r\n", (await client.CommandAsync("FETCH 1 BODY.PEEK[HEADER]"))[0], StringComparison.Ordinal);

        Assert.Equal(
            ["* 2 FETCH (BODY[1.MIME] {26}\r\nContent-Type: text/plain\r\n BODY[2.MIME] {27}\r\nContent-Type: text/html\r\n\r\n BODY[HEADER.FIELDS (SUBJECT)] {24}\r\nSubject: empty parts\r\n\r\n)", "A8 OK FETCH completed"],
            await client.CommandAsync("FETCH 2 (BODY.PEEK[1.MIME] BODY.PEEK[2.MIME] BODY.PEEK[HEADER.FIELDS (SUBJECT)])"));
    }

    [Fact]
    public async Task TheEmptyPartOfAMultipartWithoutPartsExistsAndIsEmpty()
    {
        var (_, client) = await MailboxAndClientAsync("emptymultipart");
        await using var _ = client;
        // No boundary parameter: the multipart has no parts; BODYSTRUCTURE reports one empty
        // text/plain part (RFC 9051 body-type-mpart needs one), so BODY[1] is "" (RFC 3501 section 6.4.5).
        await AppendAsync(client, "INBOX", "Subject: no boundary\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed\r\n\r\nJust text.\r\n");
        await client.CommandAsync("EXAMINE INBOX");

        Assert.Equal(
            ["* 1 FETCH (BODYSTRUCTURE ((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0 NIL NIL NIL NIL) \"mixed\" NIL NIL NIL NIL))", "A4 OK FETCH completed"],
            await client.CommandAsync("FETCH 1 BODYSTRUCTURE"));
        var sections = await client.CommandAsync("FETCH 1 (BODY.PEEK[1] BODY.PEEK[1.MIME] BINARY.PEEK[1] BODY.PEEK[2])");
        Assert.Equal("* 1 FETCH (BODY[1] {0}\r\n BODY[1.MIME] {0}\r\n BINARY[1] {0}\r\n BODY[2] NIL)", sections[0]);
        Assert.Equal("A5 OK FETCH completed", sections[^1]);
    }
}
