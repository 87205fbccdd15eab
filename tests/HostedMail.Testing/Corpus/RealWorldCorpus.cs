using System.Text;

namespace HostedMail.Testing.Corpus;

/// <summary>
/// Deterministic generator of messages shaped like the ones real senders produce (Gmail,
/// Outlook/Exchange, Apple Mail, Thunderbird, mailing lists, newsletters, bounce and auto-reply
/// generators) and like the broken ones they also produce. Message <c>i</c> depends only on the
/// seed and <c>i</c>, so <c>Generate(100)</c> is a prefix of <c>Generate(1000)</c>; every shape
/// appears at least once in any run of <see cref="Shapes"/>.Count messages or more.
/// </summary>
public static partial class RealWorldCorpus
{
    public const int DefaultSeed = 20250603;

    /// <summary>Every 200th message (offset 137) is a large one of 1–5 MiB, so 1,000 messages hold five.</summary>
    public const int LargeEvery = 200;

    private delegate void ShapeWriter(Context c);

    private static readonly (string Name, ShapeWriter Write)[] ShapeTable =
    [
        ("plain-7bit", PlainAscii),
        ("plain-8bit-utf8", Plain8Bit),
        ("plain-qp-soft-breaks", PlainQuotedPrintable),
        ("plain-base64-text", PlainBase64),
        ("plain-legacy-charset", PlainLegacyCharset),
        ("no-mime-headers", NoMimeHeaders),
        ("gmail-alternative", GmailAlternative),
        ("outlook-tnef", OutlookTnef),
        ("outlook-related-alternative", OutlookRelated),
        ("apple-mail-attachments", AppleMailAttachments),
        ("thunderbird-mixed-flowed", ThunderbirdMixed),
        ("every-attachment-type", EveryAttachmentType),
        ("calendar-invite", CalendarInvite),
        ("rfc2231-parameters", Rfc2231Parameters),
        ("rfc2047-in-parameters", Rfc2047InParameters),
        ("encoded-subject", EncodedSubject),
        ("encoded-adjacent-words", EncodedAdjacentWords),
        ("encoded-display-names", EncodedDisplayNames),
        ("encoded-malformed", EncodedMalformed),
        ("smtputf8-headers", SmtpUtf8Headers),
        ("raw-8bit-legacy-headers", Raw8BitLegacyHeaders),
        ("nested-rfc822", NestedRfc822),
        ("outlook-forward-attachment", OutlookForwardAttachment),
        ("signed-smime", SignedSmime),
        ("signed-pgp", SignedPgp),
        ("encrypted-pgp", EncryptedPgp),
        ("smime-opaque", SmimeOpaque),
        ("dsn-bounce", DsnBounce),
        ("dsn-headers-only", DsnHeadersOnly),
        ("mdn-read-receipt", ReadReceipt),
        ("qmail-plain-bounce", PlainBounce),
        ("auto-reply", AutoReply),
        ("mailing-list-footer", MailingListFooter),
        ("mailing-list-digest", MailingListDigest),
        ("newsletter-html-only", NewsletterHtml),
        ("empty-parts", EmptyParts),
        ("missing-final-boundary", MissingFinalBoundary),
        ("boundary-quirks", BoundaryQuirks),
        ("preamble-epilogue", PreambleEpilogue),
        ("long-folded-headers", LongFoldedHeaders),
        ("duplicate-headers", DuplicateHeaders),
        ("header-syntax-quirks", HeaderSyntaxQuirks),
        ("headers-only-no-body", HeadersOnly),
        ("binary-transfer-encoding", BinaryEncoding),
        ("bad-base64", BadBase64),
        ("bad-quoted-printable", BadQuotedPrintable),
        ("unknown-transfer-encoding", UnknownTransferEncoding),
        ("content-type-quirks", ContentTypeQuirks),
        ("message-global", MessageGlobal),
        ("bare-lf", BareLf),
        ("mixed-line-endings", MixedLineEndings),
    ];

    /// <summary>The names of the shapes, in rotation order (plus "large-attachment").</summary>
    public static IReadOnlyList<string> Shapes { get; } = [.. ShapeTable.Select(s => s.Name), "large-attachment"];

    /// <summary>Generates <paramref name="count"/> messages; the same seed always gives the same bytes.</summary>
    public static IReadOnlyList<CorpusMessage> Generate(int count = 1000, int seed = DefaultSeed)
    {
        var list = new List<CorpusMessage>(count);
        for (int i = 0; i < count; i++)
        {
            list.Add(GenerateOne(i, seed));
        }

        return list;
    }

    /// <summary>Message number <paramref name="index"/> of the corpus for <paramref name="seed"/>.</summary>
    public static CorpusMessage GenerateOne(int index, int seed = DefaultSeed)
    {
        var random = new Random(HashCode32(seed, index));
        (string name, ShapeWriter write) = index % LargeEvery == 137
            ? ("large-attachment", LargeAttachment)
            : ShapeTable[index % ShapeTable.Length];
        var context = new Context(random, index, name);
        write(context);
        return new CorpusMessage($"{index:D4}-{name}", context.Finish(), name);
    }

