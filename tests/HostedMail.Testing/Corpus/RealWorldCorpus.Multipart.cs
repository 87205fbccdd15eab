using System.Text;

namespace HostedMail.Testing.Corpus;

// Multipart shapes as the sender families write them.
public static partial class RealWorldCorpus
{
    private static void GmailAlternative(Context c)
    {
        c.Envelope();
        string boundary = c.Boundary("gmail");
        // Gmail leaves the boundary unquoted.
        c.W.Line($"Content-Type: multipart/alternative; boundary=\"{boundary}\"").Line();
        Alternative(c, boundary, SampleText(c, out _), "UTF-8");
    }

    private static void OutlookTnef(Context c)
    {
        c.Envelope();
        string outer = c.Boundary("outlook"), inner = c.Boundary("outlook") + "alt";
        c.W.Line($"Content-Type: multipart/mixed;\r\n\tboundary=\"{outer}\"").Line();
        c.W.Line($"--{outer}");
        c.W.Line($"Content-Type: multipart/alternative;\r\n\tboundary=\"{inner}\"").Line();
        Alternative(c, inner, "Sehr geehrte Damen und Herren,\r\nanbei das Angebot – Grüße\r\n", "Windows-1252");
        c.W.Line();
        var (_, _, tnef) = CorpusPieces.Attachment(c.R);
        tnef[0] = 0x78;
        tnef[1] = 0x9F;
        AttachmentPart(c, outer, "application/ms-tnef", "winmail.dat", tnef);
        c.W.Line($"--{outer}--");
    }

    private static void OutlookRelated(Context c)
    {
        c.Envelope();
        string related = c.Boundary("outlook"), alt = c.Boundary("outlook") + "alt";
        c.W.Line($"Content-Type: multipart/related;\r\n\tboundary=\"{related}\";\r\n\ttype=\"multipart/alternative\"").Line();
        c.W.Line($"--{related}");
        c.W.Line($"Content-Type: multipart/alternative;\r\n\tboundary=\"{alt}\"").Line();
        Alternative(c, alt, SampleText(c, out _), "utf-8");
        c.W.Line();
        for (int i = 1; i <= c.R.Next(1, 4); i++)
        {
            c.W.Line($"--{related}");
            c.W.Line($"Content-Type: image/png; name=\"image00{i}.png\"");
            c.W.Line($"Content-Description: image00{i}.png");
            c.W.Line($"Content-Disposition: inline; filename=\"image00{i}.png\"; size=300;");
            c.W.Line($"Content-ID: <image00{i}.png@01DAB5C3.{CorpusPieces.Hex(c.R, 4)}>");
            c.W.Line("Content-Transfer-Encoding: base64").Line();
            c.W.Text(CorpusEncoding.Base64Lines(CorpusPieces.Attachment(c.R, 300).Bytes));
            c.W.Line();
        }

        c.W.Line($"--{related}--");
    }

    private static void AppleMailAttachments(Context c)
    {
        c.Envelope();
        string outer = c.Boundary("apple");
        c.W.Line("Content-Type: multipart/mixed;");
        c.W.Line($"\tboundary=\"{outer}\"").Line().Line();
        c.W.Line($"--{outer}");
        c.W.Line("Content-Transfer-Encoding: 7bit");
        c.W.Line("Content-Type: text/plain;");
        c.W.Line("\tcharset=us-ascii").Line();
        c.W.Text(CorpusPieces.Paragraph(c.R)).Line();
        for (int i = c.R.Next(1, 4); i > 0; i--)
        {
            var (type, name, bytes) = CorpusPieces.Attachment(c.R);
            AttachmentPart(c, outer, type, name, bytes);
            c.W.Line();
        }

        c.W.Line($"--{outer}--").Line();
    }

    private static void ThunderbirdMixed(Context c)
    {
        c.Envelope();
        string outer = c.Boundary("thunderbird");
        c.W.Line($"Content-Type: multipart/mixed; boundary=\"{outer}\"").Line();
        c.W.Line("This is a multi-part message in MIME format.");
        c.W.Line($"--{outer}");
        c.W.Line("Content-Type: text/plain; charset=UTF-8; format=flowed");
        c.W.Line("Content-Transfer-Encoding: 8bit").Line();
        c.W.Text("Hallo,\r\nanbei die Datei. \r\nGrüße\r\n").Line();
        var (type, _, bytes) = CorpusPieces.Attachment(c.R);
        c.W.Line($"--{outer}");
        c.W.Line($"Content-Type: {type}; name=\"=?UTF-8?Q?Pr=C3=BCfbericht=5F2025=2Epdf?=\"");
        c.W.Line("Content-Disposition: attachment;");
        c.W.Line(" filename*=UTF-8''%50%72%C3%BC%66%62%65%72%69%63%68%74%5F%32%30%32%35%2E%70%64%66");
        c.W.Line("Content-Transfer-Encoding: base64").Line();
        c.W.Text(CorpusEncoding.Base64Lines(bytes, 72)).Line();
        c.W.Line($"--{outer}--").Line();
    }

