using System.Collections;
using System.Text;

namespace HostedMail.Mime;

/// <summary>One header field, keeping its exact raw bytes (for DKIM) and offering unfolded and decoded values.</summary>
public sealed class Header
{
    private readonly int _valueStart;
    private string? _value;
    private string? _decoded;

    internal Header(string name, ReadOnlyMemory<byte> raw, int valueStart, int offset)
    {
        Name = name;
        Raw = raw;
        _valueStart = valueStart;
        Offset = offset;
    }

    /// <summary>The field name as written, without the colon or trailing whitespace.</summary>
    public string Name { get; }

    /// <summary>The whole field exactly as received: name, colon, value, folding and the final line break.</summary>
    public ReadOnlyMemory<byte> Raw { get; }

    /// <summary>The bytes after the colon up to (not including) the final line break, folding kept (DKIM relaxed canonicalisation starts here).</summary>
    public ReadOnlyMemory<byte> RawValue
    {
        get
        {
            ReadOnlySpan<byte> span = Raw.Span;
            int end = span.Length;
            if (end > _valueStart && span[end - 1] == '\n')
            {
                end--;
                if (end > _valueStart && span[end - 1] == '\r')
                {
                    end--;
                }
            }

            return Raw[_valueStart..end];
        }
    }

    /// <summary>The absolute byte offset of the field in the original message.</summary>
    public int Offset { get; }

    /// <summary>The unfolded value (RFC 5322 section 2.2.3) with surrounding whitespace trimmed; 8-bit text read as UTF-8, else windows-1252.</summary>
    public string Value => _value ??= Unfold(RawValue.Span);

    /// <summary>The value with RFC 2047 encoded words decoded, for unstructured fields such as Subject.</summary>
    public string DecodedValue => _decoded ??= EncodedWords.Decode(Value);

    /// <summary>True when the field name equals <paramref name="name"/> ignoring ASCII case.</summary>
    public bool Is(string name) => Name.Equals(name, StringComparison.OrdinalIgnoreCase);

    internal static string Unfold(ReadOnlySpan<byte> value)
    {
        int crlf = value.IndexOfAny((byte)'\r', (byte)'\n');
        string text = Charsets.DecodeUtf8OrFallback(value);
        if (crlf < 0)
        {
            return text.Trim(' ', '\t');
        }

        var sb = new StringBuilder(text.Length);
        foreach (char c in text)
        {
            if (c is not ('\r' or '\n'))
            {
                sb.Append(c);
            }
        }

        return sb.ToString().Trim(' ', '\t');
    }

    /// <inheritdoc/>
    public override string ToString() => Name + ": " + Value;
}

/// <summary>The header fields of a message or entity, in order, with case-insensitive lookup.</summary>
public sealed class HeaderList : IReadOnlyList<Header>
{
    private readonly List<Header> _headers;

    internal HeaderList(List<Header> headers) => _headers = headers;

    /// <inheritdoc/>
    public int Count => _headers.Count;

    /// <inheritdoc/>
    public Header this[int index] => _headers[index];

    /// <summary>Returns the first field with this name, or null.</summary>
    public Header? Get(string name)
    {
        foreach (Header h in _headers)
        {
            if (h.Is(name))
            {
                return h;
            }
        }

        return null;
    }

    /// <summary>Returns every field with this name, in message order.</summary>
    public IEnumerable<Header> GetAll(string name)
    {
        foreach (Header h in _headers)
        {
            if (h.Is(name))
            {
                yield return h;
            }
        }
    }

    /// <summary>Returns the unfolded value of the first field with this name, or null.</summary>
    public string? GetValue(string name) => Get(name)?.Value;

    /// <summary>Returns the RFC 2047-decoded value of the first field with this name, or null.</summary>
    public string? GetDecodedValue(string name) => Get(name)?.DecodedValue;

    /// <summary>True when a field with this name exists.</summary>
    public bool Contains(string name) => Get(name) is not null;

    /// <inheritdoc/>
    public IEnumerator<Header> GetEnumerator() => _headers.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
