using System.Text;

namespace HostedMail.Testing.Corpus;

// What machines send: bounces, receipts, auto-replies, mailing lists and newsletters.
public static partial class RealWorldCorpus
{
    private static void DsnBounce(Context c)
    {
        // RFC 3464 delivery status notification as Postfix writes it.
        c.Envelope(subject: "Undelivered Mail Returned to Sender", from: "MAILER-DAEMON@mx.example.org (Mail Delivery System)");
        c.W.Line("Auto-Submitted: auto-replied");
        string b = $"{CorpusPieces.Hex(c.R, 5).ToUpperInvariant()}.{c.R.Next()}/mx.example.org";
        c.W.Line($"Content-Type: multipart/report; report-type=delivery-status;\r\n\tboundary=\"{b}\"");
        c.W.Line("Content-Transfer-Encoding: 8bit").Line();
        c.W.Line("This is a MIME-encapsulated message.").Line();
        c.W.Line($"--{b}");
        c.W.Line("Content-Description: Notification");
        c.W.Line("Content-Type: text/plain; charset=utf-8").Line();
        c.W.Line("This is the mail system at host mx.example.org.").Line();
        c.W.Line("I'm sorry to have to inform you that your message could not");
        c.W.Line("be delivered to one or more recipients.").Line();
        c.W.Line("<nobody@example.net>: host mx.example.net[192.0.2.7] said: 550 5.1.1");
        c.W.Line("    <nobody@example.net>: Recipient address rejected (in reply to RCPT TO command)").Line();
        c.W.Line($"--{b}");
        c.W.Line("Content-Description: Delivery report");
        c.W.Line("Content-Type: message/delivery-status").Line();
        c.W.Line("Reporting-MTA: dns; mx.example.org");
        c.W.Line("X-Postfix-Queue-ID: 4XyZ1A2B3C");
        c.W.Line("Arrival-Date: " + CorpusPieces.Date(c.R, "+0200")).Line();
        c.W.Line("Final-Recipient: rfc822; nobody@example.net");
        c.W.Line("Original-Recipient: rfc822;nobody@example.net");
        c.W.Line("Action: failed");
        c.W.Line("Status: 5.1.1");
        c.W.Line("Remote-MTA: dns; mx.example.net");
        c.W.Line("Diagnostic-Code: smtp; 550 5.1.1 <nobody@example.net>: Recipient address rejected").Line();
        c.W.Line($"--{b}");
        c.W.Line("Content-Description: Undelivered Message");
        c.W.Line("Content-Type: message/rfc822");
        c.W.Line("Content-Transfer-Encoding: 8bit").Line();
        c.W.Line("From: Alice <alice@acme.example>");
        c.W.Line("To: nobody@example.net");
        c.W.Line("Subject: =?utf-8?Q?Gr=C3=BC=C3=9Fe?=");
        c.W.Line("Date: " + CorpusPieces.Date(c.R, "+1245"));
        c.W.Line("Content-Type: text/plain; charset=utf-8").Line();
        c.W.Line("Original body with 8-bit: Grüße").Line();
        c.W.Line($"--{b}--");
    }

    private static void DsnHeadersOnly(Context c)
    {
        // Exchange NDR: text/rfc822-headers instead of the whole message (RFC 6522 section 4).
        c.Envelope(subject: "Undeliverable: Quarterly numbers", from: "Microsoft Outlook <postmaster@outlook.com>");
        string b = c.Boundary("outlook");
        c.W.Line($"Content-Type: multipart/report; report-type=delivery-status;\r\n\tboundary=\"{b}\"").Line();
        c.W.Line($"--{b}");
        c.W.Line("Content-Type: multipart/alternative; differences=Content-Type;");
        c.W.Line($"\tboundary=\"{b}alt\"").Line();
        Alternative(c, b + "alt", "Delivery has failed to these recipients or groups:\r\nnobody@example.net\r\n", "us-ascii");
        c.W.Line();
        c.W.Line($"--{b}");
        c.W.Line("Content-Type: message/delivery-status").Line();
        c.W.Line("Reporting-MTA: dns;AM0PR04MB1234.eurprd04.prod.outlook.com");
        c.W.Line("Received-From-MTA: dns;DB7PR04MB4321.eurprd04.prod.outlook.com").Line();
        c.W.Line("Final-Recipient: rfc822;nobody@example.net");
        c.W.Line("Action: failed");
        c.W.Line("Status: 5.4.1");
        c.W.Line("Diagnostic-Code: smtp;550 5.4.1 Recipient address rejected: Access denied.").Line();
        c.W.Line($"--{b}");
        c.W.Line("Content-Type: text/rfc822-headers").Line();
        c.W.Line("From: Alice <alice@acme.example>");
        c.W.Line("To: <nobody@example.net>");
        c.W.Line("Subject: Quarterly numbers");
        c.W.Line("Date: " + CorpusPieces.Date(c.R, "-0500")).Line();
        c.W.Line($"--{b}--");
    }

