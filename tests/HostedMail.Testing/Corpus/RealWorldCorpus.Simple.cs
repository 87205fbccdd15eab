using System.Text;

namespace HostedMail.Testing.Corpus;

// Single-part shapes, header quirks and transfer-encoding quirks.
public static partial class RealWorldCorpus
{
    private static void PlainAscii(Context c)
    {
        c.Envelope();
        c.W.Line("Content-Type: text/plain; charset=us-ascii");
        c.W.Line("Content-Transfer-Encoding: 7bit").Line();
        c.W.Text(CorpusPieces.Paragraph(c.R, c.R.Next(1, 30)));
    }

    private static void Plain8Bit(Context c)
    {
        c.Envelope(subject: CorpusEncoding.Words(c.R.Pick(CorpusPieces.Texts).Text, "UTF-8", 'B'));
        c.W.Line("Content-Type: text/plain; charset=UTF-8; format=flowed");
        c.W.Line("Content-Transfer-Encoding: 8bit").Line();
        c.W.Text("Grüße,\r\nflowed text ends with a space \r\nand continues here.\r\n日本語のテキスト 🎉\r\n" + CorpusPieces.Paragraph(c.R));
    }

    private static void PlainQuotedPrintable(Context c)
    {
        c.Envelope();
        string text = SampleText(c, out string charset);
        text += string.Concat(Enumerable.Repeat("A long line that a mail client will break with soft line breaks. ", c.R.Next(2, 8))) + "\r\n";
        TextPart(c, text, charset, "quoted-printable");
    }

    private static void PlainBase64(Context c)
    {
        c.Envelope();
        string text = SampleText(c, out string charset);
        TextPart(c, text, charset, "base64");
    }

    private static void PlainLegacyCharset(Context c)
    {
        var (text, charset) = c.R.Pick(CorpusPieces.Texts);
        c.Envelope(subject: CorpusEncoding.Words(text, charset, c.R.Next(2) == 0 ? 'B' : 'Q'));
        // ISO-2022-JP is a 7-bit charset (RFC 1468); the others go as 8bit, as old clients send them.
        TextPart(c, text + "\r\n" + CorpusPieces.Paragraph(c.R) + text + "\r\n", charset, charset == "iso-2022-jp" ? "7bit" : "8bit");
    }

    private static void NoMimeHeaders(Context c)
    {
        // RFC 2045 section 4/5.2: without MIME-Version and Content-Type, text/plain; charset=us-ascii.
        c.Envelope(mimeVersion: false);
        c.W.Line().Text(CorpusPieces.Paragraph(c.R, 6));
    }

    private static void EncodedSubject(Context c)
    {
        var (text, charset) = c.R.Pick(CorpusPieces.Texts);
        string subject = c.R.Next(4) switch
        {
            0 => "Re: " + CorpusEncoding.Words(text, charset, 'B'),
            1 => CorpusEncoding.Words(text, charset, 'Q'),
            2 => "[list] " + CorpusEncoding.Word(text, charset, 'B') + " (ASCII tail)",
            _ => CorpusEncoding.Words(text + " " + text, charset, c.R.Next(2) == 0 ? 'B' : 'Q', "\r\n\t"),
        };
        c.Envelope(subject: subject);
        TextPart(c, text + "\r\n", "utf-8", "base64");
    }

    private static void EncodedAdjacentWords(Context c)
    {
        // RFC 2047 section 6.2: whitespace between adjacent encoded words is dropped; many
        // encoders also split a multi-byte character across two words (not allowed by section
        // 5 (3), yet common), which decoders join before decoding.
        string utf8 = "Grüße 日本語 🎉";
        byte[] b = Encoding.UTF8.GetBytes(utf8);
        int split = c.R.Next(1, b.Length - 1);
        string splitWords = $"=?UTF-8?B?{Convert.ToBase64String(b[..split])}?= =?UTF-8?B?{Convert.ToBase64String(b[split..])}?=";
        string subject = c.R.Next(3) switch
        {
            0 => splitWords,
            1 => "=?iso-8859-1?Q?Caf=E9?= =?iso-8859-1?Q?_cr=E8me?=\r\n =?UTF-8?Q?_und_Gr=C3=BC=C3=9Fe?=",
            _ => "Re: =?utf-8?q?Part_one?=   =?utf-8?q?_and_two?= plain =?koi8-r?b?8NLJ18XU?=",
        };
        c.Envelope(subject: subject);
        TextPart(c, "adjacent encoded words in the subject\r\n", "us-ascii", "7bit");
    }

