using System.Globalization;
using System.Text;

namespace HostedMail.Testing.Corpus;

/// <summary>The fields real senders vary: dates and zones, names, texts in their charsets, attachment payloads.</summary>
public static class CorpusPieces
{
    private static readonly string[] Days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    private static readonly string[] Months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

    /// <summary>Numeric zones real mail carries, including the extremes (+1400 Kiribati, -1200, +1245 Chatham, +0545 Nepal) and -0000 (RFC 5322 section 3.3: no information).</summary>
    public static readonly string[] Offsets = ["+0000", "+0200", "-0500", "+0530", "+1245", "-0000", "+1400", "-1200", "+0100", "-0800", "+0545", "-0930", "+0900", "-0300", "+1000", "-0700", "+0330"];

    /// <summary>RFC 5322 section 4.3 obsolete zones: UT, GMT, the US zones and military letters (J is not used).</summary>
    public static readonly string[] ObsoleteZones = ["UT", "GMT", "EST", "EDT", "CST", "CDT", "MST", "MDT", "PST", "PDT", "Z", "A", "M", "N", "Y", "K", "z", "est"];

    /// <summary>A text and the charsets that can carry it, as mail in that language is commonly labelled.</summary>
    public static readonly (string Text, string Charset)[] Texts =
    [
        ("Grüße aus Köln – Bericht für März", "utf-8"),
        ("Café crème à la française, ½ prix", "iso-8859-1"),
        ("Prix spécial : 20 € pour l'œuvre", "iso-8859-15"),
        ("“Smart quotes” – and an ellipsis… €5", "windows-1252"),
        ("Привет! Отчёт за третий квартал", "koi8-r"),
        ("会議の議事録を送ります", "iso-2022-jp"),
        ("你好，这是第三季度的报告", "gb2312"),
        ("朱镕基的讲话稿，请查收", "gbk"),
        ("您好，這是第三季度的報告", "big5"),
        ("お世話になっております。資料を添付します", "shift_jis"),
        ("Ελληνικά: καλημέρα κόσμε 🎉 日本語 🙂", "utf-8"),
        ("Plain ASCII subject line about the quarterly numbers", "us-ascii"),
    ];

    public static readonly string[] FirstNames = ["Ann", "Bob", "Zoë", "José", "Ирина", "太郎", "Łukasz", "Søren", "O'Brien", "Mary-Jane", "李", "François"];

    public static readonly string[] Domains = ["gmail.com", "outlook.com", "example.org", "mail.example.net", "univ.example.edu", "lists.example.org", "büro.example", "例え.example"];

    public static T Pick<T>(this Random random, IReadOnlyList<T> items) => items[random.Next(items.Count)];

    /// <summary>A date in RFC 5322 section 3.3 form with the given zone text.</summary>
    public static string Date(Random random, string zone, bool dayOfWeek = true, bool twoDigitYear = false, bool seconds = true)
    {
        var when = new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddSeconds(random.NextInt64(0, 30L * 365 * 86400));
        string year = twoDigitYear ? (when.Year % 100).ToString("D2", CultureInfo.InvariantCulture) : when.Year.ToString(CultureInfo.InvariantCulture);
        string time = seconds ? when.ToString("HH:mm:ss", CultureInfo.InvariantCulture) : when.ToString("HH:mm", CultureInfo.InvariantCulture);
        string dow = dayOfWeek ? Days[((int)when.DayOfWeek + 6) % 7] + ", " : "";
        return $"{dow}{when.Day} {Months[when.Month - 1]} {year} {time} {zone}";
    }

