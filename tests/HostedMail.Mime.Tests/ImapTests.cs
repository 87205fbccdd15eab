namespace HostedMail.Mime.Tests;

public class ImapTests
{
    private const string Simple = """
        Date: Wed, 17 Jul 1996 02:23:25 -0700 (PDT)
        From: Terry Gray <gray@cac.washington.edu>
        Subject: IMAP4rev1 WG mtg summary and minutes
        To: imap@cac.washington.edu
        cc: minutes@CNRI.Reston.VA.US, John Klensin <KLENSIN@MIT.EDU>
        Message-Id: <B27397-0100000@cac.washington.edu>
        MIME-Version: 1.0
        Content-Type: TEXT/PLAIN; CHARSET=US-ASCII

        Hello
        World

        """;

    private const string Multi = """
        From: a@x.test
        Subject: =?utf-8?q?caf=C3=A9?=
        Content-Type: multipart/mixed; boundary=b

        --b
        Content-Type: text/plain; charset=utf-8
        Content-Language: en, de
        Content-ID: <c1@x>
        Content-Description: the text

        hi
        --b
        Content-Type: application/pdf; name="r.pdf"
        Content-Disposition: attachment; filename="r.pdf"
        Content-Transfer-Encoding: base64
        Content-Location: http://x.test/r.pdf
        Content-MD5: Q2hlY2sgSW50ZWdyaXR5IQ==

        JVBERg==
        --b
        Content-Type: message/rfc822

        From: "Inner \"Q\"" <i@y.test>
        Subject: inner
        Content-Type: multipart/alternative; boundary=c

        --c

        alt1
        --c--
        --b--

        """;

    [Fact]
    public void EnvelopeMatchesTheRfc3501Example()
    {
        MimeMessage m = TestUtil.Parse(Simple);
        Assert.Equal(
            "(\"Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\" \"IMAP4rev1 WG mtg summary and minutes\" " +
            "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) ((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) " +
            "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) ((NIL NIL \"imap\" \"cac.washington.edu\")) " +
            "((NIL NIL \"minutes\" \"CNRI.Reston.VA.US\") (\"John Klensin\" NIL \"KLENSIN\" \"MIT.EDU\")) NIL NIL " +
            "\"<B27397-0100000@cac.washington.edu>\")",
            TestUtil.Str(m.GetImapEnvelope()));
    }

    [Fact]
    public void BodyStructureOfASinglePartMatchesTheRfcExampleShape()
    {
        MimeMessage m = TestUtil.Parse(Simple);
        Assert.Equal("(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7bit\" 14 2 NIL NIL NIL NIL)", TestUtil.Str(m.GetImapBodyStructure()));
        Assert.Equal("(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7bit\" 14 2)", TestUtil.Str(m.GetImapBodyStructure(extensible: false)));
    }

    [Fact]
    public void BodyStructureIncludesExtensionDataNestedMessagesAndGroups()
    {
        MimeMessage m = TestUtil.Parse(Multi);
        string expected =
            "((\"text\" \"plain\" (\"charset\" \"utf-8\") \"<c1@x>\" \"the text\" \"7bit\" 2 1 NIL NIL (\"en\" \"de\") NIL)" +
            "(\"application\" \"pdf\" (\"name\" \"r.pdf\") NIL NIL \"base64\" 8 \"Q2hlY2sgSW50ZWdyaXR5IQ==\" (\"attachment\" (\"filename\" \"r.pdf\")) NIL \"http://x.test/r.pdf\")" +
            "(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 117 " +
            "(NIL \"inner\" ((\"Inner \\\"Q\\\"\" NIL \"i\" \"y.test\")) ((\"Inner \\\"Q\\\"\" NIL \"i\" \"y.test\")) ((\"Inner \\\"Q\\\"\" NIL \"i\" \"y.test\")) NIL NIL NIL NIL NIL) " +
            "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 4 1 NIL NIL NIL NIL) \"alternative\" (\"boundary\" \"c\") NIL NIL NIL) 8 NIL NIL NIL NIL)" +
            " \"mixed\" (\"boundary\" \"b\") NIL NIL NIL)";
        Assert.Equal(expected, TestUtil.Str(m.GetImapBodyStructure()));
        Assert.Equal(
            "((\"text\" \"plain\" (\"charset\" \"utf-8\") \"<c1@x>\" \"the text\" \"7bit\" 2 1)" +
            "(\"application\" \"pdf\" (\"name\" \"r.pdf\") NIL NIL \"base64\" 8)" +
            "(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 117 " +
            "(NIL \"inner\" ((\"Inner \\\"Q\\\"\" NIL \"i\" \"y.test\")) ((\"Inner \\\"Q\\\"\" NIL \"i\" \"y.test\")) ((\"Inner \\\"Q\\\"\" NIL \"i\" \"y.test\")) NIL NIL NIL NIL NIL) " +
            "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 4 1) \"alternative\") 8) \"mixed\")",
            TestUtil.Str(m.GetImapBodyStructure(extensible: false)));
    }