    private static void EncodedDisplayNames(Context c)
    {
        var (text, charset) = c.R.Pick(CorpusPieces.Texts[..11]);
        string name = CorpusEncoding.Words(text.Length > 20 ? text[..20] : text, charset, c.R.Next(2) == 0 ? 'B' : 'Q', " ");
        string from = c.R.Next(4) switch
        {
            0 => $"{name} <sender@example.org>",
            // Encoded words inside quotes are not decoded by RFC 2047 section 5 (3), yet Outlook writes them.
            1 => $"\"{CorpusEncoding.Word(text, charset, 'B')}\" <sender@example.org>",
            2 => $"sender@example.org ({name})",
            _ => $"{name} via List <list@lists.example.org>",
        };
        c.Envelope(from: from);
        c.W.Line($"Reply-To: {CorpusEncoding.Word("Zoë Müller", "iso-8859-1", 'Q')} <zoe@example.org>");
        c.W.Line($"Sender: {CorpusEncoding.Word("Привет", "koi8-r", 'B')} <owner@example.org>");
        TextPart(c, "names in every address field\r\n", "utf-8", "7bit");
    }

    private static void EncodedMalformed(Context c)
    {
        string subject = c.R.Next(8) switch
        {
            0 => "=?utf-8?B?R3LDvMOfZQ?=",                  // base64 without padding
            1 => "=?utf-8?Q?missing end",                   // never closed
            2 => "=?x-unknown-charset?Q?abc?=",             // unknown charset
            3 => "=?utf-8?B?@@@not base64@@@?=",            // garbage payload
            4 => "prefix=?utf-8?Q?glued?=suffix",           // not a separate token
            5 => "=?utf-8?Q?with space inside?=",           // space in a Q word
            6 => "=?UTF-8*de?Q?Sprache_mit_RFC_2231?=",     // RFC 2231 section 5 language
            _ => "=?utf-8?Q?" + new string('x', 120) + "?=", // longer than 75
        };
        c.Envelope(subject: subject);
        c.W.Line("X-Note: =?utf-8?Z?unknown_encoding?=");
        TextPart(c, "malformed encoded words\r\n", "us-ascii", "7bit");
    }

    private static void SmtpUtf8Headers(Context c)
    {
        // RFC 6532 section 3: raw UTF-8 in header values, including addresses (RFC 6531).
        c.Envelope(subject: "Grüße – 日本語の件名 🎉", allowUtf8: true, from: c.R.Next(2) == 0 ? "Zoë Müller <zoë@büro.example>" : "山田太郎 <山田@例え.example>");
        c.W.Line("Content-Type: text/plain; charset=utf-8");
        c.W.Line("Content-Transfer-Encoding: 8bit").Line();
        c.W.Text("UTF-8 headers and body: Grüße 日本語 🎉\r\n");
    }

    private static void Raw8BitLegacyHeaders(Context c)
    {
        // Not valid anywhere (RFC 5322 headers are ASCII, RFC 6532 allows UTF-8 only), but
        // old clients put raw ISO-8859-1 or KOI8-R into Subject and From.
        c.Envelope(subject: "placeholder");
        var (text, charset) = c.R.Pick(CorpusPieces.Texts[1..5]);
        c.W.Raw("X-Legacy-Subject: "u8).Line(text, CorpusEncoding.Get(charset));
        c.W.Raw("Comments: "u8).Line("Müller, Jürgen", Encoding.Latin1);
        c.W.Line($"Content-Type: text/plain; charset={charset}");
        c.W.Line("Content-Transfer-Encoding: 8bit").Line();
        c.W.Line(text, CorpusEncoding.Get(charset));
    }

