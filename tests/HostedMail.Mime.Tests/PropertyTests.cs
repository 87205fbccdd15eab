using System.Text;
using FsCheck;
using FsCheck.Fluent;
using HostedMail.Testing.Properties;

namespace HostedMail.Mime.Tests;

public class PropertyTests
{
    private static readonly Config Quick = PropertyRuns.Config(300);

    private static readonly string[] Fragments =
    [
        "\r\n", "\n", "\r", "\r\n\r\n", "--b\r\n", "--b--\r\n", "--c\r\n", "--c--", "--b", " ", "\t", ":", "\0",
        "Content-Type: multipart/mixed; boundary=b\r\n", "Content-Type: multipart/alternative; boundary=c\r\n",
        "Content-Type: message/rfc822\r\n", "Content-Type: multipart/digest; boundary=b\r\n",
        "Content-Transfer-Encoding: base64\r\n", "Content-Transfer-Encoding: quoted-printable\r\n",
        "Subject: =?utf-8?q?a=C3?= =?utf-8?b?qQ==?=\r\n", "From: \"x\" <a@b>, g: c@d;\r\n", "To: <@r:a@b>,,(c\r\n",
        "Content-Disposition: attachment; filename*0*=utf-8''%E2; filename*1*=%82%AC\r\n",
        "AAEC", "=3D", "=\r\n", "\u00e9", "\u65e5", "Date: 1 Jan 99 00:00 EST\r\n", "Message-ID: <x@y>\r\n",
    ];

    [Fact]
    public void ArbitraryBytesNeverThrowAndAlwaysYieldAConsistentTree()
    {
        Prop.ForAll(ArbMap.Default.ArbFor<byte[]>(), bytes =>
        {
            Invariants.Check(MimeMessage.Parse(bytes), bytes);
            return true;
        }).Check(Quick);
    }

    [Fact]
    public void MimeShapedNoiseNeverThrowsAndAlwaysYieldsAConsistentTree()
    {
        Gen<byte[]> gen = Gen.Elements(Fragments).ListOf().Select(parts => Encoding.UTF8.GetBytes(string.Concat(parts)));
        Prop.ForAll(gen.ToArbitrary(), bytes =>
        {
            Invariants.Check(MimeMessage.Parse(bytes, new MimeParserOptions { MaxNestingDepth = 8 }), bytes);
            return true;
        }).Check(PropertyRuns.Config(1000));
    }

    private static Gen<string> TextGen(string alphabet, int maxLength) =>
        Gen.Elements(alphabet.EnumerateRunes().Select(r => r.ToString()).ToArray()).ListOf()
            .Select(l => string.Concat(l.Take(maxLength)));

    private const string Alphabet = "abc XYZ 019 .,;:\"\\()<>@=?_-'\t\u00e9\u00fc\u00df\u20ac\u65e5\u672c\u0416\U0001F600";

