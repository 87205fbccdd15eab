using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace HostedMail.Imap.Protocol;

/// <summary>Status of a tagged or untagged status response (RFC 9051 section 7.1).</summary>
internal enum ImapStatus
{
    Ok,
    No,
    Bad,
    Bye,
    PreAuth,
}

/// <summary>
/// Writes response syntax (RFC 9051 section 7) into a buffer writer: atoms, numbers, quoted
/// strings or literals as the content requires, lists. The session flushes after each command.
/// </summary>
internal sealed class ImapResponseWriter(IBufferWriter<byte> output)
{
    /// <summary>Whether UTF-8 may appear in quoted strings (IMAP4rev2 or UTF8=ACCEPT enabled, RFC 9051 section 4.3 / RFC 6855).</summary>
    public bool Utf8 { get; set; }

    public IBufferWriter<byte> Output => output;

    /// <summary>
    /// False while a response line (or a literal inside it) is only partly written. The session's
    /// catch site uses it: a command that fails at a line boundary can still be answered with a
    /// tagged NO; one that fails mid-line has left the client's parser in an unknown state.
    /// </summary>
    public bool AtLineStart { get; private set; } = true;

    public ImapResponseWriter Ascii(string text)
    {
        var span = output.GetSpan(text.Length);
        var n = Encoding.ASCII.GetBytes(text, span);
        output.Advance(n);
        AtLineStart &= n == 0;
        return this;
    }

    public ImapResponseWriter Raw(ReadOnlySpan<byte> bytes)
    {
        output.Write(bytes);
        AtLineStart &= bytes.IsEmpty;
        return this;
    }

    public ImapResponseWriter Byte(byte b)
    {
        output.GetSpan(1)[0] = b;
        output.Advance(1);
        AtLineStart = false;
        return this;
    }

    public ImapResponseWriter Space() => Byte((byte)' ');

    public ImapResponseWriter Number(long value)
    {
        var span = output.GetSpan(20);
        Utf8Formatter.TryFormat(value, span, out var written);
        output.Advance(written);
        AtLineStart = false;
        return this;
    }

    public ImapResponseWriter Crlf()
    {
        output.Write("\r\n"u8);
        AtLineStart = true;
        return this;
    }

    /// <summary>A string as quoted when it can be, else as a literal.</summary>
    public ImapResponseWriter String(string value) => String(Encoding.UTF8.GetBytes(value));

    public ImapResponseWriter String(ReadOnlySpan<byte> value)
    {
        if (value.Length <= 1024 && CanQuote(value))
        {
            Byte((byte)'"');
            foreach (var b in value)
            {
                if (b is (byte)'"' or (byte)'\\')
                {
                    Byte((byte)'\\');
                }

                Byte(b);
            }

            return Byte((byte)'"');
        }

        return Literal(value);
    }

    public ImapResponseWriter NString(string? value) => value is null ? Ascii("NIL") : String(value);

    /// <summary>An astring: the atom itself when it is one (mailbox names read better), else a string.</summary>
    public ImapResponseWriter AString(string value)
    {
        if (value.Length > 0 && value.Length < 200 && value.All(c => c < 0x7f && ImapReader.IsAtomChar((byte)c)) && !value.Equals("NIL", StringComparison.OrdinalIgnoreCase))
        {
            return Ascii(value);
        }

        return String(value);
    }

    public ImapResponseWriter Literal(ReadOnlySpan<byte> value, bool binary = false)
    {
        if (binary)
        {
            Byte((byte)'~');
        }

        Byte((byte)'{').Number(value.Length).Raw("}\r\n"u8);
        return Raw(value);
    }

    private bool CanQuote(ReadOnlySpan<byte> value)
    {
        foreach (var b in value)
        {
            if (b is 0 or (byte)'\r' or (byte)'\n' || (b >= 0x80 && !Utf8))
            {
                return false;
            }
        }

        return !Utf8 || Utf8Validate(value);
    }

    private static bool Utf8Validate(ReadOnlySpan<byte> value) => System.Text.Unicode.Utf8.IsValid(value);
}