    [Fact]
    public void EnvelopeKeepsEncodedWordsAndWritesGroupsWithMarkers()
    {
        MimeMessage m = TestUtil.Parse("Subject: =?utf-8?q?caf=C3=A9?=\nTo: G: a@x.test;, b@y.test\nFrom: <>\n\n");
        string env = TestUtil.Str(m.GetImapEnvelope());
        Assert.StartsWith("(NIL \"=?utf-8?q?caf=C3=A9?=\" ((NIL NIL \"\" \"\"))", env, StringComparison.Ordinal);
        Assert.Contains("((NIL NIL \"G\" NIL) (NIL NIL \"a\" \"x.test\") (NIL NIL NIL NIL) (NIL NIL \"b\" \"y.test\"))", env, StringComparison.Ordinal);
    }

    [Fact]
    public void EightBitAndMultilineValuesAreSentAsLiterals()
    {
        MimeMessage m = MimeMessage.Parse((byte[])[.. "Subject: caf"u8, 0xC3, 0xA9, .. "\r\n\r\n"u8]);
        Assert.Contains("{5}\r\ncafé", TestUtil.Str(m.GetImapEnvelope()), StringComparison.Ordinal);
        Assert.Contains("\"café\"", TestUtil.Str(m.GetImapEnvelope(utf8Quoted: true)), StringComparison.Ordinal);
    }

    [Fact]
    public void AMultipartWithoutPartsGetsAnEmptyTextPart()
    {
        MimeMessage m = TestUtil.Parse("Content-Type: multipart/mixed\n\nno boundary\n");
        // With the extension data every part carries (RFC 9051 body-ext-1part), all NIL.
        Assert.Equal("((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0 NIL NIL NIL NIL) \"mixed\" NIL NIL NIL NIL)", TestUtil.Str(m.GetImapBodyStructure()));
        Assert.Equal("((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0) \"mixed\")", TestUtil.Str(m.GetImapBodyStructure(extensible: false)));
    }

    [Theory]
    [InlineData("1", "hi")]
    [InlineData("2", "JVBERg==")]
    [InlineData("1.MIME", "Content-Type: text/plain; charset=utf-8\r\nContent-Language: en, de\r\nContent-ID: <c1@x>\r\nContent-Description: the text\r\n\r\n")]
    [InlineData("3.HEADER", "From: \"Inner \\\"Q\\\"\" <i@y.test>\r\nSubject: inner\r\nContent-Type: multipart/alternative; boundary=c\r\n\r\n")]
    [InlineData("3.HEADER.FIELDS (subject)", "Subject: inner\r\n\r\n")]
    [InlineData("3.HEADER.FIELDS.NOT (From Content-Type)", "Subject: inner\r\n\r\n")]
    [InlineData("3.TEXT", "--c\r\n\r\nalt1\r\n--c--")]
    [InlineData("3.1", "alt1")]
    [InlineData("3.1.MIME", "\r\n")]
    [InlineData("HEADER.FIELDS (From \"Subject\")", "From: a@x.test\r\nSubject: =?utf-8?q?caf=C3=A9?=\r\n\r\n")]
    [InlineData("HEADER.FIELDS (X-None)", "\r\n")]
    public void SectionsReturnTheExactBytes(string section, string expected)
    {
        MimeMessage m = TestUtil.Parse(Multi);
        Assert.Equal(expected, TestUtil.Str(m.FetchSection(section)));
    }

