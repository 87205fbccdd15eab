namespace HostedMail.Mime.Tests;

/// <summary>
/// What BODYSTRUCTURE says about parameters, message/global parts and the transfer encoding, for
/// IMAP4rev1 sessions (RFC 3501 section 7.4.2 and 9) and IMAP4rev2 ones (RFC 9051 section 7.5.2 and 9).
/// </summary>
public sealed class ImapBodyStructureParameterTests
{
    private const string Attachment = """
        From: a@example.com
        Subject: parameters
        MIME-Version: 1.0
        Content-Type: multipart/mixed; boundary=b

        --b
        Content-Type: text/plain

        See attached.
        --b
        Content-Type: application/pdf; name="=?UTF-8?Q?Rechnung_M=C3=A4rz.pdf?="
        Content-Disposition: attachment; filename*=UTF-8''Rechnung%20M%C3%A4rz.pdf; size=64
        Content-Transfer-Encoding: base64

        JVBERi0=
        --b
        Content-Type: application/vnd.ms-excel; name=fallback.xls; name*=iso-8859-1''Pr%FCfung.xls
        Content-Disposition: attachment;
         filename*0*=UTF-8''quarterly%20report%20;
         filename*1*=%E2%80%94%20final.xlsx
        Content-Transfer-Encoding: quoted-printable (for the umlauts)

        abc
        --b--
        """;

    private const string Global = """
        From: a@example.com
        Subject: global
        MIME-Version: 1.0
        Content-Type: multipart/mixed; boundary=b

        --b
        Content-Type: text/plain

        Forwarded.
        --b
        Content-Type: message/global

        From: Zoë <zoë@büro.example>
        Subject: Grüße

        Hallo
        --b--
        """;

    [Fact]
    public void EncodedWordsInsideQuotedParametersAreReturnedAsWritten()
    {
        // RFC 2047 section 5: an encoded-word is not allowed in a parameter; the client decides.
        var structure = TestUtil.Str(TestUtil.Parse(Attachment).GetImapBodyStructure());
        Assert.Contains("(\"name\" \"=?UTF-8?Q?Rechnung_M=C3=A4rz.pdf?=\")", structure, StringComparison.Ordinal);
    }

    [Fact]
    public void ACharsetEncodedParameterKeepsItsAsteriskAndItsEncodingForImap4rev1()
    {
        var structure = TestUtil.Str(TestUtil.Parse(Attachment).GetImapBodyStructure());
        Assert.Contains("(\"attachment\" (\"size\" \"64\" \"filename*\" \"UTF-8''Rechnung%20M%C3%A4rz.pdf\"))", structure, StringComparison.Ordinal);
        // Continuations are one value (RFC 2231 section 3), joined in their encoded form.
        Assert.Contains("(\"filename*\" \"UTF-8''quarterly%20report%20%E2%80%94%20final.xlsx\")", structure, StringComparison.Ordinal);
        // A plain name sent beside the RFC 2231 one for older readers is a parameter of its own.
        Assert.Contains("(\"name\" \"fallback.xls\" \"name*\" \"iso-8859-1''Pr%FCfung.xls\")", structure, StringComparison.Ordinal);
    }

    [Fact]
    public void ACharsetEncodedParameterIsDecodedToUtf8ForImap4rev2()
    {
        var structure = TestUtil.Str(TestUtil.Parse(Attachment).GetImapBodyStructure(utf8Quoted: true, imap4rev2: true));
        Assert.Contains("\"filename*\" \"Rechnung März.pdf\"", structure, StringComparison.Ordinal);
        Assert.Contains("(\"filename*\" \"quarterly report — final.xlsx\")", structure, StringComparison.Ordinal);
        Assert.Contains("\"name*\" \"Prüfung.xls\"", structure, StringComparison.Ordinal);
    }

    [Fact]
    public void TheTransferEncodingIsItsMechanismTokenWithoutComments()
    {
        var structure = TestUtil.Str(TestUtil.Parse(Attachment).GetImapBodyStructure());
        Assert.Contains("NIL NIL \"quoted-printable\" ", structure, StringComparison.Ordinal);
        Assert.DoesNotContain("umlauts", structure, StringComparison.Ordinal);
        var binary = TestUtil.Str(TestUtil.Parse("Content-Type: text/plain\nContent-Transfer-Encoding: binary; foo=bar\n\nx\n").GetImapBodyStructure());
        Assert.StartsWith("(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"binary\" ", binary, StringComparison.Ordinal);
    }

    [Fact]
    public void AMessageGlobalPartIsABasicBodyForImap4rev1AndAMessageBodyForImap4rev2()
    {
        var message = TestUtil.Parse(Global);
        var rev1 = TestUtil.Str(message.GetImapBodyStructure());
        Assert.True(ImapSyntax.IsSingleList(message.GetImapBodyStructure()), rev1);
        // RFC 3501 section 9: body-type-basic, so size is followed by the extension data, not an envelope.
        Assert.Matches("\\(\"message\" \"global\" NIL NIL NIL \"7bit\" \\d+ NIL NIL NIL NIL\\)", rev1);
        var rev2 = TestUtil.Str(message.GetImapBodyStructure(utf8Quoted: true, imap4rev2: true));
        Assert.Matches("\\(\"message\" \"global\" NIL NIL NIL \"7bit\" \\d+ \\(NIL \"Grüße\"", rev2);
        Assert.DoesNotMatch("\"message\" \"global\" NIL NIL NIL \"7bit\" \\d+ \\(NIL \"Gr", rev1);
    }

    [Fact]
    public void WhereTheRev1FormSaysTheRev2FormIsTheSameItIsOverTheWholeCorpus()
    {
        int same = 0, different = 0;
        foreach (var corpusMessage in HostedMail.Testing.Corpus.RealWorldCorpus.Generate().Concat(HostedMail.Testing.Corpus.DebianMailCorpus.Load()))
        {
            MimeMessage m = MimeMessage.Parse(corpusMessage.Bytes);
            byte[] rev1 = m.GetImapBodyStructure();
            if (ImapBodyStructure.SameForImap4rev2(rev1))
            {
                Assert.Equal(rev1, m.GetImapBodyStructure(utf8Quoted: true, imap4rev2: true));
                same++;
            }
            else
            {
                different++;
            }
        }

        // Most messages take the cached form; the ones with the marks are computed again.
        Assert.True(same > different && different > 0, $"{same} same, {different} computed");
    }

    [Fact]
    public void TheMarksOfADifferentRev2FormAreSeen()
    {
        Assert.False(ImapBodyStructure.SameForImap4rev2(TestUtil.Parse(Attachment).GetImapBodyStructure()));
        Assert.True(ImapBodyStructure.SameForImap4rev2("(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 4 1 NIL NIL NIL NIL)"u8));
        Assert.False(ImapBodyStructure.SameForImap4rev2("(\"message\" \"GLOBAL\" NIL NIL NIL \"8bit\" 4 NIL NIL NIL NIL)"u8));
        Assert.False(ImapBodyStructure.SameForImap4rev2("(\"text\" \"plain\" (\"name\" {5}\r\nM\u00e4rz) NIL NIL \"7bit\" 4 1 NIL NIL NIL NIL)"u8));
    }
}
