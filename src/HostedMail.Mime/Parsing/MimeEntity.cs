namespace HostedMail.Mime;

/// <summary>One entity (part) of a parsed message: its headers, body location in the original bytes, and children or nested message.</summary>
public sealed class MimeEntity
{
    private readonly ReadOnlyMemory<byte> _source;
    private ContentDisposition? _disposition;
    private bool _dispositionParsed;
    private int _bodyLines = -1;

    internal MimeEntity(ReadOnlyMemory<byte> source, MimeEntity? parent, int start)
    {
        _source = source;
        Parent = parent;
        Offset = start;
        Headers = null!;
        ContentType = ContentType.Default;
    }

    /// <summary>The entity containing this one (a multipart or a message/rfc822 part), or null for a message's root.</summary>
    public MimeEntity? Parent { get; }

    /// <summary>The entity's header fields.</summary>
    public HeaderList Headers { get; internal set; }

    /// <summary>The effective content type: the header's, or the RFC 2045/2046 default.</summary>
    public ContentType ContentType { get; internal set; }

    /// <summary>The Content-Disposition, or null.</summary>
    public ContentDisposition? ContentDisposition
    {
        get
        {
            if (!_dispositionParsed)
            {
                _disposition = ContentDisposition.Parse(Headers.GetValue("Content-Disposition"));
                _dispositionParsed = true;
            }

            return _disposition;
        }
    }

    /// <summary>The Content-Transfer-Encoding (7bit when absent).</summary>
    public ContentEncoding ContentEncoding => ContentEncodings.Parse(Headers.GetValue("Content-Transfer-Encoding"));

    /// <summary>The Content-ID without angle brackets, or null.</summary>
    public string? ContentId => MessageIds.ParseOne(Headers.GetValue("Content-ID")) ?? Headers.GetValue("Content-ID");

    /// <summary>The file name from Content-Disposition, else the Content-Type name parameter.</summary>
    public string? FileName => ContentDisposition?.FileName ?? ContentType.Name;

    /// <summary>True when the entity is an attachment rather than body text.</summary>
    public bool IsAttachment => ContentDisposition?.IsAttachment == true || (ContentDisposition is null && FileName is not null && !ContentType.IsText);

    /// <summary>True when this entity is a multipart and so has <see cref="Children"/>.</summary>
    public bool IsMultipart { get; internal set; }

    /// <summary>The parts of a multipart, in order; empty otherwise.</summary>
    public IReadOnlyList<MimeEntity> Children { get; internal set; } = [];

    /// <summary>The message carried by a message/rfc822 or message/global part, or null.</summary>
    public MimeMessage? Message { get; internal set; }

    /// <summary>Absolute offset of the entity's first header byte.</summary>
    public int Offset { get; }

    /// <summary>Absolute offset of the body (just after the empty line ending the header).</summary>
    public int BodyOffset { get; internal set; }

    /// <summary>Absolute offset just past the body (before the line break that belongs to a following boundary).</summary>
    public int EndOffset { get; internal set; }

    /// <summary>Length of the header block in bytes, including the empty line.</summary>
    public int HeaderLength => BodyOffset - Offset;

    /// <summary>Length of the (still encoded) body in bytes; IMAP's body size.</summary>
    public int BodyLength => EndOffset - BodyOffset;

    /// <summary>Lines in the header block, counting the empty line.</summary>
    public int HeaderLines => CountLines(RawHeader.Span);

    /// <summary>Lines in the body (IMAP's body-fld-lines): line breaks, plus one for a final line without one.</summary>
    public int BodyLines => _bodyLines >= 0 ? _bodyLines : _bodyLines = CountLines(RawBody.Span);

    /// <summary>The header block bytes including the empty line.</summary>
    public ReadOnlyMemory<byte> RawHeader => _source[Offset..BodyOffset];

    /// <summary>The encoded body bytes.</summary>
    public ReadOnlyMemory<byte> RawBody => _source[BodyOffset..EndOffset];

