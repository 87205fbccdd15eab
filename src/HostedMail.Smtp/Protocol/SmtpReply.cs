using System.Buffers;
using System.Text;

namespace HostedMail.Smtp.Protocol;

/// <summary>
/// An SMTP reply: a basic code, an optional enhanced status code (RFC 2034/3463) and one or more
/// text lines. Immutable; the wire form is encoded once and cached, so static replies cost nothing
/// to send again.
/// </summary>
public sealed class SmtpReply
{
    private byte[]? _encoded;

    /// <summary>Creates a one-line or multi-line reply. CR and LF in the text are replaced by spaces.</summary>
    public SmtpReply(int code, EnhancedStatusCode enhanced, params string[] lines)
    {
        if (code is < 200 or > 599)
        {
            throw new ArgumentOutOfRangeException(nameof(code), "SMTP reply codes are 2xx-5xx (RFC 5321 section 4.2).");
        }
        Code = code;
        Enhanced = enhanced;
        Lines = lines.Length == 0 ? [string.Empty] : lines;
    }

    /// <summary>Creates a reply without an enhanced status code (greeting, 334, 354).</summary>
    public SmtpReply(int code, string text) : this(code, default, text)
    {
    }

    /// <summary>The three-digit basic reply code, one of <see cref="SmtpReplyCode"/>.</summary>
    public int Code { get; }

    /// <summary>The enhanced status code, or empty.</summary>
    public EnhancedStatusCode Enhanced { get; }

    /// <summary>The text lines; a multi-line reply has more than one.</summary>
    public IReadOnlyList<string> Lines { get; }

    /// <summary>True for 4xx replies: the client should try again later.</summary>
    public bool IsTransient => Code is >= 400 and < 500;

    /// <summary>True for 5xx replies.</summary>
    public bool IsPermanent => Code >= 500;

    /// <summary>The reply as sent on the wire, every line ending in CRLF.</summary>
    public ReadOnlySpan<byte> Encoded => _encoded ??= Encode(Code, Enhanced, Lines);

    /// <summary>Writes the reply to <paramref name="output"/> (for example the session's PipeWriter).</summary>
    public void WriteTo(IBufferWriter<byte> output) => output.Write(Encoded);

    /// <summary>
    /// Formats a reply without allocating an SmtpReply, for replies built per command (EHLO).
    /// RFC 5321 section 4.2.1: every line but the last has a hyphen after the code; RFC 2034
    /// section 4: the enhanced code is repeated on every line.
    /// </summary>
    public static void Write(IBufferWriter<byte> output, int code, EnhancedStatusCode enhanced, IReadOnlyList<string> lines)
    {
        for (var i = 0; i < lines.Count; i++)
        {
            WriteLine(output, code, enhanced, lines[i], last: i == lines.Count - 1);
        }
    }

    /// <inheritdoc />
    public override string ToString() => Encoding.UTF8.GetString(Encoded).TrimEnd('\r', '\n');

    private static byte[] Encode(int code, EnhancedStatusCode enhanced, IReadOnlyList<string> lines)
    {
        var writer = new ArrayBufferWriter<byte>(64);
        Write(writer, code, enhanced, lines);
        return writer.WrittenSpan.ToArray();
    }

    private static void WriteLine(IBufferWriter<byte> output, int code, EnhancedStatusCode enhanced, string text, bool last)
    {
        // Code (3) + separator (1) + "5.123.456 " (at most 10) + text + CRLF.
        var max = 16 + Encoding.UTF8.GetMaxByteCount(text.Length);
        var span = output.GetSpan(max);
        var n = 0;
        span[n++] = (byte)('0' + (code / 100));
        span[n++] = (byte)('0' + (code / 10 % 10));
        span[n++] = (byte)('0' + (code % 10));
        span[n++] = last ? (byte)' ' : (byte)'-';
        if (!enhanced.IsEmpty)
        {
            span[n++] = (byte)('0' + enhanced.Class);
            span[n++] = (byte)'.';
            enhanced.Subject.TryFormat(span[n..], out var w);
            n += w;
            span[n++] = (byte)'.';
            enhanced.Detail.TryFormat(span[n..], out w);
            n += w;
            if (text.Length > 0)
            {
                span[n++] = (byte)' ';
            }
        }
        var start = n;
        n += Encoding.UTF8.GetBytes(text, span[n..]);
        // A CR or LF inside reply text would let text injected from elsewhere (an address, a
        // remote server's reply) forge a reply line; replace them.
        foreach (ref var b in span[start..n])
        {
            if (b is (byte)'\r' or (byte)'\n')
            {
                b = (byte)' ';
            }
        }
        span[n++] = (byte)'\r';
        span[n++] = (byte)'\n';
        output.Advance(n);
    }
}