    /// <summary>One of the many Date: forms found in the wild, or null for no Date: header at all.</summary>
    public static (string? Value, string Form) AnyDate(Random random)
    {
        int form = random.Next(20);
        return form switch
        {
            < 8 => (Date(random, random.Pick(Offsets)), "offset"),
            8 or 9 => (Date(random, random.Pick(ObsoleteZones)), "obsolete-zone"),
            10 => (Date(random, random.Pick(Offsets), dayOfWeek: false), "no-day-of-week"),
            11 => (Date(random, random.Pick(Offsets), twoDigitYear: true), "two-digit-year"),
            12 => (Date(random, random.Pick(["+0100 (CET)", "+0200 (CEST)", "-0500 (EST)", "+0000 (UTC)", "-0700 (PDT)"])), "zone-comment"),
            13 => (null, "missing"),
            14 => (random.Pick(["yesterday", "Mon, 32 Foo 2024 25:61:00 +9999", "", "0", "2024-06-03T10:00:00Z", "Tue Jun  3 10:00:00 2025", "Mon, 3 Jun 2024 10:00:00 +02:00", "Thu, 01 Jan 1970 00:00:00", "=?utf-8?q?not_a_date?="]), "garbage"),
            15 => (Date(random, random.Pick(Offsets), seconds: false), "no-seconds"),
            16 => (Date(random, random.Pick(Offsets)).Replace(" ", "  ", StringComparison.Ordinal), "extra-spaces"),
            17 => (Date(random, random.Pick(Offsets)).Replace(", ", ",\r\n\t", StringComparison.Ordinal), "folded"),
            18 => (Date(random, "+0000").ToLowerInvariant(), "lower-case"),
            _ => (Date(random, random.Pick(Offsets)) + " (Coordinated Universal Time (with nested comment))", "nested-comment"),
        };
    }

    /// <summary>A name@domain address, sometimes with non-ASCII in the display name.</summary>
    public static (string Name, string Address) Person(Random random)
    {
        string name = random.Pick(FirstNames) + " " + random.Pick(["Smith", "Müller", "Ivanova", "山田", "Dubois", "García", "Ng"]);
        string local = random.Pick(["ann", "bob.smith", "j.garcia", "info", "no-reply", "first.last+tag", "x_y"]);
        return (name, local + "@" + random.Pick(Domains[..5]));
    }

    /// <summary>A display name as real clients write it: plain, quoted, RFC 2047 in some charset, or raw UTF-8.</summary>
    public static string DisplayName(Random random, string name, bool allowUtf8)
    {
        bool ascii = name.All(char.IsAscii);
        return random.Next(6) switch
        {
            0 when ascii => name,
            1 => "\"" + (ascii || allowUtf8 ? name : CorpusEncoding.Word(name, "utf-8", 'B')) + "\"",
            2 => CorpusEncoding.Words(name, "utf-8", 'Q', " "),
            3 => CorpusEncoding.Words(name, "utf-8", 'B', " "),
            4 when allowUtf8 => name,
            _ => CorpusEncoding.Word(name, "utf-8", random.Next(2) == 0 ? 'B' : 'Q'),
        };
    }

    /// <summary>A paragraph of body text, lines under 78 characters.</summary>
    public static string Paragraph(Random random, int lines = 4)
    {
        string[] pool =
        [
            "Hi all, please find the minutes of Thursday's meeting below.",
            "The numbers for the third quarter are attached as a PDF.",
            "Let me know if anything is unclear; I'm out of office on Friday.",
            "> Quoted text from the previous message, as mail clients do.",
            ">> And a deeper quote level from further back in the thread.",
            "From the team: thanks for the quick turnaround!",
            "-- ",
            "Sent from my iPhone",
            "Best regards,",
            ".A line that starts with a dot (SMTP transparency, RFC 5321 section 4.5.2)",
            "..Two dots at the start",
            ".",
            "From here on the line starts with From (mbox escaping trap)",
            "Trailing whitespace here   ",
            "\tA line that starts with a tab",
            "Price: 100 EUR = 117 USD; 50% off; a=b&c=d",
        ];
        var sb = new StringBuilder();
        for (int i = 0; i < lines; i++)
        {
            sb.Append(random.Pick(pool)).Append("\r\n");
        }

        return sb.ToString();
    }

