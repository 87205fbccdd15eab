namespace HostedMail.Mime;

// Implementation notes:
// - One forward pass. Every byte is examined by at most one scan (header lines, or a vectorised
//   search for "\n--" in bodies), so time is linear in the input; boundary candidates are compared
//   against the open boundaries, whose number is bounded by MaxNestingDepth.
// - A boundary line of any enclosing multipart ends the current entity (RFC 2046 section 5.1.2:
//   a missing close delimiter must not swallow the outer parts).
// - Recursion depth is bounded by MaxNestingDepth (capped at 256).
// - Nothing here throws on input: all indexing is checked against the span.

/// <summary>Builds the entity tree of a message from its bytes; used through <see cref="MimeMessage.Parse(ReadOnlyMemory{byte}, MimeParserOptions?)"/>.</summary>
internal sealed class MimeParser
{
    private readonly ReadOnlyMemory<byte> _memory;
    private readonly MimeParserOptions _options;
    private readonly List<byte[]> _boundaries = [];
    private readonly int _maxDepth;
    private readonly Dictionary<uint, string> _names = [];
    private int _parts;

    private MimeParser(ReadOnlyMemory<byte> memory, MimeParserOptions options)
    {
        _memory = memory;
        _options = options;
        _maxDepth = Math.Clamp(options.MaxNestingDepth, 0, 256);
    }

    public MimeIssues Issues { get; private set; }

    /// <summary>Where an entity's content stopped: the end of input or a boundary line.</summary>
    private struct Stop
    {
        public bool AtBoundary;
        public int LineStart;     // first byte of the boundary line
        public int LineEnd;       // first byte after its line break
        public int ContentEnd;    // after "--b" / "--b--" and padding, before the line break
        public int Level;         // index into _boundaries
        public bool IsClose;
    }

    public static MimeMessage Parse(ReadOnlyMemory<byte> memory, MimeParserOptions? options)
    {
        var parser = new MimeParser(memory, options ?? MimeParserOptions.Default);
        if (memory.Span.Contains((byte)0))
        {
            parser.Issues |= MimeIssues.NulByte;
        }

        int start = 0;
        ReadOnlySpan<byte> data = memory.Span;
        // An mbox "From " separator line is not a header; skip it.
        if (data.StartsWith("From "u8))
        {
            int nl = data.IndexOf((byte)'\n');
            start = nl < 0 ? data.Length : nl + 1;
        }

        MimeEntity root = parser.ParseEntity(start, 0, null, digestChild: false, out _);
        return new MimeMessage(memory, root, parser.Issues);
    }

    private MimeEntity ParseEntity(int start, int depth, MimeEntity? parent, bool digestChild, out Stop stop)
    {
        ReadOnlySpan<byte> data = _memory.Span;
        var entity = new MimeEntity(_memory, parent, start);
        _parts++;
        int bodyStart = ParseHeaders(start, entity, out bool stoppedAtBoundary, out stop);
        entity.BodyOffset = bodyStart;
        if (stoppedAtBoundary)
        {
            entity.EndOffset = bodyStart;
            entity.ContentType = ResolveContentType(entity, digestChild);
            return entity;
        }

        ContentType type = ResolveContentType(entity, digestChild);
        entity.ContentType = type;
        bool canNest = depth < _maxDepth && _parts < _options.MaxPartCount;
        if (type.IsMultipart)
        {
            if (canNest)
            {
                ParseMultipart(entity, bodyStart, depth, type, out stop);
                return entity;
            }

            Issues |= depth >= _maxDepth ? MimeIssues.NestingLimit : MimeIssues.PartLimit;
        }
        else if (type.IsMessage && entity.ContentEncoding is ContentEncoding.SevenBit or ContentEncoding.EightBit or ContentEncoding.Binary)
        {
            if (canNest)
            {
                MimeEntity inner = ParseEntity(bodyStart, depth + 1, entity, digestChild: false, out stop);
                entity.EndOffset = inner.EndOffset;
                entity.Message = new MimeMessage(_memory, inner, MimeIssues.None);
                return entity;
            }

            Issues |= depth >= _maxDepth ? MimeIssues.NestingLimit : MimeIssues.PartLimit;
        }

        // A leaf: its body runs to the next boundary line of any open multipart.
        if (FindBoundary(data, bodyStart, out stop))
        {
            entity.EndOffset = EndBefore(data, stop.LineStart, bodyStart);
        }
        else
        {
            entity.EndOffset = data.Length;
        }

        return entity;
    }