    private static void LongFoldedHeaders(Context c)
    {
        c.Envelope();
        var ids = Enumerable.Range(0, c.R.Next(20, 60)).Select(i => $"<{CorpusPieces.Hex(c.R, 10)}.{i}@mail.example.org>").ToList();
        c.W.Line("References: " + string.Join("\r\n\t", ids));
        c.W.Line("In-Reply-To: " + ids[^1]);
        // One unfolded field longer than 998 octets (RFC 5322 section 2.1.1 says MUST NOT, real
        // generators do it), but within Postfix's 2048-octet line_length_limit.
        c.W.Line("X-Long-Unfolded: " + new string('x', c.R.Next(999, 1500)));
        c.W.Line("X-Folded-With-Tabs:\tfirst\r\n\tsecond\r\n\t\tthird\r\n  fourth");
        c.W.Line("Subject-Extra: " + string.Join("\r\n ", Enumerable.Repeat("folded words", 40)));
        c.W.Line("Content-Type: text/plain; charset=us-ascii").Line();
        c.W.Text(CorpusPieces.Paragraph(c.R));
    }

    private static void DuplicateHeaders(Context c)
    {
        c.Envelope();
        c.W.Line("Subject: second subject");
        c.W.Line("Date: " + CorpusPieces.Date(c.R, "+0200"));
        c.W.Line("From: second@example.org");
        c.W.Line("Message-ID: <second@example.org>");
        c.W.Line("Content-Type: text/plain; charset=utf-8");
        c.W.Line("Content-Type: text/html; charset=iso-8859-1");
        c.W.Line("Content-Transfer-Encoding: 7bit");
        c.W.Line("Content-Transfer-Encoding: base64").Line();
        c.W.Text("two of everything\r\n");
    }

    private static void HeaderSyntaxQuirks(Context c)
    {
        c.Envelope();
        c.W.Line("X-No-Space:value right after the colon");
        c.W.Line("Keywords :space before the colon");
        c.W.Line("X-Empty:");
        c.W.Line("X-Empty-Space: ");
        c.W.Line("X-Tab-Separated:\tvalue");
        c.W.Line("X-Continued-Empty:\r\n next line only");
        c.W.Line("content-type:text/plain;charset=\"utf-8\"");
        c.W.Line("CONTENT-TRANSFER-ENCODING:QUOTED-PRINTABLE").Line();
        c.W.Text("Lower-case and upper-case names, no space after colons =C3=BC\r\n");
    }

    private static void HeadersOnly(Context c)
    {
        c.Envelope();
        switch (c.R.Next(3))
        {
            case 0:
                // Header section and the empty line, no body (RFC 5322 section 3.5: the body is optional).
                c.W.Line();
                break;
            case 1:
                // Header section only, no empty line at all.
                break;
            default:
                c.W.Line("Content-Type: multipart/mixed; boundary=\"never-used\"").Line();
                break;
        }
    }

    private static void BinaryEncoding(Context c)
    {
        // RFC 3030 BINARYMIME content; SMTP without BINARYMIME cannot carry it, IMAP APPEND can
        // (RFC 3516 literal8 aside, a plain literal holds any octet but NUL).
        c.Envelope();
        string boundary = c.Boundary();
        c.W.Line($"Content-Type: multipart/mixed; boundary=\"{boundary}\"").Line();
        c.W.Line($"--{boundary}");
        TextPart(c, "binary part follows\r\n", "utf-8", "7bit");
        c.W.Line($"--{boundary}");
        c.W.Line("Content-Type: application/octet-stream; name=raw.bin");
        c.W.Line("Content-Transfer-Encoding: binary").Line();
        byte[] raw = c.RandomBytes(c.R.Next(100, 2000));
        for (int i = 0; i < raw.Length; i++)
        {
            // No NUL and no line ends, so the part is binary but still a legal IMAP literal.
            raw[i] = raw[i] is 0 or (byte)'\r' or (byte)'\n' ? (byte)0x80 : raw[i];
        }

        c.W.Raw(raw).Line();
        c.W.Line($"--{boundary}--");
    }

