using System.Text;

namespace HostedMail.Imap.Tests;

// RFC 3501 / RFC 9051 section 6.4.4 SEARCH: sent dates by the header's own calendar date, address
// keys over display names, addresses, encoded words and groups, BODY/TEXT over decoded text,
// CHARSET UTF-8 literals.
public sealed partial class ComplianceTests
{
    private static readonly string[] SearchCorpus =
    [
        // 1: late evening east of UTC: 2 Nov here, 1 Nov in UTC.
        "From: =?ISO-8859-1?Q?J=F6rg_M=FCller?= <joerg.mueller@example.de>\r\nTo: Team Berlin: anna@example.de, \"Ben B.\" <ben@example.de>;\r\n" +
        "Subject: =?UTF-8?B?w5xiZXJwcsO8ZnVuZw==?= Quartal\r\nDate: Mon, 2 Nov 2026 01:30:00 +0200\r\nMIME-Version: 1.0\r\n" +
        "Content-Type: text/plain; charset=ISO-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nDie Pr=FCfung ist gr=FCn.\r\n",
        // 2: late evening west of UTC, obsolete zone with comment: 3 Nov here, 4 Nov in UTC.
        "From: \"O'Brien, Pat\" <pat@example.ie>\r\nTo: undisclosed-recipients:;\r\nCc: =?UTF-8?Q?Zo=C3=AB_Smith?= <zoe@example.com>\r\n" +
        "Subject: invoice\r\nDate: Tue, 3 Nov 2026 22:15:00 -0500 (EST)\r\nMIME-Version: 1.0\r\n" +
        "Content-Type: multipart/alternative; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
        Convert.ToBase64String(Encoding.UTF8.GetBytes("Total due: 42 EUR, naïve café\r\n")) + "\r\n--b1\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Total <b>due</b>: 42&nbsp;EUR</p>\r\n--b1--\r\n",
        // 3: obsolete "EST" zone without comment, and a forwarded message inside.
        "From: carol@example.net\r\nTo: Dave <dave@example.org>\r\nBcc: audit@example.org\r\nSubject: Fwd: minutes\r\nDate: 4 Nov 2026 23:59 EST\r\nMIME-Version: 1.0\r\n" +
        "Content-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n--outer\r\nContent-Type: text/plain\r\n\r\nsee below\r\n--outer\r\nContent-Type: message/rfc822\r\n\r\n" +
        "From: Erin <erin@example.com>\r\nSubject: minutes\r\nDate: Sun, 1 Nov 2026 09:00:00 +0000\r\nContent-Type: text/plain; charset=windows-1252\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nThe quorum was =93present=94.\r\n--outer--\r\n",
        // 4: universal time written "UT", military zone "Z" would be the same day.
        "From: Frank <frank@example.com>\r\nSubject: plain\r\nDate: Thu, 5 Nov 2026 00:00:00 UT\r\n\r\nnothing special\r\n",
    ];

    private async Task<ImapClient> SearchCorpusAsync(string name)
    {
        var (mailbox, client) = await MailboxAndClientAsync(name);
        foreach (var message in SearchCorpus)
        {
            await _node.DeliverAsync(mailbox, message);
        }

        await client.CommandAsync("SELECT INBOX");
        return client;
    }

    private static async Task AssertSearchAsync(ImapClient client, string criteria, string expected)
    {
        var lines = await client.CommandAsync("SEARCH " + criteria);
        Assert.True(lines.Count == 2 && lines[0] == ("* SEARCH" + (expected.Length > 0 ? " " + expected : string.Empty)) && lines[1].EndsWith(" OK SEARCH completed", StringComparison.Ordinal),
            $"SEARCH {criteria}: expected \"{expected}\", got:\n{string.Join('\n', lines)}");
    }

    [Theory]
    [InlineData("SENTON 2-Nov-2026", "1")]
    [InlineData("SENTON 1-Nov-2026", "")]
    [InlineData("SENTON 3-Nov-2026", "2")]
    [InlineData("SENTON 4-Nov-2026", "3")]
    [InlineData("SENTON 5-Nov-2026", "4")]
    [InlineData("SENTBEFORE 3-Nov-2026", "1")]
    [InlineData("SENTSINCE 4-Nov-2026", "3 4")]
    [InlineData("SENTSINCE 3-Nov-2026 SENTBEFORE 5-Nov-2026", "2 3")]
    public async Task SentDatesCompareTheHeadersOwnCalendarDate(string criteria, string expected)
    {
        await using var client = await SearchCorpusAsync("sent");
        await AssertSearchAsync(client, criteria, expected);
    }

