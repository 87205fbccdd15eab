using System.Text;

namespace HostedMail.Mime.Tests;

public class BuilderTests
{
    private static readonly MessageBuilderOptions Options = new() { TimeProvider = new FixedTime() };

    private sealed class FixedTime : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => new(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);

        public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;
    }

    private static MessageBuilder Basic()
    {
        var b = new MessageBuilder { Subject = "Hello", TextBody = "Hi there" };
        b.From.Add(new MailboxAddress("Ann Example", "ann", "example.com"));
        b.To.Add(new MailboxAddress(null, "bob", "example.org"));
        return b;
    }

    private static IEnumerable<string> Lines(byte[] raw) => Encoding.UTF8.GetString(raw).Split("\r\n");

    [Fact]
    public void ASimpleTextMessageIsSevenBitTextPlainWithStandardHeaders()
    {
        byte[] raw = Basic().Build(Options);
        MimeMessage m = MimeMessage.Parse(raw);
        Assert.Equal("text/plain", m.Root.ContentType.MimeType);
        Assert.Equal(ContentEncoding.SevenBit, m.Root.ContentEncoding);
        Assert.Equal("Hi there", m.TextBody);
        Assert.Equal("Hello", m.Subject);
        Assert.Equal(new DateTimeOffset(2026, 11, 22, 10, 0, 0, TimeSpan.Zero), m.Date);
        Assert.EndsWith("@example.com", m.MessageId, StringComparison.Ordinal);
        Assert.Equal("1.0", m.Headers.GetValue("MIME-Version"));
        Assert.Equal(MimeIssues.None, m.Issues);
    }

    [Fact]
    public void TextAndHtmlWithAttachmentsNestAlternativeInsideMixed()
    {
        MessageBuilder b = Basic();
        b.HtmlBody = "<p>Hi <img src=\"cid:logo\"></p>";
        b.InlineResources.Add(new MessageAttachment("logo.png", "image/png", new byte[] { 1, 2, 3 }) { ContentId = "logo" });
        b.Attachments.Add(new MessageAttachment("data.bin", "application/octet-stream", new byte[] { 0, 255 }));
        MimeMessage m = MimeMessage.Parse(b.Build(Options));
        Assert.Equal("multipart/mixed", m.Root.ContentType.MimeType);
        MimeEntity alt = m.Root.Children[0];
        Assert.Equal("multipart/alternative", alt.ContentType.MimeType);
        Assert.Equal("text/plain", alt.Children[0].ContentType.MimeType);
        MimeEntity related = alt.Children[1];
        Assert.Equal("multipart/related", related.ContentType.MimeType);
        Assert.Equal("logo", related.Children[1].ContentId);
        Assert.Equal(new byte[] { 1, 2, 3 }, related.Children[1].GetDecodedBody().ToArray());
        MimeEntity att = m.Root.Children[1];
        Assert.True(att.IsAttachment);
        Assert.Equal("data.bin", att.FileName);
        Assert.Equal(new byte[] { 0, 255 }, att.GetDecodedBody().ToArray());
        Assert.Equal(MimeIssues.None, m.Issues);
    }

    [Fact]
    public void NonAsciiHeadersAreEncodedAndFoldedWithinLimits()
    {
        MessageBuilder b = Basic();
        b.Subject = "Über die Straße: " + string.Concat(Enumerable.Repeat("sehr lange Betreffzeile mit Umlauten äöü ", 6));
        b.To.Clear();
        b.To.Add(new MailboxAddress("Jörg, der Große", "joerg", "bücher.example"));
        byte[] raw = b.Build(Options);
        string header = Encoding.UTF8.GetString(MimeMessage.Parse(raw).Root.RawHeader.Span);
        Assert.True(Ascii.IsValid(header));
        Assert.All(header.Split("\r\n"), l => Assert.True(l.Length <= 78, $"{l.Length}: {l}"));
        MimeMessage m = MimeMessage.Parse(raw);
        Assert.Equal(b.Subject, m.Subject);
        MailboxAddress to = (MailboxAddress)m.To[0];
        Assert.Equal("Jörg, der Große", to.DisplayName);
        Assert.Equal("xn--bcher-kva.example", to.Domain);
    }

    [Fact]
    public void Utf8HeadersAreWrittenRawWhenAllowed()
    {
        MessageBuilder b = Basic();
        b.Subject = "Grüße";
        byte[] raw = b.Build(Options with { AllowUtf8Headers = true });
        Assert.Contains("Subject: Grüße\r\n", Encoding.UTF8.GetString(raw), StringComparison.Ordinal);
    }

    [Fact]
    public void LongLinesAndNonAsciiTextAreTransferEncoded()
    {
        MessageBuilder b = Basic();
        b.TextBody = new string('x', 2000) + "\nzweite Zeile äöü";
        byte[] raw = b.Build(Options);
        Assert.All(Lines(raw), l => Assert.True(l.Length <= 76, l.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        MimeMessage m = MimeMessage.Parse(raw);
        Assert.Equal(ContentEncoding.QuotedPrintable, m.Root.ContentEncoding);
        Assert.Equal(new string('x', 2000) + "\r\nzweite Zeile äöü", m.TextBody);
        b.TextBody = "Всё на русском языке, без латиницы вообще";
        MimeMessage cyr = MimeMessage.Parse(b.Build(Options));
        Assert.Equal(ContentEncoding.Base64, cyr.Root.ContentEncoding);
        Assert.Equal(b.TextBody, cyr.TextBody);
        MimeMessage eight = MimeMessage.Parse(b.Build(Options with { Allow8BitBodies = true }));
        Assert.Equal(ContentEncoding.EightBit, eight.Root.ContentEncoding);
    }

    [Fact]
    public void NonAsciiAndLongFileNamesUseRfc2231()
    {
        MessageBuilder b = Basic();
        string name = "Angebot für " + new string('ä', 40) + ".pdf";
        b.Attachments.Add(new MessageAttachment(name, "application/pdf", new byte[] { 1 }));
        byte[] raw = b.Build(Options);
        string text = Encoding.UTF8.GetString(raw);
        Assert.Contains("filename*0*=utf-8''", text, StringComparison.Ordinal);
        Assert.Equal(name, MimeMessage.Parse(raw).Root.Children[1].FileName);
    }

    [Fact]
    public void AttachedMessagesAreNotBase64Encoded()
    {
        MessageBuilder b = Basic();
        b.Attachments.Add(new MessageAttachment("fwd.eml", "message/rfc822", TestUtil.Crlf("Subject: inner\n\nbody\n")));
        MimeMessage m = MimeMessage.Parse(b.Build(Options));
        MimeEntity part = m.Root.Children[1];
        Assert.Equal(ContentEncoding.SevenBit, part.ContentEncoding);
        Assert.Equal("inner", part.Message!.Subject);
    }

    [Fact]
    public void GroupsAndReferencesAreWritten()
    {
        MessageBuilder b = Basic();
        b.To.Add(new GroupAddress("Team", [new MailboxAddress(null, "a", "x.test"), new MailboxAddress(null, "b", "x.test")]));
        b.InReplyTo.Add("p@x");
        b.References.AddRange(["r1@x", "p@x"]);
        MimeMessage m = MimeMessage.Parse(b.Build(Options));
        Assert.Equal(3, m.To.Mailboxes().Count());
        Assert.IsType<GroupAddress>(m.To[1]);
        Assert.Equal(["p@x"], m.InReplyTo);
        Assert.Equal(["r1@x", "p@x"], m.References);
    }

    [Fact]
    public void DeliveryStatusNotificationsAreMultipartReports()
    {
        byte[] original = TestUtil.Crlf("From: ann@example.com\nTo: nobody@example.org\nSubject: lost\n\nthe original text\n");
        var dsn = new DeliveryStatusNotification("mx.example.com", new MailboxAddress("Mail Delivery System", "MAILER-DAEMON", "mx.example.com"), new MailboxAddress(null, "ann", "example.com"))
        {
            OriginalMessage = original,
            ArrivalDate = new DateTimeOffset(2026, 11, 22, 9, 0, 0, TimeSpan.Zero),
        };
        dsn.Recipients.Add(new DsnRecipient("nobody@example.org", DsnAction.Failed, "5.1.1") { RemoteMta = "mx.example.org", DiagnosticCode = "550 5.1.1 No such user" });
        MimeMessage m = MimeMessage.Parse(dsn.Build(Options));
        Assert.Equal("multipart/report", m.Root.ContentType.MimeType);
        Assert.Equal("delivery-status", m.Root.ContentType.Parameters["report-type"]);
        Assert.Equal(["text/plain", "message/delivery-status", "text/rfc822-headers"], m.Root.Children.Select(c => c.ContentType.MimeType));
        string status = m.Root.Children[1].GetText();
        Assert.Contains("Reporting-MTA: dns; mx.example.com\r\n", status, StringComparison.Ordinal);
        Assert.Contains("\r\n\r\nFinal-Recipient: rfc822;nobody@example.org\r\nAction: failed\r\nStatus: 5.1.1\r\n", status, StringComparison.Ordinal);
        Assert.Contains("Diagnostic-Code: smtp; 550 5.1.1 No such user", status, StringComparison.Ordinal);
        Assert.Contains("Subject: lost", m.Root.Children[2].GetText(), StringComparison.Ordinal);
        Assert.DoesNotContain("original text", m.Root.Children[2].GetText(), StringComparison.Ordinal);
        Assert.Equal("auto-replied", m.Headers.GetValue("Auto-Submitted"));
    }

    [Fact]
    public void DsnFieldsWriteATypedOrcptOnceAndOurOwnReasonsUnderAnXType()
    {
        var dsn = new DeliveryStatusNotification("mx.example.com", new MailboxAddress("Mail Delivery System", "MAILER-DAEMON", "mx.example.com"), new MailboxAddress(null, "ann", "example.com"))
        {
            Subject = "Unzustellbare Nachricht an den Absender zurückgeschickt",
            Explanation = "Ihre Nachricht konnte nicht zugestellt werden.",
            Language = "de",
        };
        dsn.Recipients.Add(new DsnRecipient("a@example.org", DsnAction.Failed, "5.1.2") { OriginalRecipient = "rfc822;A@example.org", DiagnosticType = "X-HostedMail", DiagnosticCode = "domain example.org does not exist" });
        dsn.Recipients.Add(new DsnRecipient("b@example.org", DsnAction.Delayed, "4.2.1") { OriginalRecipient = "b@example.org", DiagnosticCode = "450 4.2.1 busy" });
        MimeMessage m = MimeMessage.Parse(dsn.Build(Options));
        Assert.Equal("Unzustellbare Nachricht an den Absender zurückgeschickt", m.Subject);
        Assert.Equal("de", m.Root.Children[0].Headers.GetValue("Content-Language"));
        Assert.Equal("Ihre Nachricht konnte nicht zugestellt werden.", m.Root.Children[0].GetText().TrimEnd());
        string status = m.Root.Children[1].GetText();
        // RFC 3464 section 2.3.1: address-type ";" generic-address, the type given once.
        Assert.Contains("\r\n\r\nOriginal-Recipient: rfc822;A@example.org\r\nFinal-Recipient: rfc822;a@example.org\r\n", status, StringComparison.Ordinal);
        Assert.Contains("\r\n\r\nOriginal-Recipient: rfc822;b@example.org\r\nFinal-Recipient: rfc822;b@example.org\r\n", status, StringComparison.Ordinal);
        // Section 2.3.6: "smtp" only for SMTP replies.
        Assert.Contains("Diagnostic-Code: X-HostedMail; domain example.org does not exist\r\n", status, StringComparison.Ordinal);
        Assert.Contains("Diagnostic-Code: smtp; 450 4.2.1 busy\r\n", status, StringComparison.Ordinal);
    }

    [Fact]
    public void DsnSubjectsSayWhatHappened()
    {
        string SubjectOf(DsnAction action)
        {
            var dsn = new DeliveryStatusNotification("mx.example.com", new MailboxAddress(null, "MAILER-DAEMON", "mx.example.com"), new MailboxAddress(null, "ann", "example.com"));
            dsn.Recipients.Add(new DsnRecipient("a@example.org", action, action == DsnAction.Delayed ? "4.0.0" : "2.0.0"));
            return MimeMessage.Parse(dsn.Build(Options)).Subject!;
        }

        Assert.Equal("Delayed Mail (still being retried)", SubjectOf(DsnAction.Delayed));
        Assert.Equal("Successful Mail Delivery Report", SubjectOf(DsnAction.Relayed));
        Assert.Equal("Undelivered Mail Returned to Sender", SubjectOf(DsnAction.Failed));
    }

    [Fact]
    public void DsnsOfUtf8MessagesUseGlobalTypes()
    {
        byte[] original = TestUtil.Crlf("From: jörg@bücher.example\nSubject: ü\n\nbody\n");
        var dsn = new DeliveryStatusNotification("mx.example.com", new MailboxAddress(null, "MAILER-DAEMON", "mx.example.com"), new MailboxAddress(null, "jörg", "bücher.example"))
        {
            OriginalMessage = original,
            ReturnFullMessage = true,
        };
        dsn.Recipients.Add(new DsnRecipient("x@y.example", DsnAction.Failed, "5.0.0"));
        MimeMessage m = MimeMessage.Parse(dsn.Build(Options with { AllowUtf8Headers = true }));
        Assert.Equal(["text/plain", "message/global-delivery-status", "message/global"], m.Root.Children.Select(c => c.ContentType.MimeType));
        Assert.Equal("ü", m.Root.Children[2].Message!.Subject);
    }
}