    private static void BadBase64(Context c)
    {
        c.Envelope();
        c.W.Line("Content-Type: text/plain; charset=utf-8");
        c.W.Line("Content-Transfer-Encoding: base64").Line();
        string good = Convert.ToBase64String(Encoding.UTF8.GetBytes("Grüße, this decodes leniently"));
        c.W.Line(c.R.Next(5) switch
        {
            0 => good.TrimEnd('='),
            1 => good[..10] + "!!*" + good[10..],
            2 => good + "====",
            3 => good[..7] + "\r\n" + good[7..] + "\r\n   ",
            _ => good + "\r\nZm9v\r\n=\r\n",
        });
    }

    private static void BadQuotedPrintable(Context c)
    {
        c.Envelope();
        c.W.Line("Content-Type: text/plain; charset=iso-8859-1");
        c.W.Line("Content-Transfer-Encoding: quoted-printable").Line();
        c.W.Line("Invalid escape =ZZ and lower-case hex =e9 and a lone = sign");
        c.W.Line("soft break at the very end=");
        c.W.Line(new string('y', 200) + " line longer than 76");
        c.W.Line("trailing space encoded=20");
        c.W.Text("last line ends with equals=");
    }

    private static void UnknownTransferEncoding(Context c)
    {
        c.Envelope();
        c.W.Line("Content-Type: text/plain; charset=utf-8");
        c.W.Line("Content-Transfer-Encoding: " + c.R.Pick(["x-uuencode", "8-bit", "Base64 ", "7BIT", "quoted-printable (for the umlauts)", "binary; foo=bar"])).Line();
        c.W.Line("begin 644 file.txt");
        c.W.Line("#0V%T");
        c.W.Line("`");
        c.W.Line("end");
    }

    private static void ContentTypeQuirks(Context c)
    {
        c.Envelope();
        c.W.Line(c.R.Next(9) switch
        {
            0 => "Content-Type: text",
            1 => "Content-Type: TEXT/PLAIN; CHARSET=UTF-8; FORMAT=FLOWED",
            2 => "Content-Type: text/plain; charset = \"utf-8\" (comment); delsp=yes",
            3 => "Content-Type: multipart/mixed",
            4 => "Content-Type: application/x-whatever; name=\"x y.bin\"",
            5 => "Content-Type: text/plain; charset=\"unknown-8bit\"",
            6 => "Content-Type: ;charset=utf-8",
            7 => "Content-Type: text/plain; charset=utf-8; charset=iso-8859-1",
            _ => "Content-Type: text/plain;\r\n\tcharset=\"us-ascii\";\r\n\tname*=us-ascii'en'file.txt;\r\n\tformat=flowed",
        });
        c.W.Line("Content-Transfer-Encoding: 8bit").Line();
        c.W.Text("Body with ü\r\n");
    }

    private static void BareLf(Context c)
    {
        // What Unix tools (mail(1), scripts, mbox exports) hand to IMAP APPEND: LF only.
        int inner = c.R.Next(ShapeTable.Length - 2);
        ShapeTable[inner].Write(c);
        c.Transform = ToLf;
    }

    private static void MixedLineEndings(Context c)
    {
        // Headers with CRLF, body with LF (a script appending a body to a template), plus one bare CR.
        PlainAscii(c);
        c.Transform = bytes =>
        {
            string s = Encoding.Latin1.GetString(bytes);
            int split = s.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4;
            return Encoding.Latin1.GetBytes(s[..split] + s[split..].Replace("\r\n", "\n", StringComparison.Ordinal) + "old Mac line\rend\n");
        };
    }
}