    private static void ReadReceipt(Context c)
    {
        // RFC 8098 message disposition notification.
        c.Envelope(subject: "Read: Quarterly numbers");
        string b = c.Boundary();
        c.W.Line($"Content-Type: multipart/report; report-type=disposition-notification; boundary=\"{b}\"").Line();
        c.W.Line($"--{b}");
        TextPart(c, "Your message was read on Tuesday.\r\n", "utf-8", "7bit");
        c.W.Line($"--{b}");
        c.W.Line("Content-Type: message/disposition-notification").Line();
        c.W.Line("Reporting-UA: Mozilla Thunderbird");
        c.W.Line("Final-Recipient: rfc822;alice@acme.example");
        c.W.Line("Original-Message-ID: <orig@example.org>");
        c.W.Line("Disposition: manual-action/MDN-sent-manually; displayed").Line();
        c.W.Line($"--{b}--");
    }

    private static void PlainBounce(Context c)
    {
        // qmail-style bounce: plain text, no MIME structure, the original quoted inline.
        c.Envelope(subject: "failure notice", from: "MAILER-DAEMON@example.net", mimeVersion: false);
        c.W.Line().Line("Hi. This is the qmail-send program at example.net.");
        c.W.Line("I'm afraid I wasn't able to deliver your message to the following addresses.").Line();
        c.W.Line("<nobody@example.net>:").Line("Sorry, no mailbox here by that name. (#5.1.1)").Line();
        c.W.Line("--- Below this line is a copy of the message.").Line();
        c.W.Line("Return-Path: <alice@acme.example>");
        c.W.Line("From: alice@acme.example").Line("Subject: hello").Line().Line("hello");
    }

    private static void AutoReply(Context c)
    {
        // RFC 3834 auto-reply, Exchange style.
        c.Envelope(subject: "Automatic reply: " + c.R.Pick(["Quarterly numbers", "=?utf-8?Q?Abwesenheitsnotiz=3A_Gr=C3=BC=C3=9Fe?="]));
        c.W.Line("Auto-Submitted: auto-replied");
        c.W.Line("X-Auto-Response-Suppress: All");
        c.W.Line("X-MS-Exchange-Inbox-Rules-Loop: bob@example.org");
        c.W.Line("Precedence: bulk");
        c.W.Line("X-Autoreply: yes");
        TextPart(c, "Ich bin bis 10. Juni nicht im Büro. I am out of the office until June 10.\r\n", c.R.Pick(["utf-8", "iso-8859-1", "windows-1252"]), c.R.Pick(["quoted-printable", "base64", "8bit"]));
    }