    /// <summary>Header and body bytes of the entity.</summary>
    public ReadOnlyMemory<byte> Raw => _source[Offset..EndOffset];

    /// <summary>For a multipart, the bytes before the first boundary (RFC 2046 section 5.1.1).</summary>
    public ReadOnlyMemory<byte> Preamble { get; internal set; }

    /// <summary>For a multipart, the bytes after the close delimiter.</summary>
    public ReadOnlyMemory<byte> Epilogue { get; internal set; }

    /// <summary>The IMAP part specifier of this entity ("" for a message root, "1.2" etc. otherwise; RFC 9051 section 6.4.5).</summary>
    public string PartSpecifier => field ??= ComputeSpecifier();

    internal ReadOnlyMemory<byte> Source => _source;

    /// <summary>Decodes the Content-Transfer-Encoding; 7bit, 8bit, binary and unknown encodings return the body unchanged (without copying).</summary>
    public ReadOnlyMemory<byte> GetDecodedBody() => ContentEncoding switch
    {
        ContentEncoding.Base64 => TransferDecoding.DecodeBase64(RawBody.Span),
        ContentEncoding.QuotedPrintable => TransferDecoding.DecodeQuotedPrintable(RawBody.Span),
        _ => RawBody,
    };

    /// <summary>A read-only stream over the decoded body.</summary>
    public Stream OpenDecodedStream()
    {
        ReadOnlyMemory<byte> body = GetDecodedBody();
        return System.Runtime.InteropServices.MemoryMarshal.TryGetArray(body, out ArraySegment<byte> seg)
            ? new MemoryStream(seg.Array!, seg.Offset, seg.Count, writable: false)
            : new MemoryStream(body.ToArray(), writable: false);
    }

    /// <summary>Decodes the body to text using its charset (falling back without throwing); meaningful for text/* parts.</summary>
    public string GetText() => Charsets.Decode(GetDecodedBody().Span, ContentType.Charset);

    /// <summary>Enumerates this entity and every descendant depth-first, entering nested messages.</summary>
    public IEnumerable<MimeEntity> Descendants()
    {
        var stack = new Stack<MimeEntity>();
        stack.Push(this);
        while (stack.Count > 0)
        {
            MimeEntity e = stack.Pop();
            yield return e;
            if (e.Message is not null)
            {
                stack.Push(e.Message.Root);
            }

            for (int i = e.Children.Count - 1; i >= 0; i--)
            {
                stack.Push(e.Children[i]);
            }
        }
    }

    internal static int CountLines(ReadOnlySpan<byte> span)
    {
        if (span.IsEmpty)
        {
            return 0;
        }

        int n = span.Count((byte)'\n');
        return span[^1] == '\n' ? n : n + 1;
    }

    private string ComputeSpecifier()
    {
        if (Parent is null)
        {
            return string.Empty;
        }

        string prefix = Parent.PartSpecifier;
        if (Parent.IsMultipart)
        {
            int index = 0;
            for (int i = 0; i < Parent.Children.Count; i++)
            {
                if (ReferenceEquals(Parent.Children[i], this))
                {
                    index = i + 1;
                    break;
                }
            }

            // Children of a message root's multipart are "1", "2" ...; of a nested part, "2.1" ...
            return prefix.Length == 0 ? Number(index) : prefix + "." + Number(index);
        }

        // This is the root of a message carried by Parent (message/rfc822). Its own number is the
        // parent's: a single-part nested body is "N.1" only by the RFC 9051 section 6.4.5 rule for
        // non-multipart messages, handled in section resolution. A message whose own top-level
        // type is message/rfc822 is a non-multipart message: its body (the carried message) is
        // part "1", so that message's parts are "1.1", "1.2" (and its root is "1", not "").
        return prefix.Length == 0 ? "1" : prefix;
    }

    private static string Number(int n) => n.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <inheritdoc/>
    public override string ToString() => $"{ContentType.MimeType} @{Offset} body {BodyOffset}..{EndOffset}";
}
