using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Mk = MimeKit;

namespace HostedMail.Mime.Tests.RealWorld;

/// <summary>
/// Describes a message the same way from our parser and from MimeKit's, as a flat list of
/// "path field = value" facts, so the two can be diffed fact by fact.
/// </summary>
internal static class ParserComparison
{
    /// <summary>One fact about a message: where, what, and the value each parser gives.</summary>
    public sealed record Difference(string Path, string Field, string? Ours, string? MimeKit)
    {
        public override string ToString() => $"{Path} {Field}: ours={Show(Ours)} mimekit={Show(MimeKit)}";

        private static string Show(string? s) => s is null ? "<null>" : "\"" + (s.Length > 120 ? s[..120] + "..." : s).Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal) + "\"";
    }

    /// <summary>The differences, and our parser's facts (rules that explain a difference look at them).</summary>
    public sealed record Result(List<Difference> Differences, IReadOnlyDictionary<string, string?> Ours)
    {
        public string? OursAt(string path, string field) => Ours.TryGetValue(path + " " + field, out string? v) ? v : null;
    }

    public static Result Compare(byte[] bytes)
    {
        var ours = Ours(MimeMessage.Parse(bytes));
        Dictionary<string, string?> theirs;
        try
        {
            using var stream = new MemoryStream(bytes, writable: false);
            theirs = Theirs(Mk.MimeMessage.Load(Mk.ParserOptions.Default, stream));
        }
        catch (FormatException e)
        {
            // MimeKit throws where ours reports issues; recorded as a difference of its own.
            return new Result([new Difference("/", "parse", "parsed", e.Message)], ours);
        }

        var diffs = new List<Difference>();
        foreach (string key in ours.Keys.Union(theirs.Keys).Order(StringComparer.Ordinal))
        {
            ours.TryGetValue(key, out string? a);
            theirs.TryGetValue(key, out string? b);
            if (!string.Equals(a, b, StringComparison.Ordinal))
            {
                int space = key.IndexOf(' ', StringComparison.Ordinal);
                diffs.Add(new Difference(key[..space], key[(space + 1)..], a, b));
            }
        }

        return new Result(diffs, ours);
    }

    private static Dictionary<string, string?> Ours(MimeMessage m)
    {
        var facts = new Dictionary<string, string?>(StringComparer.Ordinal);
        Message(facts, "", m.Subject, m.From, m.To, m.Cc);
        Entity(facts, "/", m.Root);
        return facts;
    }

    private static void Message(Dictionary<string, string?> facts, string path, string? subject, IEnumerable<MailAddress> from, IEnumerable<MailAddress> to, IEnumerable<MailAddress> cc)
    {
        facts[path + "/ subject"] = subject is null ? null : Normalize(subject);
        facts[path + "/ from"] = Addresses(from.Mailboxes().Select(a => (a.DisplayName, a.Address)));
        facts[path + "/ to"] = Addresses(to.Mailboxes().Select(a => (a.DisplayName, a.Address)));
        facts[path + "/ cc"] = Addresses(cc.Mailboxes().Select(a => (a.DisplayName, a.Address)));
    }

    private static void Entity(Dictionary<string, string?> facts, string path, MimeEntity e)
    {
        facts[path + " type"] = e.ContentType.MimeType;
        facts[path + " charset"] = e.ContentType.Charset?.ToLowerInvariant();
        facts[path + " name"] = e.ContentType.Name;
        facts[path + " filename"] = e.ContentDisposition?.FileName;
        facts[path + " disposition"] = e.ContentDisposition?.Disposition.ToLowerInvariant();
        if (e.IsMultipart)
        {
            facts[path + " children"] = e.Children.Count.ToString(CultureInfo.InvariantCulture);
            for (int i = 0; i < e.Children.Count; i++)
            {
                Entity(facts, path + (i + 1) + "/", e.Children[i]);
            }
        }
        else if (e.Message is not null)
        {
            MimeMessage inner = e.Message;
            Message(facts, path + "m", inner.Subject, inner.From, inner.To, inner.Cc);
            Entity(facts, path + "m/", inner.Root);
        }
        else if (e.ContentType.IsText)
        {
            facts[path + " text"] = Normalize(e.GetText());
        }
        else
        {
            facts[path + " sha256"] = Hash(e.GetDecodedBody().Span);
        }
    }

    private static Dictionary<string, string?> Theirs(Mk.MimeMessage m)
    {
        var facts = new Dictionary<string, string?>(StringComparer.Ordinal);
        Message(facts, "", m);
        Entity(facts, "/", m.Body);
        return facts;
    }

    private static void Message(Dictionary<string, string?> facts, string path, Mk.MimeMessage m)
    {
        facts[path + "/ subject"] = m.Subject is null ? null : Normalize(m.Subject);
        facts[path + "/ from"] = Addresses(m.From.Mailboxes.Select(a => ((string?)a.Name, a.Address)));
        facts[path + "/ to"] = Addresses(m.To.Mailboxes.Select(a => ((string?)a.Name, a.Address)));
        facts[path + "/ cc"] = Addresses(m.Cc.Mailboxes.Select(a => ((string?)a.Name, a.Address)));
    }

    private static void Entity(Dictionary<string, string?> facts, string path, Mk.MimeEntity? e)
    {
        if (e is null)
        {
            facts[path + " type"] = null;
            return;
        }

        facts[path + " type"] = e.ContentType.MimeType.ToLowerInvariant();
        // Ours materialises the RFC 2045 section 5.2 default "text/plain; charset=us-ascii" when
        // there is no Content-Type field; MimeKit leaves the parameter out. Both mean US-ASCII.
        facts[path + " charset"] = e.ContentType.Charset?.ToLowerInvariant()
            ?? (e is Mk.TextPart && !e.Headers.Contains(Mk.HeaderId.ContentType) ? "us-ascii" : null);
        facts[path + " name"] = e.ContentType.Name;
        facts[path + " filename"] = e.ContentDisposition?.FileName;
        facts[path + " disposition"] = e.ContentDisposition?.Disposition.ToLowerInvariant();
        switch (e)
        {
            case Mk.Multipart multipart:
                facts[path + " children"] = multipart.Count.ToString(CultureInfo.InvariantCulture);
                for (int i = 0; i < multipart.Count; i++)
                {
                    Entity(facts, path + (i + 1) + "/", multipart[i]);
                }

                break;
            case Mk.MessagePart { Message: { } inner }:
                Message(facts, path + "m", inner);
                Entity(facts, path + "m/", inner.Body);
                break;
            case Mk.TextPart text:
                facts[path + " text"] = Normalize(text.Text);
                break;
            case Mk.MimePart leaf:
                using (var decoded = new MemoryStream())
                {
                    leaf.Content?.DecodeTo(decoded);
                    facts[path + " sha256"] = Hash(decoded.ToArray());
                }

                break;
            default:
                facts[path + " other"] = e.GetType().Name;
                break;
        }
    }

    private static string Addresses(IEnumerable<(string? Name, string Address)> list) =>
        string.Join(" | ", list.Select(a => $"{(string.IsNullOrEmpty(a.Name) ? "" : Normalize(a.Name))} <{a.Address}>"));

    // Line ends are a transport matter (RFC 5322 section 2.1 is CRLF; LF-only input is the
    // variant being tested), and folding whitespace collapses when unfolding (section 2.2.3).
    private static string Normalize(string s) => s.Replace("\r\n", "\n", StringComparison.Ordinal);

    private static string Hash(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes))[..16] + "/" + bytes.Length.ToString(CultureInfo.InvariantCulture);
}
