using System.Buffers;
using System.Collections;
using System.Globalization;
using System.Text;

namespace HostedMail.Mime;

/// <summary>One MIME parameter, with RFC 2231 continuations joined and charsets decoded.</summary>
public sealed record MimeParameter(string Name, string Value);

/// <summary>The parameters of a Content-Type or Content-Disposition header, in order, looked up case-insensitively.</summary>
public sealed class ParameterList : IReadOnlyList<MimeParameter>
{
    private readonly List<MimeParameter> _items;

    /// <summary>The parameters as written (name with its RFC 2231 suffix, value unquoted), or null when built in code.</summary>
    private readonly List<(string RawName, string Value)>? _written;

    internal ParameterList(List<MimeParameter> items, List<(string RawName, string Value)>? written = null)
    {
        _items = items;
        _written = written;
    }

    /// <summary>An empty list.</summary>
    public static ParameterList Empty { get; } = new([]);

    /// <inheritdoc/>
    public int Count => _items.Count;

    /// <inheritdoc/>
    public MimeParameter this[int index] => _items[index];

    /// <summary>Returns the value of the first parameter with this name, or null.</summary>
    public string? this[string name]
    {
        get
        {
            foreach (MimeParameter p in _items)
            {
                if (p.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
                {
                    return p.Value;
                }
            }

            return null;
        }
    }

    /// <inheritdoc/>
    public IEnumerator<MimeParameter> GetEnumerator() => _items.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private sealed class Segment
    {
        public required string Name { get; init; }

        public SortedDictionary<int, (string Value, bool Encoded)> Parts { get; } = [];

        public bool HasRfc2231 { get; set; }
    }

    /// <summary>Parses "; name=value" parameters starting at index <paramref name="start"/> of the tokens (RFC 2045 section 5.1, RFC 2231).</summary>
    internal static ParameterList Parse(string text, int start)
    {
        var segments = new List<Segment>();
        var byName = new Dictionary<string, Segment>(StringComparer.OrdinalIgnoreCase);
        var written = new List<(string RawName, string Value)>();
        // Each parameter is the text between two top-level semicolons; scanning only that segment
        // keeps the work linear however the value is malformed.
        int semi = NextSemicolon(text, start);
        while (semi >= 0 && semi < text.Length && segments.Count < 1000)
        {
            int i = semi + 1;
            int next = NextSemicolon(text, i);
            int segmentEnd = next < 0 ? text.Length : next;
            int eq = text.IndexOf('=', i, segmentEnd - i);
            semi = next;
            if (eq < 0)
            {
                continue;
            }

            string rawName = HeaderLexer.StripComments(text[i..eq]).Trim();
            if (rawName.Length == 0 || rawName.Contains(' ', StringComparison.Ordinal))
            {
                continue;
            }

            int v = eq + 1;
            string value = ReadValue(text, ref v, segmentEnd);
            AddSegment(rawName, value, segments, byName);
            written.Add((rawName, value));
        }

        var items = new List<MimeParameter>(segments.Count);
        foreach (Segment s in segments)
        {
            items.Add(new MimeParameter(s.Name, Join(s)));
        }

        return new ParameterList(items, written);
    }

    /// <summary>
    /// The parameters as an IMAP body-fld-param lists them. Encoded words are left as written (RFC
    /// 2047 section 5 forbids them in parameters; clients that accept them decode them). RFC 2231
    /// continuations are joined (RFC 2231 section 3: the segments are one value). A charset-encoded
    /// value keeps its name with the asterisk: for IMAP4rev1 as written ("charset'language'" and
    /// percent-encoded octets: RFC 3501 section 7.4.2 returns parameters "as defined in
    /// [MIME-IMB]", and its strings are 7-bit), for IMAP4rev2 decoded to UTF-8 (RFC 9051 section
    /// 7.5.2). A plain "name=" sent alongside "name*=" for older readers is a parameter of its own.
    /// Plain parameters come first, then the RFC 2231 ones, as Dovecot lists them (the order of
    /// parameters carries no meaning).
    /// </summary>
    public IReadOnlyList<MimeParameter> ForImap(bool imap4rev2)
    {
        if (_written is null)
        {
            return _items;
        }

        var plain = new List<MimeParameter>();
        var groups = new List<Segment>();
        var byName = new Dictionary<string, Segment>(StringComparer.OrdinalIgnoreCase);
        foreach ((string rawName, string value) in _written)
        {
            if (!TrySplitRfc2231(rawName, out string name, out int index, out bool encoded))
            {
                plain.Add(new MimeParameter(rawName, value));
                continue;
            }

            if (!byName.TryGetValue(name, out Segment? seg))
            {
                seg = new Segment { Name = name, HasRfc2231 = true };
                byName[name] = seg;
                groups.Add(seg);
            }

            if (index < 10000)
            {
                seg.Parts.TryAdd(index, (value, encoded));
            }
        }

        foreach (Segment seg in groups)
        {
            if (!seg.Parts.Values.Any(p => p.Encoded))
            {
                plain.Add(new MimeParameter(seg.Name, string.Concat(seg.Parts.Values.Select(p => p.Value))));
            }
            else
            {
                plain.Add(new MimeParameter(seg.Name + "*", imap4rev2 ? Join(seg) : JoinEncoded(seg)));
            }
        }

        return plain;
    }

    /// <summary>Splits "name*", "name*N" and "name*N*" (RFC 2231 sections 3 and 4); false for a plain name.</summary>
    private static bool TrySplitRfc2231(string rawName, out string name, out int index, out bool encoded)
    {
        name = rawName;
        index = 0;
        encoded = false;
        int star = rawName.IndexOf('*', StringComparison.Ordinal);
        if (star <= 0)
        {
            return false;
        }

        string rest = rawName[(star + 1)..];
        if (rest.EndsWith('*'))
        {
            encoded = true;
            rest = rest[..^1];
        }
        else if (rest.Length == 0)
        {
            encoded = true;
        }

        if (rest.Length > 0 && !int.TryParse(rest, NumberStyles.None, CultureInfo.InvariantCulture, out index))
        {
            index = 0;
            encoded = false;
            return false;
        }

        name = rawName[..star];
        return true;
    }

    /// <summary>
    /// The segments of a charset-encoded value joined in the RFC 2231 extended form: the encoded
    /// segments as written, plain ones percent-encoded (UTF-8) where a character is not an
    /// attribute-char (RFC 2231 section 7).
    /// </summary>
    private static string JoinEncoded(Segment seg)
    {
        var sb = new StringBuilder();
        bool first = true;
        foreach ((int _, (string value, bool encoded)) in seg.Parts)
        {
            if (first && !encoded)
            {
                // No charset'language' prefix was written: an empty one keeps the form parseable.
                sb.Append("''");
            }

            first = false;
            if (encoded)
            {
                sb.Append(value);
                continue;
            }

            foreach (byte b in Encoding.UTF8.GetBytes(value))
            {
                if (b > 0x20 && b < 0x7F && "*'%()<>@,;:\\\"/[]?=".IndexOf((char)b, StringComparison.Ordinal) < 0)
                {
                    sb.Append((char)b);
                }
                else
                {
                    sb.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
                }
            }
        }

        return sb.ToString();
    }

    private static int NextSemicolon(string s, int from)
    {
        int i = from;
        while (i < s.Length)
        {
            char c = s[i];
            if (c == ';')
            {
                return i;
            }

            if (c == '"')
            {
                HeaderLexer.ReadQuoted(s, ref i);
                continue;
            }

            if (c == '(')
            {
                HeaderLexer.ReadComment(s, ref i);
                continue;
            }

            i++;
        }

        return -1;
    }

    private static string ReadValue(string s, ref int i, int segmentEnd)
    {
        while (i < s.Length && s[i] is ' ' or '\t' or '\r' or '\n')
        {
            i++;
        }

        if (i < s.Length && s[i] == '"')
        {
            string q = HeaderLexer.ReadQuoted(s, ref i);
            return q;
        }

        // Unquoted values with spaces are illegal but common ("name=my file.pdf"); take up to ';'.
        int start = i;
        i = segmentEnd;
        return HeaderLexer.StripComments(s[start..segmentEnd]).Trim();
    }

    private static void AddSegment(string rawName, string value, List<Segment> segments, Dictionary<string, Segment> byName)
    {
        bool rfc2231 = TrySplitRfc2231(rawName, out string name, out int index, out bool encoded);
        if (!byName.TryGetValue(name, out Segment? seg))
        {
            seg = new Segment { Name = name };
            byName[name] = seg;
            segments.Add(seg);
        }

        // RFC 2231 forms win over a plain "name=" sent alongside them for older readers.
        if (rfc2231 && !seg.HasRfc2231)
        {
            seg.Parts.Clear();
            seg.HasRfc2231 = true;
        }
        else if (!rfc2231 && seg.HasRfc2231)
        {
            return;
        }

        if (index < 10000)
        {
            seg.Parts.TryAdd(index, (value, encoded));
        }
    }

    private static string Join(Segment seg)
    {
        if (seg.Parts.Count == 1 && seg.Parts.TryGetValue(0, out var only) && !only.Encoded)
        {
            // RFC 2047 words in parameters are illegal (RFC 2047 section 5) but Outlook and others send them.
            return EncodedWords.Decode(only.Value);
        }

        string? charset = null;
        var bytes = new ArrayBufferWriter<byte>();
        var sb = new StringBuilder();
        bool first = true;
        foreach ((int _, (string value, bool encoded)) in seg.Parts)
        {
            string v = value;
            if (encoded && first)
            {
                // charset'language'value
                int q1 = v.IndexOf('\'', StringComparison.Ordinal);
                int q2 = q1 < 0 ? -1 : v.IndexOf('\'', q1 + 1);
                if (q2 > 0)
                {
                    charset = v[..q1];
                    v = v[(q2 + 1)..];
                }
            }

            first = false;
            if (encoded)
            {
                PercentDecode(v, bytes);
            }
            else
            {
                FlushBytes(sb, bytes, charset);
                sb.Append(v);
            }
        }

        FlushBytes(sb, bytes, charset);
        return sb.ToString();
    }

    private static void FlushBytes(StringBuilder sb, ArrayBufferWriter<byte> bytes, string? charset)
    {
        if (bytes.WrittenCount > 0)
        {
            sb.Append(Charsets.Decode(bytes.WrittenSpan, charset));
            bytes.Clear();
        }
    }

    private static void PercentDecode(string v, ArrayBufferWriter<byte> output)
    {
        for (int i = 0; i < v.Length; i++)
        {
            char c = v[i];
            if (c == '%' && i + 2 < v.Length && byte.TryParse(v.AsSpan(i + 1, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out byte b))
            {
                output.GetSpan(1)[0] = b;
                output.Advance(1);
                i += 2;
                continue;
            }

            Span<byte> dest = output.GetSpan(4);
            output.Advance(Encoding.UTF8.GetBytes(v.AsSpan(i, char.IsHighSurrogate(c) && i + 1 < v.Length ? 2 : 1), dest));
            if (char.IsHighSurrogate(c) && i + 1 < v.Length)
            {
                i++;
            }
        }
    }
}