    // A stable mix of seed and index (HashCode.Combine is randomised per process).
    private static int HashCode32(int seed, int index)
    {
        unchecked
        {
            uint h = (uint)seed * 2654435761u ^ ((uint)index + 0x9E3779B9u);
            h ^= h >> 16;
            h *= 0x85EBCA6Bu;
            h ^= h >> 13;
            return (int)(h & 0x7FFFFFFF);
        }
    }

    /// <summary>The state of one message being written: its random source, sender family and writer.</summary>
    private sealed class Context(Random random, int index, string shape)
    {
        public Random R { get; } = random;

        public int Index { get; } = index;

        public string Shape { get; } = shape;

        public CorpusWriter W { get; } = new();

        /// <summary>gmail, outlook, apple, thunderbird or other.</summary>
        public string Client { get; } = random.Pick(["gmail", "outlook", "apple", "thunderbird", "other"]);

        public Func<byte[], byte[]>? Transform { get; set; }

        public byte[] Finish() => Transform is null ? W.ToArray() : Transform(W.ToArray());

        public string Boundary(string? client = null) => CorpusPieces.Boundary(R, client ?? Client) + "-" + Index;

        public string MessageId() => Client switch
        {
            "gmail" => $"<CA+{CorpusPieces.Alnum(R, 40)}@mail.gmail.com>",
            "outlook" => $"<DB7PR04MB{CorpusPieces.Alnum(R, 12)}@DB7PR04MB4321.eurprd04.prod.outlook.com>",
            "apple" => $"<{CorpusPieces.Guid(R)}@example.org>",
            _ => $"<{CorpusPieces.Hex(R, 8)}.{Index}@{R.Pick(CorpusPieces.Domains[..5])}>",
        };

        /// <summary>
        /// The top-level header block as the sender family writes it: trace fields from earlier
        /// hops, a folded DKIM-Signature, then the originator fields in the family's order.
        /// </summary>
        public void Envelope(string? subject = null, bool mimeVersion = true, bool allowUtf8 = false, string? from = null)
        {
            for (int i = R.Next(3); i > 0; i--)
            {
                W.Line($"Received: from mail-{R.Next(1, 99)}.example.net (mail-{R.Next(1, 99)}.example.net [192.0.2.{R.Next(1, 254)}])");
                W.Line($"\tby mx{i}.example.org (Postfix) with ESMTPS id {CorpusPieces.Alnum(R, 10)}");
                W.Line($"\tfor <alice@acme.example>; {CorpusPieces.Date(R, R.Pick(CorpusPieces.Offsets))}");
            }

            if (R.Next(3) == 0)
            {
                W.Line("DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.org; s=s2024;");
                W.Line("\th=from:to:subject:date:message-id:mime-version;");
                W.Line($"\tbh={Convert.ToBase64String(RandomBytes(32))};");
                W.Line($"\tb={CorpusEncoding.Base64Lines(RandomBytes(128), 70).TrimEnd().Replace("\r\n", "\r\n\t ", StringComparison.Ordinal)}");
            }

            var (name, address) = CorpusPieces.Person(R);
            from ??= $"{CorpusPieces.DisplayName(R, name, allowUtf8)} <{address}>";
            subject ??= R.Pick(["Re: Quarterly numbers", "Fwd: minutes", "Meeting tomorrow?", "[project] build failed", "Invoice #" + R.Next(10000, 99999), "RE: AW: Angebot", ""]);
            var (date, _) = CorpusPieces.AnyDate(R);
            var fields = new List<string>
            {
                "From: " + from,
                "To: " + R.Pick(["alice@acme.example", "Alice <alice@acme.example>", "\"Alice A.\" <alice@acme.example>, bob@acme.example", "undisclosed-recipients:;", "team: alice@acme.example, bob@acme.example;"]),
                "Subject: " + subject,
                "Message-ID: " + MessageId(),
            };
            if (date is not null)
            {
                fields.Add("Date: " + date);
            }

            if (R.Next(3) == 0)
            {
                fields.Add("Cc: " + R.Pick(["carol@other.example", "\"Smith, John\" <john@example.org>", "(comment) dave@example.net (Dave)"]));
            }

            if (mimeVersion)
            {
                fields.Add(Client == "apple" ? "Mime-Version: 1.0 (Mac OS X Mail 16.0 \\(3774.600.62\\))" : "MIME-Version: 1.0");
            }

            fields.AddRange(Client switch
            {
                "gmail" => ["X-Gm-Message-State: AOJu0Y" + CorpusPieces.Alnum(R, 40), "X-Google-Smtp-Source: AGHT+IE" + CorpusPieces.Alnum(R, 30)],
                "outlook" => ["Thread-Topic: " + subject.Replace("\r\n", "", StringComparison.Ordinal), "Thread-Index: AQHa" + CorpusPieces.Alnum(R, 20) + "==", "Accept-Language: de-DE, en-US", "Content-Language: de-DE", "X-MS-Has-Attach: ", "X-MS-TNEF-Correlator: "],
                "apple" => ["X-Mailer: Apple Mail (2.3774.600.62)"],
                "thunderbird" => ["User-Agent: Mozilla Thunderbird", "Content-Language: en-US"],
                _ => ["X-Mailer: Microsoft Outlook 16.0"],
            });
            if (Client != "outlook")
            {
                Shuffle(fields);
            }

            foreach (string field in fields)
            {
                W.Line(field);
            }
        }

