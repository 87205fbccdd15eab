using System.Text;

namespace HostedMail.Mime.Tests;

public class HeaderTests
{
    [Fact]
    public void HeadersKeepTheirExactRawBytesIncludingFoldingAndOddSpacing()
    {
        byte[] bytes = Encoding.ASCII.GetBytes("Subject :  Hello\r\n\t world  \r\nX-A:b\r\n\r\nbody");
        MimeMessage m = MimeMessage.Parse(bytes);
        Header subject = m.Headers[0];
        Assert.Equal("Subject", subject.Name);
        Assert.Equal("Subject :  Hello\r\n\t world  \r\n", Encoding.ASCII.GetString(subject.Raw.Span));
        Assert.Equal("  Hello\r\n\t world  ", Encoding.ASCII.GetString(subject.RawValue.Span));
        Assert.Equal("Hello\t world", subject.Value);
        Assert.Equal(0, subject.Offset);
        Assert.Equal(bytes.Length - 4, m.Root.BodyOffset);
        Assert.Equal("X-A:b\r\n", Encoding.ASCII.GetString(m.Headers.Get("x-a")!.Raw.Span));
    }

    [Fact]
    public void HeaderLookupIsCaseInsensitiveAndKeepsAllOccurrences()
    {
        MimeMessage m = TestUtil.Parse("Received: a\nreceived: b\nRECEIVED: c\n\n");
        Assert.Equal(["a", "b", "c"], m.Headers.GetAll("Received").Select(h => h.Value));
        Assert.Equal("a", m.Headers.GetValue("RECEIVED"));
        Assert.Null(m.Headers.Get("X-Missing"));
    }

    [Fact]
    public void EightBitUtf8HeadersAreDecodedAsUtf8AndLatin1AsWindows1252()
    {
        MimeMessage utf8 = MimeMessage.Parse((byte[])[.. "Subject: "u8, .. "Grüße"u8, .. "\r\n\r\n"u8]);
        Assert.Equal("Grüße", utf8.Subject);
        Assert.True(utf8.Issues.HasFlag(MimeIssues.EightBitHeader));
        MimeMessage latin = MimeMessage.Parse((byte[])[.. "Subject: Gr"u8, 0xFC, .. "\r\n\r\n"u8]);
        Assert.Equal("Grü", latin.Subject);
    }

    [Fact]
    public void ContentTypeParsesTypeSubtypeAndQuotedParameters()
    {
        ContentType ct = ContentType.Parse("Multipart/Mixed; boundary=\"a b;c\" ; charset=UTF-8 (comment)");
        Assert.Equal("multipart/mixed", ct.MimeType);
        Assert.Equal("Multipart", ct.MediaType);
        Assert.Equal("a b;c", ct.Boundary);
        Assert.Equal("UTF-8", ct.Charset);
        Assert.True(ct.IsMultipart);
    }

    [Theory]
    [InlineData("")]
    [InlineData("garbage")]
    [InlineData("text/")]
    [InlineData("/plain")]
    [InlineData("te xt/plain")]
    public void InvalidContentTypesDefaultToTextPlain(string value)
    {
        Assert.Equal("text/plain", ContentType.Parse(value).MimeType);
    }

    [Fact]
    public void Rfc2231ContinuationsAndCharsetsAreJoinedAndDecoded()
    {
        ContentType ct = ContentType.Parse("application/pdf; name*0*=utf-8''%E2%82%AC; name*1*=%20rate; name*2=\" report.pdf\"");
        Assert.Equal("€ rate report.pdf", ct.Name);
        ContentDisposition d = ContentDisposition.Parse("attachment; filename*=iso-8859-1'de'M%FCller.txt; filename=\"fallback.txt\"")!;
        Assert.Equal("Müller.txt", d.FileName);
        Assert.True(d.IsAttachment);
    }

    [Fact]
    public void Rfc2231ContinuationsMayArriveOutOfOrder()
    {
        ContentType ct = ContentType.Parse("text/plain; x*1=b; x*0=a; x*2=c");
        Assert.Equal("abc", ct.Parameters["x"]);
    }