    [Fact]
    public void WholeMessageHeaderAndTextSectionsCoverTheMessage()
    {
        byte[] bytes = TestUtil.Crlf(Multi);
        MimeMessage m = MimeMessage.Parse(bytes);
        Assert.Equal(bytes, m.FetchSection("")!.Value.ToArray());
        byte[] header = m.FetchSection("HEADER")!.Value.ToArray();
        byte[] text = m.FetchSection("TEXT")!.Value.ToArray();
        Assert.Equal(bytes, header.Concat(text).ToArray());
    }

    [Theory]
    [InlineData("4")]
    [InlineData("1.1")]
    [InlineData("2.HEADER")]
    [InlineData("3.2")]
    [InlineData("0")]
    [InlineData("1..2")]
    [InlineData("HEADER.FIELDS ()")]
    [InlineData("MIME")]
    [InlineData("BOGUS")]
    public void MissingOrInvalidSectionsGiveNull(string section)
    {
        Assert.Null(TestUtil.Parse(Multi).FetchSection(section));
    }

    [Fact]
    public void SinglePartMessagesAnswerPartOneWithTheirBody()
    {
        MimeMessage m = TestUtil.Parse(Simple);
        Assert.Equal("Hello\r\nWorld\r\n", TestUtil.Str(m.FetchSection("1")));
        Assert.Null(m.FetchSection("2"));
    }

    [Theory]
    [InlineData("0.5", "--c\r\n")]
    [InlineData("5.100", "\r\nalt1\r\n--c--")]
    [InlineData("100.5", "")]
    public void PartialRangesSliceTheSection(string partial, string expected)
    {
        Assert.Equal(expected, TestUtil.Str(TestUtil.Parse(Multi).FetchSection("3.TEXT", partial)));
    }

    [Fact]
    public void BinaryFetchDecodesTheTransferEncoding()
    {
        MimeMessage m = TestUtil.Parse(Multi);
        Assert.True(ImapSection.TryParse("2", "1.3", out ImapSection section));
        Assert.Equal(BinaryFetchStatus.Ok, ImapFetch.Binary(m, section, out ReadOnlyMemory<byte> bytes));
        Assert.Equal("PDF", TestUtil.Str(bytes));
        Assert.True(ImapSection.TryParse("9", out ImapSection missing));
        Assert.Equal(BinaryFetchStatus.NotFound, ImapFetch.Binary(m, missing, out _));
        MimeMessage unknown = TestUtil.Parse("Content-Transfer-Encoding: x-gzip\n\nzz");
        Assert.True(ImapSection.TryParse("1", out ImapSection one));
        Assert.Equal(BinaryFetchStatus.UnknownEncoding, ImapFetch.Binary(unknown, one, out _));
    }

    [Fact]
    public void SectionsEchoInCanonicalForm()
    {
        Assert.True(ImapSection.TryParse("1.2.header.fields (from \"to\")", out ImapSection s));
        Assert.Equal("1.2.HEADER.FIELDS (FROM TO)", s.ToString());
        Assert.Equal(new[] { 1, 2 }, s.Part);
        Assert.Equal(ImapSectionKind.HeaderFields, s.Kind);
    }

    [Fact]
    public void ImapStringsUseQuotedFormWhenSafeAndLiteralsOtherwise()
    {
        var w = new ImapWriter();
        w.Open();
        w.NString("a\"b\\c");
        w.NString(null);
        w.NString("line\r\nbreak");
        w.Number(42);
        w.Close();
        Assert.Equal("(\"a\\\"b\\\\c\" NIL {11}\r\nline\r\nbreak 42)", w.ToString());
    }
}