    private static void MailingListFooter(Context c)
    {
        // Mailman 2/3: List-* headers (RFC 2369, RFC 2919), subject prefix, footer as its own part.
        c.Envelope(subject: "[dev-list] Re: " + c.R.Pick(["release 2.1", "=?utf-8?q?Gr=C3=BC=C3=9Fe?="]));
        c.W.Line("List-Id: Developers <dev-list.lists.example.org>");
        c.W.Line("List-Unsubscribe: <https://lists.example.org/mailman/options/dev-list>,\r\n <mailto:dev-list-request@lists.example.org?subject=unsubscribe>");
        c.W.Line("List-Archive: <https://lists.example.org/pipermail/dev-list/>");
        c.W.Line("List-Post: <mailto:dev-list@lists.example.org>");
        c.W.Line("List-Help: <mailto:dev-list-request@lists.example.org?subject=help>");
        c.W.Line("List-Subscribe: <https://lists.example.org/mailman/listinfo/dev-list>,\r\n <mailto:dev-list-request@lists.example.org?subject=subscribe>");
        c.W.Line("Precedence: list");
        c.W.Line("Errors-To: dev-list-bounces@lists.example.org");
        c.W.Line("Sender: \"dev-list\" <dev-list-bounces@lists.example.org>");
        if (c.R.Next(2) == 0)
        {
            string b = "===============" + c.R.NextInt64(1_000_000_000_000_000, long.MaxValue) + "==";
            c.W.Line($"Content-Type: multipart/mixed; boundary=\"{b}\"").Line();
            c.W.Line($"--{b}");
            TextPart(c, SampleText(c, out string cs), cs, "base64");
            c.W.Line($"--{b}");
            c.W.Line("Content-Type: text/plain; charset=\"us-ascii\"");
            c.W.Line("MIME-Version: 1.0");
            c.W.Line("Content-Transfer-Encoding: 7bit");
            c.W.Line("Content-Disposition: inline").Line();
            c.W.Line("_______________________________________________");
            c.W.Line("dev-list mailing list");
            c.W.Line("dev-list@lists.example.org");
            c.W.Line("https://lists.example.org/mailman/listinfo/dev-list").Line();
            c.W.Line($"--{b}--");
        }
        else
        {
            c.W.Line("Content-Type: text/plain; charset=us-ascii").Line();
            c.W.Text(CorpusPieces.Paragraph(c.R, 8));
            c.W.Line("_______________________________________________").Line("dev-list mailing list");
        }
    }

    private static void MailingListDigest(Context c)
    {
        // RFC 2046 section 5.1.5: in multipart/digest the default part type is message/rfc822.
        c.Envelope(subject: "dev-list Digest, Vol 12, Issue 3");
        string b = c.Boundary();
        c.W.Line("List-Id: Developers <dev-list.lists.example.org>");
        c.W.Line($"Content-Type: multipart/mixed; boundary=\"{b}\"").Line();
        c.W.Line($"--{b}");
        TextPart(c, "Today's Topics:\r\n\r\n   1. release 2.1\r\n   2. build failed\r\n", "us-ascii", "7bit");
        c.W.Line($"--{b}");
        c.W.Line($"Content-Type: multipart/digest; boundary=\"{b}-digest\"").Line();
        for (int i = 1; i <= c.R.Next(2, 5); i++)
        {
            c.W.Line($"--{b}-digest").Line();
            c.W.Line($"From: member{i}@example.org");
            c.W.Line($"Subject: topic {i}");
            c.W.Line("Date: " + CorpusPieces.Date(c.R, c.R.Pick(CorpusPieces.Offsets)));
            c.W.Line($"Message-ID: <digest{i}.{c.Index}@example.org>").Line();
            c.W.Line($"Message number {i} of the digest.").Line();
        }

        c.W.Line($"--{b}-digest--").Line();
        c.W.Line($"--{b}--");
    }

    private static void NewsletterHtml(Context c)
    {
        c.Envelope(subject: "=?utf-8?Q?=F0=9F=8E=89_Our_summer_sale_starts_now_=E2=80=93_up_to_50=25_off?=", from: "\"Shop Newsletter\" <news@mail.shop.example>");
        c.W.Line("List-Unsubscribe: <https://shop.example/unsubscribe?u=" + CorpusPieces.Hex(c.R, 16) + ">, <mailto:unsub@shop.example>");
        c.W.Line("List-Unsubscribe-Post: List-Unsubscribe=One-Click");
        c.W.Line("Feedback-ID: 123:campaign-42:newsletter:esp");
        c.W.Line("Precedence: bulk");
        c.W.Line("X-Campaign: summer-sale");
        var html = new StringBuilder("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><style>td{font-family:Arial}</style></head><body>");
        for (int i = c.R.Next(10, 60); i > 0; i--)
        {
            html.Append("<table width=\"100%\" cellpadding=\"0\"><tr><td style=\"padding:10px;color:#333\">Angebot – 50% Rabatt auf alles! <a href=\"https://click.shop.example/?id=").Append(CorpusPieces.Hex(c.R, 20)).Append("\">Jetzt kaufen</a></td></tr></table>");
        }

        html.Append("</body></html>\r\n");
        TextPart(c, html.ToString(), "utf-8", c.R.Next(2) == 0 ? "quoted-printable" : "base64", "html");
    }
}
