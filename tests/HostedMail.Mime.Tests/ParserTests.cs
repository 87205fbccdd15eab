using System.Text;
using HostedMail.Testing.Properties;

namespace HostedMail.Mime.Tests;

public class ParserTests
{
    private const string Nested = """
        From: a@x.test
        Subject: nested
        Content-Type: multipart/mixed; boundary="outer"

        preamble text
        --outer
        Content-Type: multipart/alternative; boundary=inner

        --inner
        Content-Type: text/plain

        plain body
        --inner
        Content-Type: text/html

        <p>html</p>
        --inner--
        inner epilogue
        --outer
        Content-Type: message/rfc822

        From: b@y.test
        Subject: attached

        attached body
        line two
        --outer
        Content-Type: application/octet-stream
        Content-Transfer-Encoding: base64

        AAEC
        --outer--
        outer epilogue

        """;

    [Fact]
    public void NestedMultipartsProduceTheExpectedTree()
    {
        MimeMessage m = TestUtil.Parse(Nested);
        Assert.True(m.Root.IsMultipart);
        Assert.Equal(3, m.Root.Children.Count);
        MimeEntity alt = m.Root.Children[0];
        Assert.Equal("multipart/alternative", alt.ContentType.MimeType);
        Assert.Equal(["text/plain", "text/html"], alt.Children.Select(c => c.ContentType.MimeType));
        Assert.Equal("plain body", alt.Children[0].GetText());
        Assert.Equal("<p>html</p>", alt.Children[1].GetText());
        Assert.Equal("inner epilogue", TestUtil.Str(alt.Epilogue));
        Assert.Equal("preamble text", TestUtil.Str(m.Root.Preamble));
        Assert.Equal("outer epilogue\r\n", TestUtil.Str(m.Root.Epilogue));
        Assert.Equal(new byte[] { 0, 1, 2 }, m.Root.Children[2].GetDecodedBody().ToArray());
        Assert.Equal(MimeIssues.None, m.Issues);
    }

    [Fact]
    public void PartSpecifiersFollowImapNumbering()
    {
        MimeMessage m = TestUtil.Parse(Nested);
        Assert.Equal(["", "1", "1.1", "1.2", "2", "2", "3"], m.Entities.Select(e => e.PartSpecifier));
    }

    [Fact]
    public void EmbeddedMessagesAreParsedAsMessages()
    {
        MimeMessage m = TestUtil.Parse(Nested);
        MimeMessage inner = m.Root.Children[1].Message!;
        Assert.Equal("attached", inner.Subject);
        Assert.Equal("attached body\r\nline two", inner.Root.GetText());
        Assert.Equal("b@y.test", ((MailboxAddress)inner.From[0]).Address);
        Assert.Same(m.Root.Children[1], inner.Root.Parent);
    }

    [Fact]
    public void OffsetsPointIntoTheOriginalBytes()
    {
        byte[] bytes = TestUtil.Crlf(Nested);
        MimeMessage m = MimeMessage.Parse(bytes);
        foreach (MimeEntity e in m.Entities)
        {
            Assert.True(e.Offset <= e.BodyOffset && e.BodyOffset <= e.EndOffset && e.EndOffset <= bytes.Length);
            Assert.Equal(bytes.AsSpan(e.BodyOffset, e.BodyLength).ToArray(), e.RawBody.ToArray());
        }

        MimeEntity plain = m.Root.Children[0].Children[0];
        string text = Encoding.ASCII.GetString(bytes);
        Assert.Equal(text.IndexOf("Content-Type: text/plain", StringComparison.Ordinal), plain.Offset);
        Assert.Equal(text.IndexOf("plain body", StringComparison.Ordinal), plain.BodyOffset);
        Assert.Equal("plain body".Length, plain.BodyLength);
        Assert.Equal(1, plain.BodyLines);
        Assert.Equal(2, plain.HeaderLines);
    }

    [Fact]
    public void TheLineBreakBeforeABoundaryBelongsToTheBoundary()
    {
        MimeMessage m = TestUtil.Parse("Content-Type: multipart/mixed; boundary=b\n\n--b\n\nline\n\n--b--\n");
        Assert.Equal("line\r\n", m.Root.Children[0].GetText());
        Assert.Equal(1, m.Root.Children[0].BodyLines);
    }

    [Fact]
    public void BoundaryLinesAllowTrailingWhitespaceButNotOtherText()
    {
        MimeMessage m = TestUtil.Parse("Content-Type: multipart/mixed; boundary=b\n\n--b \t\n\none\n--bx\n--b--  \n");
        MimeEntity only = Assert.Single(m.Root.Children);
        Assert.Equal("one\r\n--bx", only.GetText());
    }

    [Fact]
    public void AnOuterBoundaryEndsAnInnerMultipartThatLacksItsCloseDelimiter()
    {
        MimeMessage m = TestUtil.Parse("Content-Type: multipart/mixed; boundary=o\n\n--o\nContent-Type: multipart/mixed; boundary=i\n\n--i\n\ninner\n--o\n\nsecond\n--o--\n");
        Assert.Equal(2, m.Root.Children.Count);
        Assert.Equal("inner", m.Root.Children[0].Children[0].GetText());
        Assert.Equal("second", m.Root.Children[1].GetText());
        Assert.True(m.Issues.HasFlag(MimeIssues.MissingCloseDelimiter));
    }