    [Fact]
    public void BuiltMessagesParseBackToWhatWasBuilt()
    {
        Gen<(string Subject, string Name, string Text, string FileName, byte[] Data)> gen =
            from subject in TextGen(Alphabet, 200)
            from name in TextGen(Alphabet, 40)
            from text in TextGen(Alphabet + "\n\n\r\n", 3000)
            from file in TextGen(Alphabet, 80)
            from data in ArbMap.Default.GeneratorFor<byte[]>()
            select (subject, name, text, file, data);
        Prop.ForAll(gen.ToArbitrary(), c =>
        {
            var b = new MessageBuilder { Subject = c.Subject, TextBody = c.Text };
            b.From.Add(new MailboxAddress(c.Name.Trim().Length == 0 ? null : c.Name, "sender", "bücher.example"));
            b.To.Add(new MailboxAddress(null, "to", "example.org"));
            string fileName = c.FileName.Trim().Length == 0 ? "f.bin" : c.FileName;
            b.Attachments.Add(new MessageAttachment(fileName, "application/octet-stream", c.Data));
            byte[] raw = b.Build();
            MimeMessage m = MimeMessage.Parse(raw);
            string expectedText = c.Text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n').Replace("\n", "\r\n", StringComparison.Ordinal);
            string expectedSubject = c.Subject.Replace("\r", string.Empty, StringComparison.Ordinal).Replace('\n', ' ');
            MailboxAddress from = (MailboxAddress)m.From[0];
            bool linesOk = Encoding.UTF8.GetString(raw).Split("\r\n").All(l => l.Length <= 998);
            // Surrounding whitespace of a field value is not significant once unfolded.
            return m.Issues == MimeIssues.None
                && m.Subject?.Trim(' ', '\t') == expectedSubject.Trim(' ', '\t')
                && m.TextBody == expectedText
                && from.DisplayName?.Trim() == (c.Name.Trim().Length == 0 ? null : c.Name.Trim())
                && from.UnicodeDomain == "bücher.example"
                && m.Attachments.Single().FileName == fileName
                && m.Attachments.Single().GetDecodedBody().Span.SequenceEqual(c.Data)
                && Ascii.IsValid(raw)
                && linesOk;
        }).Check(PropertyRuns.Config(200));
    }

    [Fact]
    public void EncodedWordsRoundTripAnyText()
    {
        Prop.ForAll(TextGen(Alphabet, 300).ToArbitrary(), text =>
            EncodedWords.Decode(string.Join(" ", EncodedWords.EncodeWords(text))) == text).Check(Quick);
    }

    [Fact]
    public void PunycodeRoundTripsAnyLabel()
    {
        Prop.ForAll(TextGen("abz09-\u00e9\u00fc\u65e5\u672c\u0416\U0001F600", 60).ToArbitrary(), label =>
            Punycode.Decode(Punycode.Encode(label)!) == label).Check(Quick);
    }

    [Fact]
    public void TransferEncodingsRoundTripAnyBytes()
    {
        Prop.ForAll(ArbMap.Default.ArbFor<byte[]>(), data =>
        {
            var b64 = new System.Buffers.ArrayBufferWriter<byte>();
            BodyEncoder.WriteBase64(b64, data);
            byte[] crlf = BodyEncoder.ToCrlf(data);
            var qp = new System.Buffers.ArrayBufferWriter<byte>();
            BodyEncoder.WriteQuotedPrintable(qp, crlf);
            return TransferDecoding.DecodeBase64(b64.WrittenSpan).AsSpan().SequenceEqual(data)
                && TransferDecoding.DecodeQuotedPrintable(qp.WrittenSpan).AsSpan().SequenceEqual(crlf)
                && BodyEncoder.LongestLine(qp.WrittenSpan) <= 76;
        }).Check(Quick);
    }

    [Fact]
    public void AddressesWrittenByTheBuilderParseBack()
    {
        Gen<(string Name, string Local)> gen =
            from name in TextGen(Alphabet, 50)
            from local in TextGen("abcxyz019.-_+\" \\@", 20)
            select (name, local);
        Prop.ForAll(gen.ToArbitrary(), c =>
        {
            string local = c.Local.Length == 0 ? "x" : c.Local;
            string? name = c.Name.Trim().Length == 0 ? null : c.Name;
            var sb = new StringBuilder();
            HeaderFormatter.WriteAddresses(sb, "To", [new MailboxAddress(name, local, "example.com")], utf8: false);
            MailboxAddress parsed = (MailboxAddress)AddressParser.ParseList(Header.Unfold(Encoding.UTF8.GetBytes(sb.ToString()[3..])))[0];
            // Whitespace around a display name is not significant (RFC 5322 section 3.2.2 CFWS).
            return parsed.DisplayName?.Trim() == name?.Trim() && parsed.LocalPart == local && parsed.Domain == "example.com";
        }).Check(Quick);
    }
}