    private static void EveryAttachmentType(Context c)
    {
        c.Envelope();
        string outer = c.Boundary();
        c.W.Line($"Content-Type: multipart/mixed; boundary=\"{outer}\"").Line();
        c.W.Line($"--{outer}");
        TextPart(c, "Several attachments follow.\r\n", "us-ascii", "7bit");
        for (int i = c.R.Next(2, 6); i > 0; i--)
        {
            var (type, name, bytes) = CorpusPieces.Attachment(c.R);
            AttachmentPart(c, outer, type, name, bytes);
        }

        c.W.Line($"--{outer}");
        c.W.Line("Content-Type: text/calendar; charset=utf-8; method=REQUEST; name=invite.ics");
        c.W.Line("Content-Disposition: attachment; filename=invite.ics");
        c.W.Line("Content-Transfer-Encoding: 8bit").Line();
        c.W.Text(CorpusPieces.Calendar(c.R));
        c.W.Line($"--{outer}--");
    }

    private static void CalendarInvite(Context c)
    {
        c.Envelope(subject: "Invitation: Quartalsbesprechung @ Tue 3 Jun 2025 10am - 11am (CEST) (alice@acme.example)");
        string mixed = c.Boundary("gmail"), alt = c.Boundary("gmail") + "a";
        c.W.Line($"Content-Type: multipart/mixed; boundary=\"{mixed}\"").Line();
        c.W.Line($"--{mixed}");
        c.W.Line($"Content-Type: multipart/alternative; boundary=\"{alt}\"").Line();
        c.W.Line($"--{alt}");
        TextPart(c, "You have been invited to the following event.\r\n", "UTF-8", "base64");
        c.W.Line($"--{alt}");
        c.W.Line("Content-Type: text/calendar; charset=\"UTF-8\"; method=REQUEST");
        c.W.Line("Content-Transfer-Encoding: 7bit").Line();
        c.W.Text(CorpusPieces.Calendar(c.R).Replace("–", "-", StringComparison.Ordinal)).Line();
        c.W.Line($"--{alt}--").Line();
        c.W.Line($"--{mixed}");
        c.W.Line("Content-Type: application/ics; name=\"invite.ics\"");
        c.W.Line("Content-Disposition: attachment; filename=\"invite.ics\"");
        c.W.Line("Content-Transfer-Encoding: base64").Line();
        c.W.Text(CorpusEncoding.Base64Lines(Encoding.UTF8.GetBytes(CorpusPieces.Calendar(c.R))));
        c.W.Line($"--{mixed}--");
    }

    private static void Rfc2231Parameters(Context c)
    {
        c.Envelope();
        string outer = c.Boundary();
        c.W.Line($"Content-Type: multipart/mixed; boundary=\"{outer}\"").Line();
        c.W.Line($"--{outer}");
        TextPart(c, "RFC 2231 parameters follow.\r\n", "us-ascii", "7bit");
        var (type, _, bytes) = CorpusPieces.Attachment(c.R);
        string name = c.R.Pick(["Prüfbericht 2025 (final).pdf", "отчёт.docx", "資料 第3四半期.xlsx", "naïve café.zip", "a;b=c \"quoted\".bin"]);
        c.W.Line($"--{outer}");
        switch (c.R.Next(4))
        {
            case 0:
                // RFC 2231 section 4: extended value with charset and language.
                c.W.Line($"Content-Type: {type}; name*={CorpusEncoding.Rfc2231Value(name, "utf-8")}");
                c.W.Line($"Content-Disposition: attachment; filename*={CorpusEncoding.Rfc2231Value(name, "utf-8", "de")}");
                break;
            case 1:
                // RFC 2231 section 4.1: continuations mixing encoded and plain segments.
                string v = CorpusEncoding.Rfc2231Value(name, "utf-8");
                int cut = v.IndexOf('\'', v.IndexOf('\'', StringComparison.Ordinal) + 1) + 1 + ((v.Length - v.LastIndexOf('\'')) / 2);
                while (cut < v.Length && cut > 0 && (v[cut - 1] == '%' || (cut > 1 && v[cut - 2] == '%')))
                {
                    cut++;
                }

                c.W.Line($"Content-Type: {type};\r\n name*0*={v[..cut]};\r\n name*1*={v[cut..]}");
                c.W.Line($"Content-Disposition: attachment;\r\n filename*0*={v[..cut]};\r\n filename*1*={v[cut..]};\r\n size={bytes.Length}");
                break;
            case 2:
                // Plain continuations of a long ASCII name (section 3), out of order as some senders write them.
                c.W.Line($"Content-Type: {type};\r\n\tname*1=\"_part_two_of_a_long_name.pdf\";\r\n\tname*0=\"very_long_file_name\"");
                c.W.Line("Content-Disposition: attachment;\r\n\tfilename*0=\"very_long_file_name\";\r\n\tfilename*1=\"_part_two_of_a_long_name.pdf\"");
                break;
            default:
                // Both forms at once (Outlook): the RFC 2231 one wins.
                c.W.Line($"Content-Type: {type}; name=\"fallback.bin\"; name*={CorpusEncoding.Rfc2231Value(name, "iso-8859-1")}");
                c.W.Line($"Content-Disposition: attachment; filename=\"fallback.bin\";\r\n filename*=utf-8''{Uri.EscapeDataString(name)}");
                break;
        }

        c.W.Line("Content-Transfer-Encoding: base64").Line();
        c.W.Text(CorpusEncoding.Base64Lines(bytes));
        c.W.Line($"--{outer}--");
    }

