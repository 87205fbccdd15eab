using System.Text;
using HostedMail.Testing.Corpus;
using static HostedMail.Mime.Tests.RealWorld.ParserComparison;

namespace HostedMail.Mime.Tests.RealWorld;

/// <summary>
/// MimeKit as a second parser: for every corpus message (generated and Debian's), content
/// types, charset/name/filename after RFC 2231 and RFC 2047 decoding, part count and nesting,
/// decoded text, decoded subject and addresses must agree, except for the deliberate
/// differences below, each decided by the RFC cited.
/// </summary>
public class MimeKitComparisonTests
{
    private static readonly Lazy<List<(CorpusMessage Message, Result Result)>> Compared = new(() =>
        [.. RealWorldCorpus.Generate().Concat(DebianMailCorpus.Load()).Select(m => (m, Compare(m.Bytes)))]);

    /// <summary>A difference where the RFC says our answer is the right one (or both are allowed).</summary>
    internal sealed record Deliberate(string Name, string Rule, Func<Result, Difference, bool> Explains);

    /// <summary>Every deliberate difference between our parser and MimeKit 4.18.2.</summary>
    internal static readonly Deliberate[] DeliberateDifferences =
    [
        // RFC 2045 section 5.2: a syntactically invalid Content-Type ("text", ";charset=utf-8")
        // is to be taken as the default, text/plain; charset=us-ascii. MimeKit makes it
        // application/octet-stream. (A lone "text" we read as text/plain, keeping its charset.)
        new("invalid-content-type-is-text-plain", "RFC 2045 section 5.2",
            (r, d) => Under(r, d, p => r.Differences.Any(x => x.Path == p && x.Field == "type" && x is { Ours: "text/plain", MimeKit: "application/octet-stream" }))),

        // RFC 6522 section 4 / RFC 9051 section 7.5.2: text/rfc822-headers is a text part; only
        // message/rfc822 and message/global carry an encapsulated message. MimeKit parses the
        // body as a message (its TextRfc822Headers is a MessagePart).
        new("text-rfc822-headers-is-text", "RFC 6522 section 4",
            (r, d) => Under(r, d, p => r.OursAt(p, "type") == "text/rfc822-headers")),

        // RFC 2046 section 5.2.3: message/external-body holds the phantom header of an external
        // entity, not an encapsulated message; IMAP BODYSTRUCTURE describes it as a basic part.
        new("external-body-is-not-a-message", "RFC 2046 section 5.2.3",
            (r, d) => Under(r, d, p => r.OursAt(p, "type") == "message/external-body")),

        // RFC 2047 section 6.3: an encoded word that cannot be decoded is shown as it is.
        // MimeKit decodes base64 garbage into replacement characters.
        new("undecodable-encoded-word-kept", "RFC 2047 section 6.3",
            (r, d) => d.Field == "subject" && d.Ours is not null && d.Ours.Contains("=?", StringComparison.Ordinal) && d.MimeKit?.Contains('\uFFFD', StringComparison.Ordinal) == true),

        // RFC 2045 section 6.8: characters outside the alphabet are ignored and the final
        // quantum may be short when padding is missing; ours decodes every complete octet,
        // MimeKit drops the last one (subject "R3LDvMOfZQ", body with "!!*" inside, python-msg_39's
        // "XXX" which holds two whole octets).
        new("lenient-base64-keeps-every-octet", "RFC 2045 section 6.8",
            (r, d) => (d.Field is "subject" or "text" && d.Ours is not null && d.MimeKit is not null && d.Ours.Length == d.MimeKit.Length + 1 && d.Ours.StartsWith(d.MimeKit, StringComparison.Ordinal))
                || (d.Field == "sha256" && d.Ours is not null && d.MimeKit is not null && DecodedLength(d.Ours) - DecodedLength(d.MimeKit) is 1 or 2)),

        // RFC 5322 section 3.4: "<>" is no mailbox (only SMTP's reverse-path may be null,
        // RFC 5321 section 4.5.5), but bounces write "From: MAILER DAEMON <>" (python-msg_43).
        // Ours keeps the display name with an empty address, so a client can show who it was;
        // MimeKit drops the mailbox.
        new("null-address-keeps-its-name", "RFC 5322 section 3.4",
            (r, d) => d.Field == "from" && d.MimeKit == "" && d.Ours?.EndsWith("<\"\">", StringComparison.Ordinal) == true),

        // RFC 2045 section 6.4: an unrecognised Content-Transfer-Encoding (x-uuencode) leaves
        // the body undecoded (IMAP BINARY answers UNKNOWN-CTE); MimeKit decodes uuencode.
        new("unknown-transfer-encoding-not-decoded", "RFC 2045 section 6.4",
            (r, d) => d.Field == "text" && d.Ours?.StartsWith("begin 644 ", StringComparison.Ordinal) == true),

        // Not decided by an RFC (RFC 2045 and RFC 6532 only say what valid text is): octets that
        // are not UTF-8 in a part labelled UTF-8 are decoded as windows-1252 by ours (the
        // HTML5/WHATWG fallback), with U+FFFD by MimeKit.
        new("invalid-utf8-falls-back-to-windows-1252", "WHATWG Encoding (no RFC rule)",
            (r, d) => d.Field == "text" && d.MimeKit?.Contains('\uFFFD', StringComparison.Ordinal) == true && d.Ours?.Contains('\uFFFD', StringComparison.Ordinal) == false),

        // RFC 2045 section 6.7 rule (3): trailing whitespace on a quoted-printable line is
        // deleted when decoding (transport added it); MimeKit keeps it (python-msg_15).
        new("quoted-printable-trailing-space-deleted", "RFC 2045 section 6.7 (3)",
            (r, d) => d.Field == "text" && d.Ours is not null && d.MimeKit is not null && d.Ours == System.Text.RegularExpressions.Regex.Replace(d.MimeKit, "[ \t]+\n", "\n")),

        // RFC 2046 section 5.1.1: body-part := MIME-part-headers [CRLF *OCTET], both optional, so
        // two delimiters in a row enclose an empty part (text/plain, RFC 2046 section 5.1); MimeKit
        // skips them (python-msg_37 has 7 parts by the grammar, MimeKit counts 3).
        new("empty-body-parts-are-parts", "RFC 2046 section 5.1.1",
            (r, d) => r.Differences.Any(x => x is { Field: "children", Ours: { } a, MimeKit: { } b } && int.Parse(a, System.Globalization.CultureInfo.InvariantCulture) > int.Parse(b, System.Globalization.CultureInfo.InvariantCulture))),

        // Our parser never throws (ARCHITECTURE.md); a message that begins with a line that is
        // not a header field (python-msg_19) is all body to us, a FormatException to MimeKit.
        new("never-throws", "RFC 5322 section 2.2 (parser robustness)",
            (r, d) => d.Field == "parse"),

        // RFC 5322 section 2.2: a line without a colon ends the header section in ours (the
        // line is body text, python-msg_35); MimeKit drops it.
        new("non-header-line-starts-the-body", "RFC 5322 sections 2.1 and 2.2",
            (r, d) => d is { Path: "/", Field: "text", MimeKit: "" } && d.Ours?.StartsWith("counter to RFC 2822", StringComparison.Ordinal) == true),
    ];