    /// <summary>Attachment payloads with the magic numbers of their types, padded with random octets.</summary>
    public static (string Type, string FileName, byte[] Bytes) Attachment(Random random, int size = 0)
    {
        int kind = random.Next(10);
        size = size > 0 ? size : random.Next(200, 6000);
        (string type, string name, byte[] magic) = kind switch
        {
            0 => ("application/pdf", "report-Q3.pdf", "%PDF-1.4\n%\xE2\xE3\xCF\xD3\n1 0 obj\n"u8.ToArray()),
            1 => ("application/octet-stream", "data.bin", [0, 1, 2, 3, 0xFF, 0xFE]),
            2 => ("application/zip", "archive.zip", [0x50, 0x4B, 0x03, 0x04, 0x14, 0, 0, 0]),
            3 => ("image/png", "image001.png", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, 0x49, 0x48, 0x44, 0x52]),
            4 => ("image/jpeg", "IMG_0042.JPG", [0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 0x4A, 0x46, 0x49, 0x46, 0]),
            5 => ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Vertrag Entwurf.docx", [0x50, 0x4B, 0x03, 0x04, 0x14, 0, 0x06, 0]),
            6 => ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "budget 2025.xlsx", [0x50, 0x4B, 0x03, 0x04, 0x14, 0, 0x06, 0]),
            7 => ("application/ms-tnef", "winmail.dat", [0x78, 0x9F, 0x3E, 0x22, 0x01, 0x00]),
            8 => ("application/msword", "old.doc", [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]),
            _ => ("application/x-gzip", "logs.tar.gz", [0x1F, 0x8B, 0x08, 0x00]),
        };
        byte[] bytes = new byte[Math.Max(size, magic.Length)];
        random.NextBytes(bytes);
        magic.CopyTo(bytes, 0);
        return (type, name, bytes);
    }

    /// <summary>An iCalendar invitation (RFC 5545) as Outlook and Google Calendar send it.</summary>
    public static string Calendar(Random random) =>
        "BEGIN:VCALENDAR\r\nPRODID:-//Google Inc//Google Calendar 70.9054//EN\r\nVERSION:2.0\r\nCALSCALE:GREGORIAN\r\nMETHOD:REQUEST\r\n" +
        "BEGIN:VEVENT\r\nDTSTART:20250603T080000Z\r\nDTEND:20250603T090000Z\r\nDTSTAMP:20250601T120000Z\r\n" +
        $"ORGANIZER;CN=Ann Smith:mailto:ann@example.org\r\nUID:{random.Next():x8}@google.com\r\n" +
        "ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=\r\n TRUE;CN=alice@acme.example;X-NUM-GUESTS=0:mailto:alice@acme.example\r\n" +
        "SUMMARY:Quartalsbesprechung – Q3\r\nDESCRIPTION:Agenda:\\n1. Zahlen\\n2. Planung\r\nLOCATION:Raum 4.12\r\nSEQUENCE:0\r\nSTATUS:CONFIRMED\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

    /// <summary>A boundary as the given client family generates it.</summary>
    public static string Boundary(Random random, string client) => client switch
    {
        "gmail" => "000000000000" + Hex(random, 14),
        "outlook" => "_000_" + Hex(random, 8).ToUpperInvariant() + "DB7PR04MB" + Hex(random, 4) + "eurprd04prod_",
        "apple" => "Apple-Mail=_" + Guid(random),
        "thunderbird" => "------------" + Alnum(random, 24),
        "quoted-specials" => "----=_Part_" + random.Next(1000) + "_" + random.Next() + ".1717" + random.Next(100000) + " (x=y)",
        _ => "----=_NextPart_" + Hex(random, 3) + "_" + Hex(random, 4) + "_01DA" + Hex(random, 4),
    };

    public static string Hex(Random random, int bytes)
    {
        byte[] b = new byte[bytes];
        random.NextBytes(b);
        return Convert.ToHexStringLower(b);
    }

    public static string Guid(Random random)
    {
        byte[] b = new byte[16];
        random.NextBytes(b);
        return new Guid(b).ToString().ToUpperInvariant();
    }

    public static string Alnum(Random random, int length)
    {
        const string chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        return string.Create(length, random, (span, r) =>
        {
            for (int i = 0; i < span.Length; i++)
            {
                span[i] = chars[r.Next(chars.Length)];
            }
        });
    }
}
