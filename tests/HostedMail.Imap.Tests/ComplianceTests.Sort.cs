using System.Text;

namespace HostedMail.Imap.Tests;

// SORT (RFC 5256 section 3, RFC 5957) and THREAD (RFC 5256 sections 2.1 and 4).
public sealed partial class ComplianceTests
{
    private static readonly string[] SortCorpus =
    [
        // 1: 08:00Z; base subject MEETING.
        "From: \"Zed Alpha\" <bob@example.com>\r\nTo: Carol <carol@example.com>\r\nCc: dave@example.com\r\nSubject: Re: [list] Meeting\r\nDate: Mon, 2 Nov 2026 10:00:00 +0200\r\n\r\none\r\n",
        // 2: 04:00Z; encoded display name.
        "From: =?UTF-8?Q?=C3=84nne?= <anne@example.de>\r\nTo: \"Bob\" <zack@example.com>\r\nSubject: meeting\r\nDate: Sun, 1 Nov 2026 23:00:00 -0500\r\n\r\ntwo, a little longer than the others\r\n",
        // 3: no Date: (the internal date, the latest); "[fwd: ...]" wrapper and "(fwd)" trailer.
        "From: carl@example.org\r\nTo: undisclosed-recipients:;\r\nSubject: [fwd: Budget] (fwd)\r\n\r\n3\r\n",
        // 4: 08:00Z like message 1 (a tie).
        "From: Ann <zoe@example.com>\r\nTo: Team: amy@example.com;\r\nCc: \"Aaron\" <aaron@example.com>\r\nSubject: Fw: budget\r\nDate: Mon, 2 Nov 2026 08:00:00 GMT\r\n\r\nfour\r\n",
        // 5: 14:00Z (EST); prefixes, blobs and a double space.
        "From: Anne Marie <anne@example.net>\r\nSubject: Re: Re: Fwd: [x] [y] re: Budget  planning\r\nDate: 2 Nov 2026 09:00 EST\r\n\r\nfive\r\n",
    ];

    [Theory]
    [InlineData("SUBJECT", "3 4 5 1 2")]
    [InlineData("SUBJECT DATE", "4 3 5 2 1")]
    [InlineData("FROM", "2 5 1 3 4")]
    // i;unicode-casemap (RFC 5256 section 1): "Änne" is "A" + U+0308 + "NNE", so it sorts among the As.
    [InlineData("DISPLAYFROM", "4 5 2 3 1")]
    [InlineData("TO", "5 1 4 3 2")]
    [InlineData("DISPLAYTO", "5 2 1 4 3")]
    [InlineData("CC", "2 3 5 4 1")]
    [InlineData("DATE", "2 1 4 5 3")]
    [InlineData("REVERSE DATE", "3 5 1 4 2")]
    [InlineData("ARRIVAL", "1 2 3 4 5")]
    [InlineData("REVERSE ARRIVAL", "5 4 3 2 1")]
    [InlineData("REVERSE CC SUBJECT", "1 4 3 5 2")]
    public async Task SortFollowsRfc5256AndRfc5957(string criteria, string expected)
    {
        var (mailbox, client) = await MailboxAndClientAsync("sort");
        await using var _ = client;
        foreach (var message in SortCorpus)
        {
            await _node.DeliverAsync(mailbox, message);
        }

        await client.CommandAsync("SELECT INBOX");
        Assert.Equal(["* SORT " + expected, "A3 OK SORT completed"], await client.CommandAsync($"SORT ({criteria}) UTF-8 ALL"));
    }

    [Fact]
    public async Task SortBySizeBreaksTiesBySequenceNumber()
    {
        var (mailbox, client) = await MailboxAndClientAsync("sortsize");
        await using var _ = client;
        string[] bodies = ["ccc", "a", "bb", "a", "dddd"];
        foreach (var body in bodies)
        {
            await _node.DeliverAsync(mailbox, $"Subject: size\r\nDate: Tue, 3 Nov 2026 12:00:00 +0000\r\n\r\n{body}\r\n");
        }

        await client.CommandAsync("SELECT INBOX");
        Assert.Equal(["* SORT 2 4 3 1 5", "A3 OK SORT completed"], await client.CommandAsync("SORT (SIZE) UTF-8 ALL"));
        Assert.Equal(["* SORT 5 1 3 2 4", "A4 OK SORT completed"], await client.CommandAsync("SORT (REVERSE SIZE) UTF-8 ALL"));
        Assert.Equal(["* SORT 3 5", "A5 OK UID SORT completed"], await client.CommandAsync("UID SORT (SIZE) UTF-8 2:5 LARGER 58"));
    }