    [Fact]
    public void EveryCorpusMessageParsesAlikeInBothParsersExceptForTheDeliberateDifferences()
    {
        var unexplained = Compared.Value
            .SelectMany(c => c.Result.Differences.Where(d => !DeliberateDifferences.Any(x => x.Explains(c.Result, d))).Select(d => c.Message.Name + " " + d))
            .ToList();
        Assert.True(unexplained.Count == 0, $"{unexplained.Count} differences:\n" + string.Join("\n", unexplained.Take(40)));
        Assert.True(Compared.Value.Count >= 1047);
    }

    [Fact]
    public void EveryDeliberateDifferenceStillOccursSoTheListCannotRot()
    {
        foreach (Deliberate rule in DeliberateDifferences)
        {
            Assert.True(Compared.Value.Any(c => c.Result.Differences.Any(d => rule.Explains(c.Result, d))), $"{rule.Name} ({rule.Rule}) no longer occurs: remove it from the list");
        }
    }

    [Theory]
    [InlineData("application/vnd.openxmlformats-officedocument.wordprocessingml.document")]
    [InlineData("application/vnd.ms-excel")]
    [InlineData("application/pdf")]
    public void AnApplicationPartWithAnRfc2231FileNameKeepsItsType(string type)
    {
        // Was reported as text/plain: '.' was treated as an RFC 2045 tspecial, so every
        // "vnd.*" type was invalid and fell back to the section 5.2 default.
        string raw = $"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: {type};\r\n name*=utf-8''Pr%C3%BCfbericht.pdf\r\nContent-Disposition: attachment;\r\n filename*0*=utf-8''Pr%C3%BCf;\r\n filename*1*=bericht%202025.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n--b--\r\n";
        MimeMessage m = MimeMessage.Parse(Encoding.ASCII.GetBytes(raw));
        MimeEntity part = m.Root.Children.Single();
        Assert.Equal(type, part.ContentType.MimeType);
        Assert.Equal("Prüfbericht.pdf", part.ContentType.Name);
        Assert.Equal("Prüfbericht 2025.pdf", part.FileName);
        string[] slash = type.Split('/');
        Assert.StartsWith($"((\"{slash[0].ToUpperInvariant()}\" \"{slash[1].ToUpperInvariant()}\"", Encoding.UTF8.GetString(m.GetImapBodyStructure()).ToUpperInvariant(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("(comment) dave@example.net (Dave)", "Dave")]
    [InlineData("dave@example.net (Dave Smith)", "Dave Smith")]
    [InlineData("(Dave) dave@example.net", "Dave")]
    public void TheCommentAfterAnAddrSpecIsTheLegacyDisplayName(string value, string name)
    {
        // RFC 5322 section 3.4 (note): legacy senders put the name in a comment after the addr-spec.
        MailboxAddress a = AddressParser.ParseList(value).Mailboxes().Single();
        Assert.Equal(name, a.DisplayName);
        Assert.Equal("dave@example.net", a.Address);
    }

    private static bool Under(Result r, Difference d, Func<string, bool> marks)
    {
        // The difference is at a path P (or inside it) for which the predicate holds.
        string path = d.Path.TrimEnd('m');
        for (string p = path; p.Length > 0; p = Parent(p))
        {
            if (marks(p))
            {
                return true;
            }
        }

        return false;
    }

    private static int DecodedLength(string hash) => int.Parse(hash[(hash.IndexOf('/', StringComparison.Ordinal) + 1)..], System.Globalization.CultureInfo.InvariantCulture);

    private static string Parent(string path)
    {
        // "/2/1/m/" -> "/2/1/" -> "/2/" -> "/" -> "".
        if (path == "/")
        {
            return "";
        }

        string trimmed = path.TrimEnd('/');
        int slash = trimmed.LastIndexOf('/');
        return trimmed[..(slash + 1)];
    }
}
