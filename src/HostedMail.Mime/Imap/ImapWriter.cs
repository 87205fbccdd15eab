using System.Buffers;
using System.Globalization;
using System.Text;

namespace HostedMail.Mime;

/// <summary>Writes IMAP response data (RFC 9051 section 4): NIL, numbers, quoted strings and literals, choosing the form each value needs.</summary>
public sealed class ImapWriter
{
    private readonly ArrayBufferWriter<byte> _buffer = new();
    private bool _needSpace;

    /// <summary>Creates a writer; with <paramref name="utf8Quoted"/> (UTF8=ACCEPT, RFC 9051 / RFC 6855) non-ASCII text may be quoted instead of sent as a literal.</summary>
    public ImapWriter(bool utf8Quoted = false) => Utf8Quoted = utf8Quoted;

    /// <summary>Whether UTF-8 may appear in quoted strings.</summary>
    public bool Utf8Quoted { get; }

    /// <summary>The bytes written so far.</summary>
    public ReadOnlyMemory<byte> WrittenMemory => _buffer.WrittenMemory;

    /// <summary>Opens a parenthesised list.</summary>
    public void Open()
    {
        Space();
        Raw("("u8);
        _needSpace = false;
    }

    /// <summary>Closes a parenthesised list.</summary>
    public void Close()
    {
        Raw(")"u8);
        _needSpace = true;
    }

    /// <summary>Suppresses the space before the next item (bodies of a multipart are adjacent: RFC 9051 body-type-mpart).</summary>
    public void Adjacent() => _needSpace = false;

    /// <summary>Writes NIL.</summary>
    public void Nil()
    {
        Space();
        Raw("NIL"u8);
        _needSpace = true;
    }

    /// <summary>Writes a number.</summary>
    public void Number(long n)
    {
        Space();
        Raw(Encoding.ASCII.GetBytes(n.ToString(CultureInfo.InvariantCulture)));
        _needSpace = true;
    }

    /// <summary>Writes NIL for null, otherwise a quoted string or a literal.</summary>
    public void NString(string? s)
    {
        if (s is null)
        {
            Nil();
            return;
        }

        String(Encoding.UTF8.GetBytes(s));
    }

    /// <summary>Writes bytes as a quoted string when they allow it (no CR, LF, NUL, no 8-bit unless UTF-8 quoting is on, short), else as a literal.</summary>
    public void String(ReadOnlySpan<byte> value)
    {
        Space();
        _needSpace = true;
        if (CanQuote(value))
        {
            Span<byte> one = stackalloc byte[1];
            Raw("\""u8);
            int start = 0;
            for (int i = 0; i < value.Length; i++)
            {
                if (value[i] is (byte)'"' or (byte)'\\')
                {
                    Raw(value[start..i]);
                    one[0] = (byte)'\\';
                    Raw(one);
                    start = i;
                }
            }

            Raw(value[start..]);
            Raw("\""u8);
            return;
        }

        Literal(value);
    }

    /// <summary>Writes a literal "{n}\r\n" followed by the bytes (RFC 9051 section 4.3).</summary>
    public void Literal(ReadOnlySpan<byte> value)
    {
        Raw(Encoding.ASCII.GetBytes("{" + value.Length.ToString(CultureInfo.InvariantCulture) + "}\r\n"));
        Raw(value);
        _needSpace = true;
    }

    private bool CanQuote(ReadOnlySpan<byte> value)
    {
        if (value.Length > 4096)
        {
            return false;
        }

        foreach (byte b in value)
        {
            if (b is 0 or (byte)'\r' or (byte)'\n' || (b >= 0x80 && !Utf8Quoted))
            {
                return false;
            }
        }

        return !Utf8Quoted || System.Text.Unicode.Utf8.IsValid(value);
    }

    private void Space()
    {
        if (_needSpace)
        {
            Raw(" "u8);
        }
    }

    private void Raw(ReadOnlySpan<byte> bytes) => _buffer.Write(bytes);

    /// <summary>Returns the bytes written.</summary>
    public byte[] ToArray() => _buffer.WrittenSpan.ToArray();

    /// <inheritdoc/>
    public override string ToString() => Encoding.UTF8.GetString(_buffer.WrittenSpan);
}