    private static ContentType ResolveContentType(MimeEntity entity, bool digestChild)
    {
        string? value = entity.Headers.GetValue("Content-Type");
        if (value is null)
        {
            return digestChild ? ContentType.DigestDefault : ContentType.Default;
        }

        return ContentType.Parse(value);
    }

    private void ParseMultipart(MimeEntity entity, int bodyStart, int depth, ContentType type, out Stop stop)
    {
        ReadOnlySpan<byte> data = _memory.Span;
        entity.IsMultipart = true;
        string? boundary = type.Boundary;
        var children = new List<MimeEntity>();
        entity.Children = children;
        // RFC 2046 section 5.1.1: 1 to 70 characters; longer ones are accepted but bounded.
        if (string.IsNullOrEmpty(boundary) || boundary.Length > 998)
        {
            Issues |= MimeIssues.MissingBoundaryParameter;
            entity.EndOffset = FindBoundary(data, bodyStart, out stop) ? EndBefore(data, stop.LineStart, bodyStart) : data.Length;
            entity.Preamble = _memory[bodyStart..entity.EndOffset];
            return;
        }

        byte[] boundaryBytes = System.Text.Encoding.UTF8.GetBytes(boundary);
        int level = _boundaries.Count;
        _boundaries.Add(boundaryBytes);
        bool digest = type.MediaSubtype.Equals("digest", StringComparison.OrdinalIgnoreCase);
        try
        {
            // Preamble.
            if (!FindBoundary(data, bodyStart, out stop))
            {
                Issues |= MimeIssues.BoundaryNotFound;
                entity.Preamble = _memory[bodyStart..];
                entity.EndOffset = data.Length;
                return;
            }

            entity.Preamble = _memory[bodyStart..EndBefore(data, stop.LineStart, bodyStart)];
            if (stop.Level < level)
            {
                Issues |= MimeIssues.BoundaryNotFound;
                entity.EndOffset = EndBefore(data, stop.LineStart, bodyStart);
                return;
            }

            // Parts.
            while (!stop.IsClose)
            {
                if (_parts >= _options.MaxPartCount)
                {
                    Issues |= MimeIssues.PartLimit;
                    SkipToClose(data, level, ref stop);
                    break;
                }

                MimeEntity child = ParseEntity(stop.LineEnd, depth + 1, entity, digest, out stop);
                children.Add(child);
                if (!stop.AtBoundary)
                {
                    Issues |= MimeIssues.MissingCloseDelimiter;
                    entity.EndOffset = data.Length;
                    entity.Epilogue = ReadOnlyMemory<byte>.Empty;
                    return;
                }

                if (stop.Level < level)
                {
                    // An enclosing boundary: this multipart ended without its close delimiter.
                    Issues |= MimeIssues.MissingCloseDelimiter;
                    entity.EndOffset = child.EndOffset;
                    return;
                }
            }

            if (!stop.AtBoundary)
            {
                entity.EndOffset = data.Length;
                return;
            }

            // Epilogue: after the close delimiter line, up to an enclosing boundary or the end.
            int closeContentEnd = stop.ContentEnd;
            int epilogueStart = stop.LineEnd;
            _boundaries.RemoveAt(level);
            if (FindBoundary(data, epilogueStart, out stop))
            {
                if (stop.LineStart == epilogueStart)
                {
                    entity.EndOffset = closeContentEnd;
                    entity.Epilogue = ReadOnlyMemory<byte>.Empty;
                }
                else
                {
                    entity.EndOffset = EndBefore(data, stop.LineStart, epilogueStart);
                    entity.Epilogue = _memory[epilogueStart..entity.EndOffset];
                }
            }
            else
            {
                entity.EndOffset = data.Length;
                entity.Epilogue = _memory[epilogueStart..];
            }
        }
        finally
        {
            if (_boundaries.Count > level)
            {
                _boundaries.RemoveRange(level, _boundaries.Count - level);
            }
        }
    }