    private static void Rfc2047InParameters(Context c)
    {
        // Not allowed by RFC 2047 section 5, written by Outlook, Gmail and Thunderbird alike.
        c.Envelope();
        string outer = c.Boundary();
        c.W.Line($"Content-Type: multipart/mixed; boundary=\"{outer}\"").Line();
        c.W.Line($"--{outer}");
        TextPart(c, "see attachment\r\n", "us-ascii", "7bit");
        var (type, _, bytes) = CorpusPieces.Attachment(c.R);
        var (text, charset) = c.R.Pick(CorpusPieces.Texts[..11]);
        string encoded = CorpusEncoding.Words(text + ".pdf", charset, c.R.Next(2) == 0 ? 'B' : 'Q', " ");
        AttachmentPart(c, outer, type, encoded, bytes);
        c.W.Line($"--{outer}--");
    }

    private static void NestedRfc822(Context c)
    {
        c.Envelope(subject: "Fwd: Fwd: the original");
        int depth = c.R.Next(2, 4);
        WriteForwarded(c, depth);
    }

    private static void WriteForwarded(Context c, int depth)
    {
        string b = c.Boundary() + "-d" + depth;
        c.W.Line($"Content-Type: multipart/mixed; boundary=\"{b}\"").Line();
        c.W.Line($"--{b}");
        TextPart(c, $"Forwarded at depth {depth}.\r\n", "utf-8", "quoted-printable");
        c.W.Line($"--{b}");
        c.W.Line("Content-Type: message/rfc822");
        c.W.Line("Content-Disposition: inline").Line();
        c.W.Line($"From: {CorpusEncoding.Word("Jürgen", "iso-8859-1", 'Q')} <j@example.org>");
        c.W.Line("To: someone@example.net");
        c.W.Line($"Subject: {CorpusEncoding.Word("Ebene " + depth + " – Grüße", "utf-8", 'B')}");
        c.W.Line("Date: " + CorpusPieces.Date(c.R, c.R.Pick(CorpusPieces.ObsoleteZones)));
        c.W.Line($"Message-ID: <depth{depth}.{c.Index}@example.org>");
        c.W.Line("MIME-Version: 1.0");
        if (depth > 1)
        {
            WriteForwarded(c, depth - 1);
        }
        else
        {
            string alt = c.Boundary() + "-inner";
            c.W.Line($"Content-Type: multipart/alternative; boundary=\"{alt}\"").Line();
            Alternative(c, alt, SampleText(c, out _), "utf-8");
        }

        c.W.Line();
        c.W.Line($"--{b}--");
    }

    private static void OutlookForwardAttachment(Context c)
    {
        c.Envelope(subject: "FW: Angebot");
        string outer = c.Boundary("outlook");
        c.W.Line($"Content-Type: multipart/mixed;\r\n\tboundary=\"{outer}\"").Line();
        c.W.Line($"--{outer}");
        TextPart(c, "See the attached message.\r\n", "us-ascii", "7bit");
        c.W.Line($"--{outer}");
        c.W.Line("Content-Type: message/rfc822; name=\"Angebot =?utf-8?Q?f=C3=BCr?= Q3.eml\"");
        c.W.Line("Content-Disposition: attachment; filename=\"Angebot fuer Q3.eml\"").Line();
        c.W.Line("From: Sales <sales@example.org>");
        c.W.Line("Subject: Angebot");
        c.W.Line("Date: " + CorpusPieces.Date(c.R, "+0200"));
        c.W.Line("Content-Type: text/plain; charset=\"iso-8859-1\"");
        c.W.Line("Content-Transfer-Encoding: quoted-printable").Line();
        c.W.Line("Gr=FC=DFe aus M=FCnchen");
        c.W.Line($"--{outer}--");
    }

