namespace HostedMail.Imap.Tests;

// SEARCH BODY/TEXT look at the whole body of the message (RFC 3501 section 6.4.4): HTML markup,
// attachments in any transfer encoding (docs/imap-conformance.md O8, O22).
public sealed partial class ComplianceTests
{
    [Fact]
    public async Task SearchBodyFindsMarkupAndDecodedTextAttachments()
    {
        var (_, client) = await MailboxAndClientAsync("searchbody");
        await using var _ = client;
        var calendar = Convert.ToBase64String("BEGIN:VCALENDAR\r\nSUMMARY:Planning\r\nEND:VCALENDAR\r\n"u8.ToArray());
        await AppendAsync(client, "INBOX",
            "Subject: invite\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" +
            "--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html><body>Fish &amp; <b>Chips</b></body></html>\r\n" +
            "--b\r\nContent-Type: text/calendar; method=REQUEST; name=\"quarterly-invite.ics\"\r\nContent-Disposition: attachment\r\nContent-Transfer-Encoding: base64\r\n\r\n" + calendar + "\r\n" +
            "--b--\r\n");
        await AppendAsync(client, "INBOX", "Subject: plain\r\n\r\nnothing to see\r\n");
        await client.CommandAsync("SELECT INBOX");

        // Markup is body text.
        Assert.Equal("* SEARCH 1", (await client.CommandAsync("SEARCH BODY \"<html>\""))[0]);
        Assert.Equal("* SEARCH 1", (await client.CommandAsync("SEARCH BODY Chips"))[0]);
        // A base64 text/calendar attachment, decoded.
        Assert.Equal("* SEARCH 1", (await client.CommandAsync("SEARCH BODY VCALENDAR"))[0]);
        // The message's own header is not its body.
        Assert.Equal("* SEARCH", (await client.CommandAsync("SEARCH BODY \"Subject: invite\""))[0]);
        Assert.Equal("* SEARCH 2", (await client.CommandAsync("SEARCH BODY \"to see\""))[0]);
    }
}
