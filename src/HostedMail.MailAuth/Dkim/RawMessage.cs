namespace HostedMail.MailAuth.Dkim;

/// <summary>One header field exactly as it appears: name and the whole field including folding and its final CRLF.</summary>
internal readonly record struct RawHeader(string Name, ReadOnlyMemory<byte> Field)
{
    /// <summary>The bytes after the colon, up to but excluding the final CRLF.</summary>
    public ReadOnlySpan<byte> Value
    {
        get
        {
            var span = Field.Span;
            var colon = span.IndexOf((byte)':');
            var end = span.Length >= 2 && span[^2] == '\r' && span[^1] == '\n' ? span.Length - 2 : span.Length;
            return span[(colon + 1)..end];
        }
    }
}

/// <summary>The header/body split of a raw RFC 5322 message, done here so MailAuth needs no MIME parser.</summary>
internal sealed class RawMessage
{
    // Implementation notes:
    // - DKIM works on the message as transmitted, CRLF line ends. A message with bare LF (files, tools)
    //   is converted to CRLF once up front, as dkimpy and OpenDKIM do; CRLF input is used as-is, zero copy.
    // - A line without a colon in the header block ends nothing: it is kept as a nameless field so the
    //   byte ranges stay exact, and is never selected by name.
    private RawMessage(ReadOnlyMemory<byte> bytes, List<RawHeader> headers, int bodyOffset)
    {
        Bytes = bytes;
        Headers = headers;
        BodyOffset = bodyOffset;
    }

    public ReadOnlyMemory<byte> Bytes { get; }
    public List<RawHeader> Headers { get; }
    public int BodyOffset { get; }
    public ReadOnlyMemory<byte> Body => Bytes[BodyOffset..];

    public static RawMessage Parse(ReadOnlyMemory<byte> message)
    {
        message = ToCrLf(message);
        var span = message.Span;
        var headers = new List<RawHeader>();
        var pos = 0;
        while (pos < span.Length)
        {
            if (span[pos..].StartsWith("\r\n"u8))
            {
                return new RawMessage(message, headers, pos + 2);
            }

            // A field runs until a CRLF not followed by WSP (RFC 5322 section 2.2.3 unfolding).
            var end = pos;
            while (true)
            {
                var lf = span[end..].IndexOf((byte)'\n');
                if (lf < 0)
                {
                    end = span.Length;
                    break;
                }

                end += lf + 1;
                if (end >= span.Length || span[end] is not ((byte)' ' or (byte)'\t'))
                {
                    break;
                }
            }

            var field = message[pos..end];
            var colon = field.Span.IndexOf((byte)':');
            var name = colon > 0 ? System.Text.Encoding.ASCII.GetString(field.Span[..colon]).TrimEnd(' ', '\t') : string.Empty;
            headers.Add(new RawHeader(name, field));
            pos = end;
        }

        return new RawMessage(message, headers, span.Length);
    }

    private static ReadOnlyMemory<byte> ToCrLf(ReadOnlyMemory<byte> message)
    {
        var span = message.Span;
        var bare = 0;
        for (var i = span.IndexOf((byte)'\n'); i >= 0 && i < span.Length; )
        {
            if (i == 0 || span[i - 1] != '\r')
            {
                bare++;
            }

            var next = span[(i + 1)..].IndexOf((byte)'\n');
            i = next < 0 ? -1 : i + 1 + next;
        }

        if (bare == 0)
        {
            return message;
        }

        var output = new byte[span.Length + bare];
        var o = 0;
        for (var i = 0; i < span.Length; i++)
        {
            if (span[i] == '\n' && (i == 0 || span[i - 1] != '\r'))
            {
                output[o++] = (byte)'\r';
            }

            output[o++] = span[i];
        }

        return output;
    }
}