    private static void SignedSmime(Context c)
    {
        c.Envelope();
        string b = c.Boundary();
        c.W.Line($"Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; micalg=sha-256;\r\n\tboundary=\"{b}\"").Line();
        c.W.Line("This is a cryptographically signed message in MIME format.").Line();
        c.W.Line($"--{b}");
        TextPart(c, SampleText(c, out string cs), cs, "quoted-printable");
        c.W.Line($"--{b}");
        c.W.Line("Content-Type: application/pkcs7-signature; name=\"smime.p7s\"");
        c.W.Line("Content-Transfer-Encoding: base64");
        c.W.Line("Content-Disposition: attachment; filename=\"smime.p7s\"");
        c.W.Line("Content-Description: S/MIME Cryptographic Signature").Line();
        byte[] sig = c.RandomBytes(c.R.Next(1500, 4000));
        sig[0] = 0x30;
        sig[1] = 0x80;
        c.W.Text(CorpusEncoding.Base64Lines(sig)).Line();
        c.W.Line($"--{b}--").Line();
    }

    private static void SignedPgp(Context c)
    {
        c.Envelope();
        string b = c.Boundary("thunderbird");
        c.W.Line($"Content-Type: multipart/signed; micalg=pgp-sha256;\r\n protocol=\"application/pgp-signature\";\r\n boundary=\"{b}\"").Line();
        c.W.Line("This is an OpenPGP/MIME signed message (RFC 4880 and 3156)");
        c.W.Line($"--{b}");
        c.W.Line("Content-Type: text/plain; charset=UTF-8; protected-headers=\"v1\"");
        c.W.Line("Content-Transfer-Encoding: quoted-printable").Line();
        c.W.Text(CorpusEncoding.QuotedPrintable(Encoding.UTF8.GetBytes("Signed text – Grüße\r\n"))).Line();
        c.W.Line($"--{b}");
        c.W.Line("Content-Type: application/pgp-signature; name=\"OpenPGP_signature.asc\"");
        c.W.Line("Content-Description: OpenPGP digital signature");
        c.W.Line("Content-Disposition: attachment; filename=\"OpenPGP_signature.asc\"").Line();
        c.W.Line("-----BEGIN PGP SIGNATURE-----").Line();
        c.W.Text(CorpusEncoding.Base64Lines(c.RandomBytes(119), 64));
        c.W.Line("=" + Convert.ToBase64String(c.RandomBytes(3)));
        c.W.Line("-----END PGP SIGNATURE-----").Line();
        c.W.Line($"--{b}--");
    }

    private static void EncryptedPgp(Context c)
    {
        c.Envelope();
        string b = c.Boundary("thunderbird");
        c.W.Line($"Content-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\"; boundary=\"{b}\"").Line();
        c.W.Line($"--{b}");
        c.W.Line("Content-Type: application/pgp-encrypted");
        c.W.Line("Content-Description: PGP/MIME version identification").Line();
        c.W.Line("Version: 1").Line();
        c.W.Line($"--{b}");
        c.W.Line("Content-Type: application/octet-stream; name=\"encrypted.asc\"");
        c.W.Line("Content-Disposition: inline; filename=\"encrypted.asc\"").Line();
        c.W.Line("-----BEGIN PGP MESSAGE-----").Line();
        c.W.Text(CorpusEncoding.Base64Lines(c.RandomBytes(c.R.Next(200, 900)), 64));
        c.W.Line("-----END PGP MESSAGE-----").Line();
        c.W.Line($"--{b}--");
    }

    private static void SmimeOpaque(Context c)
    {
        c.Envelope();
        c.W.Line("Content-Type: application/pkcs7-mime; smime-type=signed-data; name=\"smime.p7m\"");
        c.W.Line("Content-Transfer-Encoding: base64");
        c.W.Line("Content-Disposition: attachment; filename=\"smime.p7m\"").Line();
        c.W.Text(CorpusEncoding.Base64Lines(c.RandomBytes(c.R.Next(500, 3000))));
    }