        public byte[] RandomBytes(int n)
        {
            byte[] b = new byte[n];
            R.NextBytes(b);
            return b;
        }

        private void Shuffle(List<string> list)
        {
            for (int i = list.Count - 1; i > 0; i--)
            {
                int j = R.Next(i + 1);
                (list[i], list[j]) = (list[j], list[i]);
            }
        }
    }

    /// <summary>The text/plain and text/html pair Gmail and friends put in multipart/alternative.</summary>
    private static void Alternative(Context c, string boundary, string text, string charset = "UTF-8")
    {
        byte[] bytes = CorpusEncoding.Get(charset).GetBytes(text);
        c.W.Line($"--{boundary}");
        c.W.Line($"Content-Type: text/plain; charset=\"{charset}\"");
        c.W.Line("Content-Transfer-Encoding: quoted-printable").Line();
        c.W.Text(CorpusEncoding.QuotedPrintable(bytes)).Line();
        c.W.Line($"--{boundary}");
        c.W.Line($"Content-Type: text/html; charset=\"{charset}\"");
        c.W.Line("Content-Transfer-Encoding: quoted-printable").Line();
        byte[] html = CorpusEncoding.Get(charset).GetBytes("<div dir=\"ltr\">" + text.Replace("\r\n", "<br>", StringComparison.Ordinal) + "</div>\r\n");
        c.W.Text(CorpusEncoding.QuotedPrintable(html)).Line();
        c.W.Line($"--{boundary}--");
    }

    /// <summary>A base64 attachment part with the headers the sender family writes.</summary>
    private static void AttachmentPart(Context c, string boundary, string type, string fileName, byte[] bytes)
    {
        c.W.Line($"--{boundary}");
        switch (c.Client)
        {
            case "apple":
                c.W.Line("Content-Disposition: attachment;");
                c.W.Line($"\tfilename=\"{fileName}\"");
                c.W.Line($"Content-Type: {type};");
                c.W.Line("\tx-unix-mode=0644;");
                c.W.Line($"\tname=\"{fileName}\"");
                c.W.Line("Content-Transfer-Encoding: base64");
                break;
            case "outlook":
                c.W.Line($"Content-Type: {type}; name=\"{fileName}\"");
                c.W.Line($"Content-Description: {fileName}");
                c.W.Line($"Content-Disposition: attachment; filename=\"{fileName}\"; size={bytes.Length};");
                c.W.Line("\tcreation-date=\"Tue, 03 Jun 2025 08:00:00 GMT\";");
                c.W.Line("\tmodification-date=\"Tue, 03 Jun 2025 08:00:00 GMT\"");
                c.W.Line("Content-Transfer-Encoding: base64");
                break;
            default:
                c.W.Line($"Content-Type: {type}; name=\"{fileName}\"");
                c.W.Line($"Content-Disposition: attachment; filename=\"{fileName}\"");
                c.W.Line("Content-Transfer-Encoding: base64");
                if (c.Client == "gmail")
                {
                    c.W.Line($"Content-ID: <f_{CorpusPieces.Alnum(c.R, 9)}0>");
                    c.W.Line($"X-Attachment-Id: f_{CorpusPieces.Alnum(c.R, 9)}0");
                }

                break;
        }

        c.W.Line().Text(CorpusEncoding.Base64Lines(bytes));
    }

    private static void TextPart(Context c, string text, string charset = "utf-8", string encoding = "quoted-printable", string subtype = "plain", string extra = "")
    {
        c.W.Line($"Content-Type: text/{subtype}; charset={charset}{extra}");
        c.W.Line($"Content-Transfer-Encoding: {encoding}").Line();
        byte[] bytes = CorpusEncoding.Get(charset).GetBytes(text);
        switch (encoding)
        {
            case "quoted-printable":
                c.W.Text(CorpusEncoding.QuotedPrintable(bytes)).Line();
                break;
            case "base64":
                c.W.Text(CorpusEncoding.Base64Lines(bytes));
                break;
            default:
                c.W.Raw(bytes);
                break;
        }
    }

    private static string SampleText(Context c, out string charset)
    {
        var (text, cs) = c.R.Pick(CorpusPieces.Texts);
        charset = cs;
        return text + "\r\n\r\n" + CorpusPieces.Paragraph(c.R) + text + "\r\n";
    }

    private static byte[] ToLf(byte[] bytes) => Encoding.Latin1.GetBytes(Encoding.Latin1.GetString(bytes).Replace("\r\n", "\n", StringComparison.Ordinal));
}