    [Fact]
    public void AMultipartWithoutABoundaryParameterHasNoChildrenAndKeepsItsBody()
    {
        MimeMessage m = TestUtil.Parse("Content-Type: multipart/mixed\n\n--x\n\nbody\n");
        Assert.True(m.Root.IsMultipart);
        Assert.Empty(m.Root.Children);
        Assert.True(m.Issues.HasFlag(MimeIssues.MissingBoundaryParameter));
        Assert.Equal(m.Root.BodyLength, m.Root.Preamble.Length);
    }

    [Fact]
    public void AWrongBoundaryLeavesEverythingInThePreamble()
    {
        MimeMessage m = TestUtil.Parse("Content-Type: multipart/mixed; boundary=right\n\n--wrong\n\nbody\n--wrong--\n");
        Assert.Empty(m.Root.Children);
        Assert.True(m.Issues.HasFlag(MimeIssues.BoundaryNotFound));
        Assert.Contains("body", TestUtil.Str(m.Root.Preamble), StringComparison.Ordinal);
    }

    [Fact]
    public void AMissingCloseDelimiterEndsTheLastPartAtTheEnd()
    {
        MimeMessage m = TestUtil.Parse("Content-Type: multipart/mixed; boundary=b\n\n--b\n\nlast part\n");
        Assert.Equal("last part\r\n", m.Root.Children[0].GetText());
        Assert.True(m.Issues.HasFlag(MimeIssues.MissingCloseDelimiter));
    }

    [Fact]
    public void BareLineFeedMessagesParseTheSameWay()
    {
        byte[] bytes = Encoding.ASCII.GetBytes("Subject: lf\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nhello\n--b--\n");
        MimeMessage m = MimeMessage.Parse(bytes);
        Assert.Equal("lf", m.Subject);
        Assert.Equal("hello", m.Root.Children[0].GetText());
        Assert.True(m.Issues.HasFlag(MimeIssues.BareLineFeed));
    }

    [Fact]
    public void APartWithoutAnEmptyLineBeforeTheNextBoundaryHasAnEmptyBody()
    {
        MimeMessage m = TestUtil.Parse("Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n--b\n\nsecond\n--b--\n");
        Assert.Equal(2, m.Root.Children.Count);
        Assert.Equal(0, m.Root.Children[0].BodyLength);
        Assert.Equal("second", m.Root.Children[1].GetText());
    }

    [Fact]
    public void ALineThatIsNotAHeaderStartsTheBody()
    {
        MimeMessage m = TestUtil.Parse("Subject: x\nthis is not a header\nmore\n");
        Assert.Single(m.Headers);
        Assert.Equal("this is not a header\r\nmore\r\n", m.Root.GetText());
        Assert.True(m.Issues.HasFlag(MimeIssues.InvalidHeaderLine));
    }

    [Fact]
    public void AnMboxFromLineIsSkipped()
    {
        MimeMessage m = TestUtil.Parse("From someone@x Mon Jan 1 00:00:00 2024\nSubject: s\n\nb");
        Assert.Equal("s", m.Subject);
    }

    [Fact]
    public void DigestPartsDefaultToMessageRfc822()
    {
        MimeMessage m = TestUtil.Parse("Content-Type: multipart/digest; boundary=d\n\n--d\n\nSubject: one\n\nfirst\n--d--\n");
        MimeEntity part = m.Root.Children[0];
        Assert.Equal("message/rfc822", part.ContentType.MimeType);
        Assert.Equal("one", part.Message!.Subject);
    }

    [Fact]
    public void NestingBeyondTheLimitIsKeptOpaque()
    {
        var sb = new StringBuilder();
        for (int i = 0; i < 10; i++)
        {
            sb.Append("Content-Type: multipart/mixed; boundary=b").Append(i).Append("\n\n--b").Append(i).Append('\n');
        }

        sb.Append("\ndeep\n");
        MimeMessage m = TestUtil.Parse(sb.ToString());
        MimeMessage limited = MimeMessage.Parse(TestUtil.Crlf(sb.ToString()), new MimeParserOptions { MaxNestingDepth = 3 });
        Assert.Equal(11, m.Entities.Count());
        Assert.Equal(4, limited.Entities.Count());
        Assert.True(limited.Issues.HasFlag(MimeIssues.NestingLimit));
        Assert.False(m.Issues.HasFlag(MimeIssues.NestingLimit));
    }

    [Fact]
    public void HeaderCountAndSizeLimitsDropFieldsButKeepTheBody()
    {
        string text = string.Concat(Enumerable.Range(0, 50).Select(i => $"X-H{i}: v\n")) + "X-Big: " + new string('a', 500) + "\n\nbody";
        MimeMessage m = MimeMessage.Parse(TestUtil.Crlf(text), new MimeParserOptions { MaxHeaderCount = 10, MaxHeaderFieldLength = 100 });
        Assert.Equal(10, m.Headers.Count);
        Assert.Equal("body", m.Root.GetText());
        Assert.True(m.Issues.HasFlag(MimeIssues.HeaderCountLimit));
        MimeMessage big = MimeMessage.Parse(TestUtil.Crlf(text), new MimeParserOptions { MaxHeaderFieldLength = 100 });
        Assert.Null(big.Headers.Get("X-Big"));
        Assert.True(big.Issues.HasFlag(MimeIssues.HeaderTooLong));
    }