    private static void EmptyParts(Context c)
    {
        c.Envelope();
        string b = c.Boundary();
        c.W.Line($"Content-Type: multipart/mixed; boundary=\"{b}\"").Line();
        c.W.Line($"--{b}");
        c.W.Line("Content-Type: text/plain").Line();
        c.W.Line($"--{b}");
        // A part with no header at all: text/plain; charset=us-ascii (RFC 2046 section 5.1.1).
        c.W.Line().Line("headerless part");
        c.W.Line($"--{b}");
        c.W.Line("Content-Type: application/octet-stream; name=empty.bin");
        c.W.Line("Content-Transfer-Encoding: base64").Line();
        c.W.Line($"--{b}");
        string inner = b + "-empty";
        c.W.Line($"Content-Type: multipart/alternative; boundary=\"{inner}\"").Line();
        c.W.Line($"--{inner}--");
        c.W.Line($"--{b}--");
    }

    private static void MissingFinalBoundary(Context c)
    {
        c.Envelope();
        string b = c.Boundary();
        c.W.Line($"Content-Type: multipart/mixed; boundary=\"{b}\"").Line();
        c.W.Line($"--{b}");
        TextPart(c, "first part\r\n", "utf-8", "7bit");
        c.W.Line($"--{b}");
        var (type, name, bytes) = CorpusPieces.Attachment(c.R);
        c.W.Line($"Content-Type: {type}; name=\"{name}\"");
        c.W.Line("Content-Transfer-Encoding: base64").Line();
        // Truncated: no close delimiter (RFC 2046 section 5.1.1 requires one).
        c.W.Text(CorpusEncoding.Base64Lines(bytes));
    }

    private static void BoundaryQuirks(Context c)
    {
        c.Envelope();
        string b = c.R.Next(3) switch
        {
            0 => CorpusPieces.Boundary(c.R, "quoted-specials"),
            1 => "simple",
            _ => "=_" + new string('-', 40) + "69 chars max ' ( ) + _ , - . / : = ?" ,
        };
        c.W.Line($"Content-Type: multipart/mixed; boundary=\"{b}\"").Line();
        // Delimiters with transport padding (RFC 2046 section 5.1.1: trailing whitespace allowed).
        c.W.Line($"--{b}   ");
        TextPart(c, "after a padded delimiter\r\n", "us-ascii", "7bit");
        c.W.Line($"--{b}");
        c.W.Line($"Content-Type: multipart/alternative; boundary=\"{b}-inner\"").Line();
        // The inner boundary has the outer one as prefix: only a full-line match delimits.
        c.W.Line($"--{b}-inner");
        TextPart(c, $"--{b}x is not a delimiter\r\n", "us-ascii", "7bit");
        c.W.Line($"--{b}-inner--");
        c.W.Line($"--{b}--\t");
    }

    private static void PreambleEpilogue(Context c)
    {
        c.Envelope();
        string b = c.Boundary();
        c.W.Line($"Content-Type: multipart/alternative; boundary={b}").Line();
        c.W.Line("This is a multi-part message in MIME format. If you see this, your");
        c.W.Line("mail client does not understand MIME.").Line();
        Alternative(c, b, "text with preamble and epilogue\r\n");
        c.W.Line("This is the epilogue. It is also to be ignored.");
        c.W.Line("--not-a-boundary--");
    }

    private static void MessageGlobal(Context c)
    {
        // RFC 6532 section 3.5: message/global carries a message with UTF-8 headers.
        c.Envelope();
        string b = c.Boundary();
        c.W.Line($"Content-Type: multipart/mixed; boundary=\"{b}\"").Line();
        c.W.Line($"--{b}");
        TextPart(c, "attached\r\n", "us-ascii", "7bit");
        c.W.Line($"--{b}");
        c.W.Line("Content-Type: message/global");
        c.W.Line("Content-Transfer-Encoding: 8bit").Line();
        c.W.Line("From: Zoë <zoë@büro.example>");
        c.W.Line("Subject: Grüße 🎉");
        c.W.Line("Content-Type: text/plain; charset=utf-8").Line();
        c.W.Line("inner UTF-8 body");
        c.W.Line($"--{b}--");
    }

    private static void LargeAttachment(Context c)
    {
        c.Envelope(subject: "Large attachment");
        string b = c.Boundary();
        c.W.Line($"Content-Type: multipart/mixed; boundary=\"{b}\"").Line();
        c.W.Line($"--{b}");
        TextPart(c, "A large file.\r\n", "us-ascii", "7bit");
        var (type, name, bytes) = CorpusPieces.Attachment(c.R, c.R.Next(750_000, 3_800_000));
        AttachmentPart(c, b, type, name, bytes);
        c.W.Line($"--{b}--");
    }
}
