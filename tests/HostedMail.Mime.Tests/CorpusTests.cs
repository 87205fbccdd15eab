using System.Buffers.Text;
using System.Diagnostics;
using System.Text;

namespace HostedMail.Mime.Tests;

public class CorpusTests
{
    private static string CorpusDir => Path.Combine(AppContext.BaseDirectory, "Corpus");

    public static TheoryData<string> Files()
    {
        var data = new TheoryData<string>();
        foreach (string f in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Corpus"), "*.eml").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(f));
        }

        return data;
    }

    private static MimeMessage Load(string name) => MimeMessage.Parse(File.ReadAllBytes(Path.Combine(CorpusDir, name)));

    [Fact]
    public void TheCorpusIsCopiedToTheOutput()
    {
        Assert.True(Directory.GetFiles(CorpusDir, "*.eml").Length >= 15);
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void EveryCorpusMessageParsesConsistentlyAndAllViewsWork(string name)
    {
        byte[] bytes = File.ReadAllBytes(Path.Combine(CorpusDir, name));
        MimeMessage m = MimeMessage.Parse(bytes);
        Invariants.Check(m, bytes);
    }

    [Fact]
    public void NestedMultipartFromAThunderbirdShapedMessageHasAllParts()
    {
        MimeMessage m = Load("nested-multipart.eml");
        Assert.Equal(["multipart/mixed", "multipart/alternative", "text/plain", "multipart/related", "text/html", "image/png", "application/pdf"], m.Entities.Select(e => e.ContentType.MimeType));
        Assert.Contains("Grüße, Ann", m.TextBody, StringComparison.Ordinal);
        Assert.Contains("Grüße, Ann</p>", m.HtmlBody, StringComparison.Ordinal);
        Assert.Equal(["report-Q3.pdf"], m.Attachments.Select(a => a.FileName));
        Assert.StartsWith("%PDF-1.4", Encoding.ASCII.GetString(m.Attachments.Single().GetDecodedBody().Span), StringComparison.Ordinal);
        Assert.Equal("part1.logo@example.com", m.Entities.Single(e => e.ContentType.MediaType == "image").ContentId);
        Assert.Equal("This is a multi-part message in MIME format.", TestUtil.Str(m.Root.Preamble));
        Header dkim = m.Headers.Get("DKIM-Signature")!;
        Assert.StartsWith("DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com; s=s1;\r\n\th=", Encoding.ASCII.GetString(dkim.Raw.Span), StringComparison.Ordinal);
        Assert.Equal(MimeIssues.None, m.Issues);
    }

    [Fact]
    public void MissingCloseBoundaryKeepsBothParts()
    {
        MimeMessage m = Load("missing-close-boundary.eml");
        Assert.Equal(["first", "second and the message just ends\r\n"], m.Root.Children.Select(c => c.GetText()));
        Assert.True(m.Issues.HasFlag(MimeIssues.MissingCloseDelimiter));
    }

    [Fact]
    public void WrongBoundaryGivesAnEmptyMultipartWithThePreamble()
    {
        MimeMessage m = Load("wrong-boundary.eml");
        Assert.Empty(m.Root.Children);
        Assert.Contains("--actual", TestUtil.Str(m.Root.Preamble), StringComparison.Ordinal);
        Assert.StartsWith("((\"text\" \"plain\"", TestUtil.Str(m.GetImapBodyStructure()), StringComparison.Ordinal);
    }

    [Fact]
    public void AnInnerBoundaryThatPrefixesTheOuterOneIsKeptApart()
    {
        MimeMessage m = Load("boundary-prefix.eml");
        Assert.Equal(2, m.Root.Children.Count);
        Assert.Equal(["plain", "<b>html</b>"], m.Root.Children[0].Children.Select(c => c.GetText()));
        Assert.Equal("notes", m.Root.Children[1].GetText());
        Assert.Equal(MimeIssues.None, m.Issues);
    }

    [Fact]
    public void EightBitHeadersDecodeAsUtf8OrWindows1252PerField()
    {
        MimeMessage m = Load("eight-bit-headers.eml");
        Assert.Equal("café au lait", m.Subject);
        Assert.Equal("José", m.From[0].DisplayName);
        Assert.Equal("Jörg", m.To[0].DisplayName);
        Assert.Equal("Grüße 日本", m.Headers.GetValue("X-Utf8"));
        Assert.True(m.Issues.HasFlag(MimeIssues.EightBitHeader));
    }

    [Fact]
    public void BareLineFeedMessageDecodesItsParts()
    {
        MimeMessage m = Load("bare-lf.eml");
        Assert.Equal("line one\nline two", m.Root.Children[0].GetText());
        Assert.Equal(new byte[] { 0, 1, 2, 3, 4 }, m.Root.Children[1].GetDecodedBody().ToArray());
        Assert.Equal(2, m.Root.Children[0].BodyLines);
    }

    [Fact]
    public void NulBytesAreFlaggedAndKept()
    {
        MimeMessage m = Load("nul-bytes.eml");
        Assert.True(m.Issues.HasFlag(MimeIssues.NulByte));
        Assert.Equal("nul\0byte", m.Subject);
        Assert.Contains("{8}\r\nnul\0byte", TestUtil.Str(m.GetImapEnvelope()), StringComparison.Ordinal);
    }

    [Fact]
    public void ThousandsOfHeadersAreAllKeptInOrder()
    {
        MimeMessage m = Load("thousands-of-headers.eml");
        Assert.Equal(3003, m.Headers.Count);
        Assert.Equal(3000, m.Headers.GetAll("Received").Count());
        Assert.StartsWith("from r2999.", m.Headers.GetAll("Received").Last().Value, StringComparison.Ordinal);
        Assert.Equal("thousands of headers", m.Subject);
        Assert.Equal("body\r\n", m.Root.GetText());
    }

    [Fact]
    public void MessyEncodedWordsDecodeToTheIntendedText()
    {
        MimeMessage m = Load("encoded-words-mess.eml");
        Assert.Equal("€ price and €“quoted”é =?utf-8?q?broken", m.Subject);
        Assert.Equal(["André Pirard", "日本語"], m.From.Select(a => a.DisplayName));
        Assert.Equal("Keith Moore", m.To[0].DisplayName);
        Assert.Equal("moore@cs.utk.edu", ((MailboxAddress)m.To[0]).Address);
    }

    [Fact]
    public void Rfc2231FileNamesAreJoinedAndDecoded()
    {
        MimeEntity part = Load("rfc2231-params.eml").Root.Children[0];
        Assert.Equal("日本語の文書.txt", part.ContentType.Name);
        Assert.Equal("résumé.txt", part.FileName);
        // IMAP4rev1: joined, still encoded (RFC 3501 section 7.4.2); IMAP4rev2: decoded (RFC 9051 section 7.5.2).
        Assert.Contains("(\"name*\" \"utf-8''%E6%97%A5%E6%9C%AC%E8%AA%9E%E3%81%AE%E6%96%87%E6%9B%B8.txt\")", TestUtil.Str(Load("rfc2231-params.eml").GetImapBodyStructure()), StringComparison.Ordinal);
        Assert.Contains("(\"name*\" {", TestUtil.Str(Load("rfc2231-params.eml").GetImapBodyStructure(imap4rev2: true)), StringComparison.Ordinal);
    }

    [Fact]
    public void ForwardedMessagesExposeTheirOwnTree()
    {
        MimeMessage m = Load("forwarded-message.eml");
        MimeMessage inner = m.Root.Children[1].Message!;
        Assert.Equal("orig-1@example.net", inner.MessageId);
        Assert.Equal("Café", inner.TextBody);
        Assert.Equal("Café", TestUtil.Str(m.FetchSection("2.1")).Replace("Caf=E9", "Café", StringComparison.Ordinal));
        Assert.Equal("Subject: original\r\n\r\n", TestUtil.Str(m.FetchSection("2.HEADER.FIELDS (SUBJECT)")));
        Assert.Equal("See below.", m.TextBody);
    }

    [Fact]
    public void BouncesExposeTheDeliveryStatus()
    {
        MimeMessage m = Load("dsn-bounce.eml");
        Assert.Equal("report", m.Root.ContentType.MediaSubtype);
        Assert.Equal("1A2B3C.1700000000/mx.example.org", m.Root.ContentType.Boundary);
        Assert.Contains("Status: 5.1.1", m.Root.Children[1].GetText(), StringComparison.Ordinal);
        Assert.Equal("Mail Delivery System", m.From[0].DisplayName);
    }

    [Fact]
    public void TruncatedMessagesKeepWhatArrived()
    {
        MimeMessage m = Load("truncated.eml");
        MimeEntity part = Assert.Single(m.Root.Children);
        Assert.Equal(69, part.GetDecodedBody().Length);
        Assert.True(m.Issues.HasFlag(MimeIssues.MissingCloseDelimiter));
    }

    [Fact]
    public void DigestPartsAreMessages()
    {
        MimeMessage m = Load("digest.eml");
        Assert.Equal(["first", "second"], m.Root.Children.Select(c => c.Message!.Subject));
    }

    [Fact]
    public void Iso2022JpTextAndSubjectDecode()
    {
        MimeMessage m = Load("iso-2022-jp.eml");
        Assert.Equal("日本語", m.Subject);
        Assert.Equal("日本語のメール\r\n", m.TextBody);
    }

    [Fact]
    public void AMessageWithoutHeadersIsAllBody()
    {
        MimeMessage m = Load("no-headers.eml");
        Assert.Empty(m.Headers);
        Assert.Equal("just a body with no header at all\r\n", m.TextBody);
    }

    [Fact]
    public void AHundredMegabyteAttachmentParsesQuicklyAndDecodesExactly()
    {
        const int size = 100 * 1024 * 1024;
        var content = new byte[size];
        new Random(42).NextBytes(content);
        byte[] message = BigMessage(content);
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        MimeMessage m = MimeMessage.Parse(message);
        var parseAllocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        MimeEntity att = m.Root.Children[1];
        Assert.Equal("big.bin", att.FileName);
        Assert.True(att.BodyLength > size);
        ReadOnlyMemory<byte> decoded = att.GetDecodedBody();
        Assert.Equal(size, decoded.Length);
        Assert.True(decoded.Span.SequenceEqual(content));
        Assert.Equal(MimeIssues.None, m.Issues);
        // Structure parsing scans the bytes and never copies the body: it allocates a tiny fraction
        // of the message (counted, not timed: a wall-clock limit fails on a busy machine).
        Assert.True(parseAllocated < size / 100, $"parsing allocated {parseAllocated} bytes");
    }

    internal static byte[] BigMessage(byte[] content)
    {
        byte[] head = TestUtil.Crlf("From: a@example.com\nSubject: big\nContent-Type: multipart/mixed; boundary=big\n\n--big\nContent-Type: text/plain\n\nsee attachment\n--big\nContent-Type: application/octet-stream\nContent-Disposition: attachment; filename=big.bin\nContent-Transfer-Encoding: base64\n\n");
        byte[] tail = TestUtil.Crlf("--big--\n");
        int lines = (content.Length + 56) / 57;
        var output = new byte[head.Length + (lines * 78) + tail.Length];
        head.CopyTo(output, 0);
        int o = head.Length;
        for (int i = 0; i < content.Length; i += 57)
        {
            Base64.EncodeToUtf8(content.AsSpan(i, Math.Min(57, content.Length - i)), output.AsSpan(o), out _, out int written);
            o += written;
            output[o++] = (byte)'\r';
            output[o++] = (byte)'\n';
        }

        tail.CopyTo(output, o);
        return output.AsSpan(0, o + tail.Length).ToArray();
    }
}

/// <summary>Structural invariants every parsed message must satisfy, whatever its input.</summary>
internal static class Invariants
{
    public static void Check(MimeMessage m, byte[] bytes)
    {
        foreach (MimeEntity e in m.Entities)
        {
            Assert.True(0 <= e.Offset && e.Offset <= e.BodyOffset && e.BodyOffset <= e.EndOffset && e.EndOffset <= bytes.Length, e.ToString());
            Assert.True(e.BodyLines >= 0 && e.HeaderLines >= 0);
            int last = e.Offset;
            foreach (Header h in e.Headers)
            {
                Assert.True(h.Offset >= last && h.Offset + h.Raw.Length <= e.BodyOffset);
                Assert.True(bytes.AsSpan(h.Offset, h.Raw.Length).SequenceEqual(h.Raw.Span));
                last = h.Offset + h.Raw.Length;
                _ = h.DecodedValue;
            }

            foreach (MimeEntity c in e.Children)
            {
                Assert.True(c.Offset >= e.BodyOffset && c.EndOffset <= e.EndOffset, c.ToString());
            }

            if (e.Message is not null)
            {
                Assert.Equal(e.BodyOffset, e.Message.Root.Offset);
            }

            _ = e.GetDecodedBody();
            _ = e.GetText();
            _ = e.FileName;
        }

        Assert.True(ImapSyntax.IsSingleList(m.GetImapEnvelope()), TestUtil.Str(m.GetImapEnvelope()));
        Assert.True(ImapSyntax.IsSingleList(m.GetImapBodyStructure()), TestUtil.Str(m.GetImapBodyStructure()));
        Assert.True(ImapSyntax.IsSingleList(m.GetImapBodyStructure(extensible: false)));
        foreach (MimeEntity e in m.Entities.Where(e => e.PartSpecifier.Length > 0))
        {
            Assert.NotNull(m.FetchSection(e.PartSpecifier));
            Assert.NotNull(m.FetchSection(e.PartSpecifier + ".MIME"));
        }

        Assert.Equal(bytes.Length, m.FetchSection("")!.Value.Length);
        Assert.NotNull(m.FetchSection("HEADER.FIELDS (From Subject)"));
        _ = m.ExtractText();
        _ = (m.Subject, m.Date, m.From, m.To, m.Cc, m.References, m.MessageId);
    }
}