    [Fact]
    public void EncodedWordsInParametersAreDecodedBecauseOutlookSendsThem()
    {
        ContentType ct = ContentType.Parse("application/octet-stream; name=\"=?utf-8?B?w6nDqS5kb2M=?=\"");
        Assert.Equal("éé.doc", ct.Name);
    }

    [Fact]
    public void UnquotedParameterValuesWithSpacesAreTakenUpToTheSemicolon()
    {
        ContentDisposition d = ContentDisposition.Parse("attachment; filename=my file.pdf; size=3")!;
        Assert.Equal("my file.pdf", d.FileName);
        Assert.Equal("3", d.Parameters["size"]);
    }

    [Theory]
    [InlineData("Sun, 22 Nov 2026 10:11:12 +0100", "2026-11-22T10:11:12+01:00")]
    [InlineData("22 Nov 2026 10:11 -0500", "2026-11-22T10:11:00-05:00")]
    [InlineData("Sun, 22 Nov 26 10:11:12 GMT", "2026-11-22T10:11:12+00:00")]
    [InlineData("Mon, 1 Feb 99 00:00:00 EST", "1999-02-01T00:00:00-05:00")]
    [InlineData("Fri, 5 Jan 2024 10:00:00 PDT (Pacific)", "2024-01-05T10:00:00-07:00")]
    [InlineData("Mon, 3 Jun 2024 10:00:00 +02:00", "2024-06-03T10:00:00+00:00")]
    [InlineData("5 January 2024 10:00:00 +0000", "2024-01-05T10:00:00+00:00")]
    [InlineData("Fri, 05 Jan 2024 10:00:00 Z", "2024-01-05T10:00:00+00:00")]
    [InlineData("Fri, 05 Jan 2024 23:59:60 +0000", "2024-01-05T23:59:59+00:00")]
    [InlineData("05-Jan-2024 10:00:00 +0200", "2024-01-05T10:00:00+02:00")]
    [InlineData("2024-01-05 10:00:00 +0200", "2024-01-05T10:00:00+02:00")]
    public void DatesParseInRfc5322AndObsoleteForms(string value, string expected)
    {
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), DateParser.Parse(value));
    }

    [Theory]
    [InlineData("")]
    [InlineData("yesterday")]
    [InlineData("31 Feb 2024 10:00:00 +0000")]
    [InlineData("1 Jan 2024 25:00:00 +0000")]
    [InlineData("Fri Jan  5 10:00:00 2024")]
    [InlineData("Thu, 01 Jan 1970 00:00:00")]
    [InlineData("2024-06-03T10:00:00Z")]
    public void UnparseableDatesGiveNull(string value)
    {
        Assert.Null(DateParser.Parse(value));
    }

    [Fact]
    public void DatesFormatAsRfc5322DateTime()
    {
        Assert.Equal("Sun, 22 Nov 2026 09:05:03 -0130", DateParser.Format(new DateTimeOffset(2026, 11, 22, 9, 5, 3, TimeSpan.FromMinutes(-90))));
    }

    [Fact]
    public void MessageIdListsAreParsedWithAndWithoutBrackets()
    {
        Assert.Equal(["a@b", "c@d"], MessageIds.ParseList("<a@b> (comment) <c@d>"));
        Assert.Equal(["a@b", "c@d"], MessageIds.ParseList("<a@b>,\r\n <c@d>"));
        Assert.Equal(["x@y"], MessageIds.ParseList("x@y"));
        Assert.Equal(["a.b@c"], MessageIds.ParseList("< a.b @ c >"));
        Assert.Empty(MessageIds.ParseList("no ids here"));
    }

    [Fact]
    public void MessageAccessorsReadIdsDateAndSubject()
    {
        MimeMessage m = TestUtil.Parse("Message-ID: <id1@example.com>\nIn-Reply-To: <p@x>\nReferences: <r1@x>\n <r2@x>\nReferences: <r3@x>\nDate: 1 Jan 2025 00:00:00 +0000\nSubject: =?utf-8?q?Hi_there?=\n\n");
        Assert.Equal("id1@example.com", m.MessageId);
        Assert.Equal(["p@x"], m.InReplyTo);
        Assert.Equal(["r1@x", "r2@x", "r3@x"], m.References);
        Assert.Equal(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero), m.Date);
        Assert.Equal("Hi there", m.Subject);
    }
}