    // Non-ASCII goes in quoted strings or literals: atoms are ASCII (RFC 9051 section 9).
    [Theory]
    [InlineData("FROM \"Jörg\"", "1")]
    [InlineData("FROM \"müller\"", "1")]
    [InlineData("FROM joerg.mueller@example", "1")]
    [InlineData("FROM \"O'Brien, Pat\"", "2")]
    [InlineData("FROM obrien", "")]
    [InlineData("FROM PAT@EXAMPLE.IE", "2")]
    [InlineData("TO anna@example.de", "1")]
    [InlineData("TO \"Ben B.\"", "1")]
    [InlineData("TO \"Team Berlin\"", "1")]
    [InlineData("TO dave", "3")]
    [InlineData("CC \"Zoë\"", "2")]
    [InlineData("CC zoe@example.com", "2")]
    [InlineData("BCC audit", "3")]
    [InlineData("SUBJECT \"überprüfung\"", "1")]
    [InlineData("SUBJECT \"fwd: MINUTES\"", "3")]
    public async Task AddressAndSubjectKeysMatchDecodedNamesAddressesAndGroups(string criteria, string expected)
    {
        await using var client = await SearchCorpusAsync("addr");
        await AssertSearchAsync(client, "CHARSET UTF-8 " + criteria, expected);
    }

    [Theory]
    [InlineData("BODY \"Prüfung\"", "1")]
    [InlineData("BODY \"naïve café\"", "2")]
    [InlineData("BODY \"42 EUR\"", "2")]
    [InlineData("BODY quorum", "3")]
    [InlineData("BODY \"“present”\"", "3")]
    [InlineData("BODY erin@example.com", "3")]
    [InlineData("BODY Quartal", "")]
    [InlineData("TEXT Quartal", "1")]
    [InlineData("TEXT frank", "4")]
    // RFC 3501 section 6.4.4: a substring of the body; HTML markup is body text (Dovecot agrees).
    [InlineData("BODY \"<b>\"", "2")]
    public async Task BodyAndTextMatchDecodedTextOfEveryPart(string criteria, string expected)
    {
        await using var client = await SearchCorpusAsync("body");
        await AssertSearchAsync(client, "CHARSET UTF-8 " + criteria, expected);
    }

    [Fact]
    public async Task Utf8LiteralsSearchAndAnUnknownCharsetIsRefused()
    {
        await using var client = await SearchCorpusAsync("charset");
        foreach (var (key, value, expected) in new[] { ("TO", "Zoë", "2"), ("CC", "Zoë", "2"), ("SUBJECT", "Überprüfung", "1"), ("BODY", "grün", "1") })
        {
            var bytes = Encoding.UTF8.GetBytes(value);
            var tag = client.TakeTag();
            await client.SendAsync(Encoding.UTF8.GetBytes($"{tag} SEARCH CHARSET UTF-8 {key} {{{bytes.Length}}}\r\n"));
            Assert.StartsWith("+ ", await client.ReadLineAsync(), StringComparison.Ordinal);
            await client.SendAsync([.. bytes, .. "\r\n"u8.ToArray()]);
            var lines = await client.ReadUntilTaggedAsync(tag);
            Assert.Equal([expected == "2" && key == "TO" ? "* SEARCH" : "* SEARCH " + expected, tag + " OK SEARCH completed"], lines);
        }

        Assert.Equal(["A7 NO [BADCHARSET (UTF-8 US-ASCII)] Unsupported charset"], await client.CommandAsync("SEARCH CHARSET X-UNKNOWN SUBJECT x"));
        Assert.Equal(["A8 NO [BADCHARSET (UTF-8 US-ASCII)] unsupported charset"], await client.CommandAsync("SORT (DATE) X-UNKNOWN ALL"));
    }
}
