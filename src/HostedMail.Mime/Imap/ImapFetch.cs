using System.Buffers;

namespace HostedMail.Mime;

/// <summary>Outcome of a BINARY fetch (RFC 3516).</summary>
public enum BinaryFetchStatus
{
    /// <summary>The decoded bytes are returned.</summary>
    Ok,

    /// <summary>The section does not exist in this message.</summary>
    NotFound,

    /// <summary>The part uses a transfer encoding the server cannot decode; answer NO [UNKNOWN-CTE] (RFC 3516 section 4.3).</summary>
    UnknownEncoding,
}

/// <summary>Returns the exact bytes of BODY[section]&lt;partial&gt; and BINARY[section] fetches (RFC 9051 section 6.4.5, RFC 3516).</summary>
public static class ImapFetch
{
    /// <summary>Returns the bytes of BODY[section] (with its partial range applied), or null when the section does not exist.</summary>
    public static ReadOnlyMemory<byte>? Section(MimeMessage message, ImapSection section)
    {
        ReadOnlyMemory<byte>? full = SectionWithoutPartial(message, section);
        return full is null ? null : (ReadOnlyMemory<byte>?)ApplyPartial(full.Value, section);
    }

    /// <summary>Returns the decoded content of BINARY[section] with its partial range applied.</summary>
    public static BinaryFetchStatus Binary(MimeMessage message, ImapSection section, out ReadOnlyMemory<byte> bytes)
    {
        bytes = ReadOnlyMemory<byte>.Empty;
        if (section.Kind != ImapSectionKind.Full)
        {
            return BinaryFetchStatus.NotFound;
        }

        if (section.Part.Count == 0)
        {
            bytes = ApplyPartial(message.Raw, section);
            return BinaryFetchStatus.Ok;
        }

        MimeEntity? e = Resolve(message, section.Part, out _);
        if (e is null)
        {
            if (IsPartOfEmptyMultipart(message, section.Part))
            {
                // The empty text/plain part BODYSTRUCTURE reports for a multipart without parts.
                return BinaryFetchStatus.Ok;
            }

            return BinaryFetchStatus.NotFound;
        }

        ContentEncoding cte = e.ContentEncoding;
        if (cte is ContentEncoding.Unknown or ContentEncoding.UuEncode)
        {
            return BinaryFetchStatus.UnknownEncoding;
        }

        bytes = ApplyPartial(e.GetDecodedBody(), section);
        return BinaryFetchStatus.Ok;
    }

    private static ReadOnlyMemory<byte> ApplyPartial(ReadOnlyMemory<byte> bytes, ImapSection section)
    {
        if (section.PartialStart is not long start)
        {
            return bytes;
        }

        // RFC 9051 section 6.4.5: a start past the end gives an empty string.
        if (start >= bytes.Length)
        {
            return ReadOnlyMemory<byte>.Empty;
        }

        long length = Math.Min(section.PartialLength ?? long.MaxValue, bytes.Length - start);
        return bytes.Slice((int)start, (int)length);
    }

    private static ReadOnlyMemory<byte>? SectionWithoutPartial(MimeMessage message, ImapSection section)
    {
        MimeEntity? part = null;
        if (section.Part.Count > 0)
        {
            part = Resolve(message, section.Part, out _);
            if (part is null)
            {
                // BODYSTRUCTURE reports an empty text/plain part 1 for a multipart without parts (a
                // multipart has at least one part, RFC 9051 body-type-mpart): its text and MIME
                // header exist and are empty (RFC 3501 section 6.4.5), the rest is NIL as for any
                // non-message part.
                if (IsPartOfEmptyMultipart(message, section.Part) && section.Kind is ImapSectionKind.Full or ImapSectionKind.Mime)
                {
                    return ReadOnlyMemory<byte>.Empty;
                }

                return null;
            }
        }

        switch (section.Kind)
        {
            case ImapSectionKind.Full:
                return part is null ? message.Raw : part.RawBody;
            case ImapSectionKind.Mime:
                return MimeHeader(part!);
            default:
                // HEADER / HEADER.FIELDS / TEXT of a part apply to the message it carries
                // (RFC 9051 section 6.4.5: only for message/rfc822 parts).
                MimeMessage? m = part is null ? message : part.Message;
                if (m is null)
                {
                    return null;
                }

                return section.Kind switch
                {
                    ImapSectionKind.Header => m.Root.RawHeader,
                    ImapSectionKind.Text => m.Root.RawBody,
                    ImapSectionKind.HeaderFields => FilterHeaders(m.Root, section.Fields, include: true),
                    _ => FilterHeaders(m.Root, section.Fields, include: false),
                };
        }
    }