    // After the part limit: skip this multipart's remaining parts without creating entities.
    private void SkipToClose(ReadOnlySpan<byte> data, int level, ref Stop stop)
    {
        while (stop.AtBoundary && !stop.IsClose && stop.Level == level)
        {
            if (!FindBoundary(data, stop.LineEnd, out stop))
            {
                return;
            }
        }
    }

    // The body before a boundary line ends before the line break preceding it, which RFC 2046
    // section 5.1.1 attaches to the boundary; never before the body's own start.
    private static int EndBefore(ReadOnlySpan<byte> data, int lineStart, int floor)
    {
        int end = lineStart;
        if (end > floor && data[end - 1] == '\n')
        {
            end--;
            if (end > floor && data[end - 1] == '\r')
            {
                end--;
            }
        }

        return end;
    }

    private bool FindBoundary(ReadOnlySpan<byte> data, int from, out Stop stop)
    {
        stop = default;
        if (_boundaries.Count == 0 || from >= data.Length)
        {
            return false;
        }

        if (IsBoundaryLine(data, from, ref stop))
        {
            return true;
        }

        int pos = from;
        while (pos < data.Length)
        {
            int idx = data[pos..].IndexOf("\n--"u8);
            if (idx < 0)
            {
                return false;
            }

            int lineStart = pos + idx + 1;
            if (IsBoundaryLine(data, lineStart, ref stop))
            {
                return true;
            }

            pos = lineStart;
        }

        return false;
    }

    private bool IsBoundaryLine(ReadOnlySpan<byte> data, int lineStart, ref Stop stop)
    {
        ReadOnlySpan<byte> line = data[lineStart..];
        if (line.Length < 2 || line[0] != '-' || line[1] != '-')
        {
            return false;
        }

        ReadOnlySpan<byte> rest = line[2..];
        // Innermost first: with boundaries "abc" (inner) and "abcdef" (outer), "--abcdef" is the outer one.
        for (int level = _boundaries.Count - 1; level >= 0; level--)
        {
            byte[] b = _boundaries[level];
            if (!rest.StartsWith(b))
            {
                continue;
            }

            int p = 2 + b.Length;
            bool close = false;
            if (p + 1 < line.Length && line[p] == '-' && line[p + 1] == '-')
            {
                close = true;
                p += 2;
            }

            // RFC 2046 section 5.1.1 transport-padding: linear whitespace before the line break.
            while (p < line.Length && (line[p] == ' ' || line[p] == '\t'))
            {
                p++;
            }

            int contentEnd = p;
            if (p < line.Length && line[p] == '\r')
            {
                p++;
            }

            if (p < line.Length && line[p] != '\n')
            {
                continue;
            }

            stop.AtBoundary = true;
            stop.LineStart = lineStart;
            stop.ContentEnd = lineStart + contentEnd;
            stop.LineEnd = lineStart + Math.Min(p + 1, line.Length);
            stop.Level = level;
            stop.IsClose = close;
            return true;
        }

        return false;
    }

