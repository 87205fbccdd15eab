using System.Text;

namespace HostedMail.Mime;

/// <summary>A parsed RFC 5322 message over its original bytes: headers, the MIME entity tree, and convenience accessors.</summary>
/// <remarks>The message keeps a reference to the bytes it was parsed from; they must not change afterwards.</remarks>
public sealed class MimeMessage
{
    private IReadOnlyList<MailAddress>? _from;

    internal MimeMessage(ReadOnlyMemory<byte> source, MimeEntity root, MimeIssues issues)
    {
        Source = source;
        Root = root;
        Issues = issues;
    }

    /// <summary>Parses a message; never throws on malformed input and runs in time linear in its size.</summary>
    public static MimeMessage Parse(ReadOnlyMemory<byte> bytes, MimeParserOptions? options = null) => MimeParser.Parse(bytes, options);

    /// <summary>Parses a message given as text, encoded as UTF-8 (for tests and tools).</summary>
    public static MimeMessage Parse(string text, MimeParserOptions? options = null) => Parse(Encoding.UTF8.GetBytes(text), options);

    /// <summary>Reads a stream to its end and parses it; fails with <see cref="InvalidDataException"/> only when the stream is longer than <paramref name="maxBytes"/>.</summary>
    public static async Task<MimeMessage> ParseAsync(Stream stream, MimeParserOptions? options = null, long maxBytes = int.MaxValue, CancellationToken cancellationToken = default)
    {
        using var buffer = stream.CanSeek ? new MemoryStream((int)Math.Min(Math.Max(stream.Length - stream.Position, 0), maxBytes)) : new MemoryStream();
        var chunk = new byte[81920];
        int n;
        while ((n = await stream.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + n > maxBytes)
            {
                throw new InvalidDataException($"The message is longer than {maxBytes} bytes.");
            }

            buffer.Write(chunk, 0, n);
        }

        return Parse(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), options);
    }

    /// <summary>The whole buffer the message was parsed from (for a nested message, the outer message's bytes).</summary>
    public ReadOnlyMemory<byte> Source { get; }

    /// <summary>The bytes of this message: header and body.</summary>
    public ReadOnlyMemory<byte> Raw => Root.Raw;

    /// <summary>The root entity: the message header and its body (a multipart, a nested message or a leaf).</summary>
    public MimeEntity Root { get; }

    /// <summary>Irregularities found while parsing (set on the outermost message).</summary>
    public MimeIssues Issues { get; }

    /// <summary>The message header fields.</summary>
    public HeaderList Headers => Root.Headers;

    /// <summary>The RFC 2047-decoded Subject, or null.</summary>
    public string? Subject => Headers.GetDecodedValue("Subject");

    /// <summary>The parsed Date, or null when absent or unparseable.</summary>
    public DateTimeOffset? Date => DateParser.Parse(Headers.GetValue("Date"));

    /// <summary>The Message-ID without angle brackets, or null.</summary>
    public string? MessageId => MessageIds.ParseOne(Headers.GetValue("Message-ID"));

    /// <summary>The In-Reply-To ids.</summary>
    public IReadOnlyList<string> InReplyTo => MessageIds.ParseList(Headers.GetValue("In-Reply-To"));

    /// <summary>The References ids, oldest first.</summary>
    public IReadOnlyList<string> References => MessageIds.ParseList(string.Join(' ', Headers.GetAll("References").Select(h => h.Value)));

    /// <summary>The From list (usually one mailbox).</summary>
    public IReadOnlyList<MailAddress> From => _from ??= GetAddresses("From");

    /// <summary>The Sender mailbox, or null.</summary>
    public MailboxAddress? Sender => GetAddresses("Sender").Mailboxes().FirstOrDefault();

    /// <summary>The Reply-To list.</summary>
    public IReadOnlyList<MailAddress> ReplyTo => GetAddresses("Reply-To");

    /// <summary>The To list.</summary>
    public IReadOnlyList<MailAddress> To => GetAddresses("To");

    /// <summary>The Cc list.</summary>
    public IReadOnlyList<MailAddress> Cc => GetAddresses("Cc");

    /// <summary>The Bcc list.</summary>
    public IReadOnlyList<MailAddress> Bcc => GetAddresses("Bcc");

    /// <summary>Parses every field with this name as one address list.</summary>
    public IReadOnlyList<MailAddress> GetAddresses(string headerName)
    {
        var list = new List<MailAddress>();
        foreach (Header h in Headers.GetAll(headerName))
        {
            list.AddRange(AddressParser.ParseList(h.Value));
        }

        return list;
    }

    /// <summary>The byte offset of this message in <see cref="Source"/>.</summary>
    public int Offset => Root.Offset;

    /// <summary>Every entity of the message, depth-first, including those of nested messages.</summary>
    public IEnumerable<MimeEntity> Entities => Root.Descendants();

    /// <summary>The first text/plain body part that is not an attachment, decoded to text; null when there is none.</summary>
    public string? TextBody => FindBody("plain")?.GetText();

    /// <summary>The first text/html body part that is not an attachment, decoded to text; null when there is none.</summary>
    public string? HtmlBody => FindBody("html")?.GetText();

    /// <summary>The entities that are attachments (disposition attachment, or named non-text parts).</summary>
    public IEnumerable<MimeEntity> Attachments => Entities.Where(e => !e.IsMultipart && e.Message is null && e.IsAttachment);

    private MimeEntity? FindBody(string subtype)
    {
        // Walk without entering attached messages: their bodies are not this message's body.
        var stack = new Stack<MimeEntity>();
        stack.Push(Root);
        while (stack.Count > 0)
        {
            MimeEntity e = stack.Pop();
            if (e.IsMultipart)
            {
                for (int i = e.Children.Count - 1; i >= 0; i--)
                {
                    stack.Push(e.Children[i]);
                }

                continue;
            }

            if (e.ContentType.Is("text", subtype) && !e.IsAttachment)
            {
                return e;
            }
        }

        return null;
    }

    /// <summary>The IMAP ENVELOPE value (RFC 9051 section 7.5.2).</summary>
    public byte[] GetImapEnvelope(bool utf8Quoted = false) => ImapBodyStructure.Envelope(this, utf8Quoted);

    /// <summary>The IMAP BODYSTRUCTURE value, or the BODY value when <paramref name="extensible"/> is false.</summary>
    public byte[] GetImapBodyStructure(bool extensible = true, bool utf8Quoted = false, bool imap4rev2 = false) => ImapBodyStructure.BodyStructure(this, extensible, utf8Quoted, imap4rev2);

    /// <summary>The bytes of BODY[section] with an optional partial "start.length"; null when the section is invalid or absent.</summary>
    public ReadOnlyMemory<byte>? FetchSection(string section, string? partial = null) =>
        ImapSection.TryParse(section, partial, out ImapSection parsed) ? ImapFetch.Section(this, parsed) : (ReadOnlyMemory<byte>?)null;

    /// <summary>Searchable text of all body text parts (see <see cref="TextExtraction.ExtractText"/>).</summary>
    public string ExtractText(int maxChars = 1 << 20) => TextExtraction.ExtractText(this, maxChars);

    /// <inheritdoc/>
    public override string ToString() => $"{Subject} ({Root.ContentType.MimeType}, {Raw.Length} bytes)";
}