    /// <summary>Whether the path is "1" below a multipart that has no parts (see <see cref="ImapBodyStructure.WriteBody"/>).</summary>
    private static bool IsPartOfEmptyMultipart(MimeMessage message, IReadOnlyList<int> path)
    {
        if (path.Count == 0 || path[^1] != 1)
        {
            return false;
        }

        MimeEntity? parent = path.Count == 1 ? message.Root : Resolve(message, [.. path.Take(path.Count - 1)], out _);
        if (parent?.Message is { } carried)
        {
            parent = carried.Root;
        }

        return parent is { IsMultipart: true, Children.Count: 0 };
    }

    /// <summary>Finds the entity a part path names; null when it does not exist.</summary>
    /// <remarks>
    /// RFC 9051 section 6.4.5: a message that is not multipart has exactly one part, "1", its body;
    /// below a part, numbers exist only inside a multipart (its children) or a message/rfc822 part
    /// (the encapsulated message, whose own non-multipart body is again "1"). So "1.1" of a
    /// text/plain message, or "2.1" when part 2 is text/html, names nothing and FETCH returns NIL.
    /// Dovecot instead lets a run of ".1" repeat a non-multipart part; the RFC does not allow that
    /// part to exist, so this deliberate difference follows the RFC.
    /// </remarks>
    public static MimeEntity? Resolve(MimeMessage message, IReadOnlyList<int> path, out MimeMessage? container)
    {
        container = message;
        MimeEntity? current = null;
        MimeMessage? currentMessage = message;
        foreach (int n in path)
        {
            MimeEntity scope;
            if (current is null || current.Message is not null)
            {
                // Stepping into a message: its root is part 1 unless it is a multipart.
                MimeMessage m = current is null ? currentMessage! : current.Message!;
                container = m;
                scope = m.Root;
                if (!scope.IsMultipart)
                {
                    if (n != 1)
                    {
                        return null;
                    }

                    current = scope;
                    continue;
                }
            }
            else if (current.IsMultipart)
            {
                scope = current;
            }
            else
            {
                return null;
            }

            if (n > scope.Children.Count)
            {
                return null;
            }

            current = scope.Children[n - 1];
        }

        return current;
    }

    /// <summary>
    /// The MIME header of a part. When the header's last line break is directly followed by the next
    /// boundary line, the empty line the header seems to end with is the line break that RFC 2046
    /// section 5.1.1 attaches to the delimiter: the part has a header, no blank line and no body, and
    /// RFC 3501 section 6.4.5 leaves the blank line out in that case.
    /// </summary>
    private static ReadOnlyMemory<byte> MimeHeader(MimeEntity part)
    {
        var header = part.RawHeader;
        if (part.Parent is null || part.BodyLength != 0 || !FollowedByBoundary(part))
        {
            return header;
        }

        var span = header.Span;
        if (span.EndsWith("\r\n\r\n"u8))
        {
            return header[..^2];
        }

        return span.EndsWith("\n\n"u8) ? header[..^1] : header;
    }

    /// <summary>Whether the bytes right after the part's header start a boundary line ("--").</summary>
    private static bool FollowedByBoundary(MimeEntity part)
    {
        var rest = part.Source.Span[part.BodyOffset..];
        return rest.StartsWith("--"u8);
    }

    /// <summary>
    /// RFC 3501 section 6.4.5: the blank line is included in header fetches "except in the case of a
    /// message which has no body and no blank line", where the header block ends without one.
    /// </summary>
    private static bool EndsWithBlankLine(MimeEntity entity)
    {
        var span = entity.RawHeader.Span;
        return span.EndsWith("\r\n\r\n"u8) || span.EndsWith("\n\n"u8) || span.SequenceEqual("\r\n"u8) || span.SequenceEqual("\n"u8);
    }

    private static ReadOnlyMemory<byte> FilterHeaders(MimeEntity entity, IReadOnlyList<string> names, bool include)
    {
        var output = new ArrayBufferWriter<byte>();
        foreach (Header h in entity.Headers)
        {
            bool listed = false;
            foreach (string n in names)
            {
                if (h.Is(n))
                {
                    listed = true;
                    break;
                }
            }

            if (listed == include)
            {
                output.Write(h.Raw.Span);
                // A last field without a line break still needs one before the empty line.
                if (h.Raw.Span[^1] != '\n')
                {
                    output.Write("\r\n"u8);
                }
            }
        }

        // RFC 9051 section 6.4.5: the subset is followed by the blank line that ends a header, unless
        // the message has none (no body and no blank line, RFC 3501 section 6.4.5).
        if (EndsWithBlankLine(entity) || entity.BodyLength > 0)
        {
            output.Write("\r\n"u8);
        }

        return output.WrittenMemory;
    }
}