    [Fact]
    public async Task SortCollatesWithUnicodeCasemapAndTakesTheInternalDateForADateWithoutZone()
    {
        var (mailbox, client) = await MailboxAndClientAsync("sortcasemap");
        await using var _ = client;
        // 1 Frank, 2 François (decoded from an encoded-word), 3 Ünal: RFC 5051 decomposes ç to c + U+0327
        // and Ü to U + U+0308, so François sorts before Frank and Ünal with the Us, not after every letter.
        string[] messages =
        [
            "From: Frank <frank@example.com>\r\nSubject: a\r\nDate: Thu, 01 Jan 1970 00:00:00\r\n\r\none\r\n",
            "From: \"=?ISO-8859-1?Q?Fran=E7ois?=\" <fd@example.com>\r\nSubject: b\r\nDate: Mon, 2 Nov 2026 10:00:00 +0000\r\n\r\ntwo\r\n",
            "From: =?UTF-8?Q?=C3=9Cnal?= <unal@example.com>\r\nSubject: c\r\nDate: Tue Jun  3 10:00:00 2025\r\n\r\nthree\r\n",
            "From: Victor <victor@example.com>\r\nSubject: d\r\nDate: Sun, 1 Nov 2026 10:00:00 +0000\r\n\r\nfour\r\n",
        ];
        foreach (var message in messages)
        {
            await _node.DeliverAsync(mailbox, message);
        }

        await client.CommandAsync("SELECT INBOX");
        Assert.Equal(["* SORT 2 1 3 4", "A3 OK SORT completed"], await client.CommandAsync("SORT (DISPLAYFROM) UTF-8 ALL"));

        // RFC 5322 section 3.3 requires a zone, so messages 1 and 3 have no parseable Date: their
        // internal date (delivery, now) is the sent date (RFC 5256 section 2.2), after the 2026 dates
        // of 4 and 2, instead of 1970 and 2025 first.
        Assert.Equal(["* SORT 4 2 1 3", "A4 OK SORT completed"], await client.CommandAsync("SORT (DATE) UTF-8 ALL"));
    }

    private static string ThreadMessage(string? id, string subject, string date, string? references = null, string? inReplyTo = null) =>
        (id is null ? string.Empty : $"Message-ID: <{id}>\r\n") + $"From: someone@example.com\r\nSubject: {subject}\r\nDate: {date}\r\n"
        + (references is null ? string.Empty : $"References: {references}\r\n") + (inReplyTo is null ? string.Empty : $"In-Reply-To: {inReplyTo}\r\n") + "\r\nbody\r\n";

    private static readonly string[] ThreadCorpus =
    [
        ThreadMessage("a@x", "Plans", "Sun, 1 Nov 2026 10:00:00 +0000"),
        ThreadMessage("b@x", "Re: Plans", "Sun, 1 Nov 2026 12:00:00 +0100", inReplyTo: "<a@x>"),
        ThreadMessage("c@x", "Re: Plans", "Sun, 1 Nov 2026 09:30:00 -0500", references: "<a@x>\r\n <missing@x>"),
        ThreadMessage("d@x", "RE:  plans", "Mon, 2 Nov 2026 08:00:00 Z"),
        ThreadMessage("e@x", "Holiday", "Tue, 3 Nov 2026 10:00:00 +0000", references: "<gone@x>"),
        ThreadMessage("f@x", "=?UTF-8?Q?Re=3A_Holiday?=", "Tue, 3 Nov 2026 04:00:00 -0500", references: "<gone@x>"),
        ThreadMessage("g@x", "Budget", "Wed, 4 Nov 2026 00:00:00 +0000"),
        ThreadMessage("h@x", "[fwd: Budget]", "Wed, 4 Nov 2026 02:00:00 +0100"),
        ThreadMessage("a@x", "Other", "Thu, 5 Nov 2026 00:00:00 +0000"),
        ThreadMessage(null, "", "Fri, 6 Nov 2026 00:00:00 +0000"),
        ThreadMessage("k@x", "Loop1", "Sat, 7 Nov 2026 10:00:00 +0000", references: "<l@x>"),
        ThreadMessage("l@x", "Loop2", "Sat, 7 Nov 2026 11:00:00 +0000", references: "<k@x>"),
        // Same base subject, neither a reply: step 5 puts both under a new dummy.
        ThreadMessage("m@x", "[list] Party", "Sun, 8 Nov 2026 18:00:00 +0100"),
        ThreadMessage("n@x", "party", "Sun, 8 Nov 2026 16:00:00 -0100"),
    ];

    [Theory]
    [InlineData("THREAD REFERENCES UTF-8 ALL", "* THREAD (1 (2)(3)(4))((6)(5))(7 8)(9)(10)(12 11)((13)(14))")]
    [InlineData("THREAD ORDEREDSUBJECT UTF-8 ALL", "* THREAD (1 (2)(3)(4))(6 5)(7 8)(9)(10)(11)(12)(13 14)")]
    [InlineData("THREAD REFERENCES UTF-8 SUBJECT plans", "* THREAD (1 (2)(3)(4))")]
    [InlineData("THREAD REFERENCES UTF-8 NOT SUBJECT plans", "* THREAD ((6)(5))(7 8)(9)(10)(12 11)((13)(14))")]
    [InlineData("THREAD REFERENCES UTF-8 SUBJECT nothing-like-this", "* THREAD")]
    public async Task ThreadFollowsRfc5256(string command, string expected)
    {
        var (mailbox, client) = await MailboxAndClientAsync("thread");
        await using var _ = client;
        foreach (var message in ThreadCorpus)
        {
            await _node.DeliverAsync(mailbox, message);
        }

        await client.CommandAsync("SELECT INBOX");
        Assert.Equal([expected, "A3 OK THREAD completed"], await client.CommandAsync(command));
    }
}