    private int ParseHeaders(int start, MimeEntity entity, out bool stoppedAtBoundary, out Stop stop)
    {
        ReadOnlySpan<byte> data = _memory.Span;
        var headers = new List<Header>();
        entity.Headers = new HeaderList(headers);
        stoppedAtBoundary = false;
        stop = default;
        int pos = start;
        int fieldStart = -1;
        int colon = -1;
        while (pos < data.Length)
        {
            int nl = data[pos..].IndexOf((byte)'\n');
            int lineEnd = nl < 0 ? data.Length : pos + nl + 1;
            ReadOnlySpan<byte> line = data[pos..lineEnd];
            byte first = line[0];
            if (first is (byte)' ' or (byte)'\t')
            {
                // RFC 5322 section 2.2.3 folding: a continuation of the current field.
                if (fieldStart < 0)
                {
                    Issues |= MimeIssues.InvalidHeaderLine;
                }

                pos = lineEnd;
                continue;
            }

            AddField(data, headers, fieldStart, colon, pos);
            fieldStart = -1;
            if (first == '\n' || (first == '\r' && line.Length >= 2 && line[1] == '\n') || (first == '\r' && line.Length == 1))
            {
                return lineEnd;
            }

            if (first == '-' && _boundaries.Count > 0 && IsBoundaryLine(data, pos, ref stop))
            {
                // A part whose header block runs straight into the next boundary: no body.
                Issues |= MimeIssues.UnterminatedHeader;
                stoppedAtBoundary = true;
                return pos;
            }

            int c = FieldColon(line);
            if (c < 0)
            {
                Issues |= MimeIssues.InvalidHeaderLine;
                return pos;
            }

            if (nl >= 1 && data[lineEnd - 2] != '\r')
            {
                Issues |= MimeIssues.BareLineFeed;
            }

            fieldStart = pos;
            colon = pos + c;
            pos = lineEnd;
        }

        AddField(data, headers, fieldStart, colon, pos);
        Issues |= MimeIssues.UnterminatedHeader;
        return data.Length;
    }

    private void AddField(ReadOnlySpan<byte> data, List<Header> headers, int fieldStart, int colon, int end)
    {
        if (fieldStart < 0)
        {
            return;
        }

        if (headers.Count >= _options.MaxHeaderCount)
        {
            Issues |= MimeIssues.HeaderCountLimit;
            return;
        }

        if (end - fieldStart > _options.MaxHeaderFieldLength)
        {
            Issues |= MimeIssues.HeaderTooLong;
            return;
        }

        ReadOnlySpan<byte> field = data[fieldStart..end];
        if (!System.Text.Ascii.IsValid(field))
        {
            Issues |= MimeIssues.EightBitHeader;
        }

        string name = Name(data[fieldStart..colon].TrimEnd(" \t"u8));
        headers.Add(new Header(name, _memory[fieldStart..end], colon + 1 - fieldStart, fieldStart));
    }

    // Field names repeat (Received, X-...); one string per distinct name per message, not per field.
    private string Name(ReadOnlySpan<byte> bytes)
    {
        uint hash = 2166136261;
        foreach (byte b in bytes)
        {
            hash = (hash ^ b) * 16777619;
        }

        if (_names.TryGetValue(hash, out string? known) && Same(bytes, known))
        {
            return known;
        }

        string name = HeaderNames.Get(bytes);
        if (_names.Count < 1024)
        {
            _names[hash] = name;
        }

        return name;
    }

    private static bool Same(ReadOnlySpan<byte> bytes, string s)
    {
        if (bytes.Length != s.Length)
        {
            return false;
        }

        for (int i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] != s[i])
            {
                return false;
            }
        }

        return true;
    }

    // The colon of a field line, or -1 when the line is not a header field (RFC 5322 section 2.2:
    // printable US-ASCII except colon for the name; obs-optional allows WSP before the colon).
    private static int FieldColon(ReadOnlySpan<byte> line)
    {
        int c = line.IndexOf((byte)':');
        if (c <= 0)
        {
            return -1;
        }

        ReadOnlySpan<byte> name = line[..c].TrimEnd(" \t"u8);
        if (name.IsEmpty)
        {
            return -1;
        }

        foreach (byte b in name)
        {
            if (b <= 32 || b >= 127)
            {
                return -1;
            }
        }

        return c;
    }
}