    [Fact]
    public void PartCountLimitStopsSplittingButStillFindsTheEnd()
    {
        string text = "Content-Type: multipart/mixed; boundary=b\n\n" + string.Concat(Enumerable.Range(0, 20).Select(i => $"--b\n\np{i}\n")) + "--b--\nepilogue\n";
        MimeMessage m = MimeMessage.Parse(TestUtil.Crlf(text), new MimeParserOptions { MaxPartCount = 5 });
        Assert.Equal(4, m.Root.Children.Count);
        Assert.True(m.Issues.HasFlag(MimeIssues.PartLimit));
        Assert.Equal("epilogue\r\n", TestUtil.Str(m.Root.Epilogue));
    }

    [Fact]
    public void EmptyInputParsesToAnEmptyMessage()
    {
        MimeMessage m = MimeMessage.Parse(ReadOnlyMemory<byte>.Empty);
        Assert.Empty(m.Headers);
        Assert.Equal(0, m.Root.BodyLength);
        Assert.Equal("text/plain", m.Root.ContentType.MimeType);
    }

    [Fact]
    public async Task StreamsAreReadToTheEndAndParsed()
    {
        using var stream = new MemoryStream(TestUtil.Crlf(Nested));
        MimeMessage m = await MimeMessage.ParseAsync(stream);
        Assert.Equal("nested", m.Subject);
        using var big = new MemoryStream(new byte[100]);
        await Assert.ThrowsAsync<InvalidDataException>(() => MimeMessage.ParseAsync(big, maxBytes: 10));
    }

    [Fact]
    public void TextExtractionCoversTextPartsHtmlAndAttachedMessagesButNotBinaryAttachments()
    {
        MimeMessage m = TestUtil.Parse(Nested);
        string text = m.ExtractText();
        Assert.Contains("plain body", text, StringComparison.Ordinal);
        Assert.Contains("html", text, StringComparison.Ordinal);
        Assert.DoesNotContain("<p>", text, StringComparison.Ordinal);
        Assert.Contains("attached body", text, StringComparison.Ordinal);
        Assert.Equal("plain body", m.TextBody);
        Assert.Equal("<p>html</p>", m.HtmlBody);
    }

    [Fact]
    public void HtmlToTextDropsScriptsStylesCommentsAndDecodesEntities()
    {
        Assert.Equal("a & b c", string.Join(' ', TextExtraction.HtmlToText("<style>x{}</style><b>a</b> &amp; <!-- c --> b<script>evil()</script> c").Split(' ', StringSplitOptions.RemoveEmptyEntries)));
    }
}

public class HostileInputTests
{
    public static TheoryData<string> Patterns() => new() { "=?a?b? ", "=?utf-8?q?", "; x*=", "((((", "\"", "<<<<@", "[", "=?a?q?x?= " };

    // Linear time is proven by comparing work for an input and one sixteen times larger in the same
    // run (WorkScaling), never by a wall-clock limit: a busy 2-core CI machine failed a 5 s limit.
    [Theory]
    [MemberData(nameof(Patterns))]
    public void HostileHeaderValuesDecodeInLinearTime(string pattern)
    {
        WorkScaling.AssertLinear(size => ParseHostileHeaders(pattern, size), 32 * 1024);
    }

    [Fact]
    public void ManyBoundaryLikeLinesWithDeepNestingParseInLinearTime()
    {
        Assert.Equal(61, ParseBoundaryFlood(200_000).Entities.Count());
        WorkScaling.AssertLinear(lines => ParseBoundaryFlood(lines), 12_500);
    }

    private static void ParseHostileHeaders(string pattern, int size)
    {
        string value = string.Concat(Enumerable.Repeat(pattern, size / pattern.Length)) + "?=";
        string text = $"Subject: {value}\nFrom: {value}\nContent-Type: text/plain; {value}\nDate: {value}\nMessage-ID: {value}\n\nbody";
        MimeMessage m = TestUtil.Parse(text);
        _ = (m.Subject, m.From, m.Root.ContentType.Parameters.Count, m.Date, m.MessageId, m.GetImapEnvelope(), m.GetImapBodyStructure());
        Assert.Equal("body", m.Root.GetText());
    }

    private static MimeMessage ParseBoundaryFlood(int lines)
    {
        var sb = new System.Text.StringBuilder();
        for (int i = 0; i < 60; i++)
        {
            sb.Append("Content-Type: multipart/mixed; boundary=b").Append(i).Append("\n\n--b").Append(i).Append('\n');
        }

        sb.Append('\n');
        for (int i = 0; i < lines; i++)
        {
            sb.Append("--b1x\n");
        }

        return TestUtil.Parse(sb.ToString());
    }
}
