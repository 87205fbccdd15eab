using System.Buffers;

namespace HostedMail.Smtp.Protocol;

/// <summary>Bare line-ending octets seen in message content (RFC 5321 section 2.3.8).</summary>
[Flags]
public enum SmtpDataViolation
{
    /// <summary>Only CRLF line endings.</summary>
    None = 0,
    /// <summary>An LF not preceded by CR.</summary>
    BareLineFeed = 1,
    /// <summary>A CR not followed by LF.</summary>
    BareCarriageReturn = 2,
}

/// <summary>
/// Incremental decoder for DATA content (RFC 5321 section 4.1.1.4 and 4.5.2): removes
/// dot-stuffing, stops at CRLF.CRLF, counts the size, and watches for bare CR and LF.
/// One instance per DATA command; feed it every buffer the PipeReader returns.
/// </summary>
/// <remarks>
/// Implementation notes, decided for SMTP smuggling (the semantics of Postfix's
/// <c>smtpd_forbid_bare_newline</c>, refusing rather than disconnecting):
/// <list type="bullet">
/// <item>Only CR LF "." CR LF ends the data. "\n.\n", "\r.\r", "\n.\r\n", "\r\n.\n" do not: a bare
/// LF or CR never starts a new line for the purpose of finding the end, so the end is the one
/// every RFC-conforming receiver finds.</item>
/// <item>A bare CR or LF anywhere makes the message refused (<see cref="SmtpReplies.BareNewlineInData"/>,
/// 550 5.5.2). The decoder keeps reading to the real CRLF.CRLF, so whatever an attacker smuggled
/// after a fake end is swallowed as part of the refused message and the session is in step
/// with the client again.</item>
/// <item>Once the message is refused (bare newline or over the size limit) nothing more is
/// written to the output: the caller discards what it has and answers <see cref="Rejection"/>.</item>
/// <item>The CRLF before the final "." belongs to the message (RFC 5321 section 4.1.1.4).</item>
/// </list>
/// </remarks>
public sealed class SmtpDataDecoder
{
    private enum State
    {
        LineStart,
        Text,
        Cr,
        Dot,
        DotCr,
    }

    private readonly long _maxMessageSize;
    private State _state = State.LineStart; // the DATA command's CRLF ended the previous line

    /// <summary>Creates a decoder that refuses messages larger than <paramref name="maxMessageSize"/> decoded octets.</summary>
    public SmtpDataDecoder(long maxMessageSize) => _maxMessageSize = maxMessageSize;

    /// <summary>Decoded octets so far, counted even after the limit was passed.</summary>
    public long MessageSize { get; private set; }

    /// <summary>Whether the message is bigger than the limit.</summary>
    public bool SizeExceeded => MessageSize > _maxMessageSize;

    /// <summary>The bare CR/LF seen so far.</summary>
    public SmtpDataViolation Violations { get; private set; }

    /// <summary>Whether CRLF.CRLF has been read.</summary>
    public bool IsComplete { get; private set; }

    /// <summary>The reply refusing the message, or null when it may be accepted. Bare newlines win over size.</summary>
    public SmtpReply? Rejection =>
        Violations != SmtpDataViolation.None ? SmtpReplies.BareNewlineInData
        : SizeExceeded ? SmtpReplies.MessageTooBig
        : null;

    /// <summary>
    /// Consumes input up to and including the end-of-data marker (or all of it when the marker is
    /// not there yet) and writes the unstuffed content to <paramref name="output"/>. Returns true
    /// when the end was reached; bytes after it are left unread (pipelined commands).
    /// </summary>
    public bool Decode(ref SequenceReader<byte> input, IBufferWriter<byte> output)
    {
        while (!IsComplete && !input.End)
        {
            var span = input.UnreadSpan;
            var i = 0;
            while (i < span.Length)
            {
                switch (_state)
                {
                    case State.Text:
                        var k = span[i..].IndexOfAny((byte)'\r', (byte)'\n');
                        if (k < 0)
                        {
                            Emit(span[i..], output);
                            i = span.Length;
                            break;
                        }
                        Emit(span.Slice(i, k), output);
                        i += k;
                        if (span[i] == '\r')
                        {
                            _state = State.Cr;
                        }
                        else
                        {
                            // A bare LF is not a line end: "\n.\r\n" must not end the data.
                            Violations |= SmtpDataViolation.BareLineFeed;
                            Emit("\n"u8, output);
                        }
                        i++;
                        break;
                    case State.Cr:
                        if (span[i] == '\n')
                        {
                            Emit("\r\n"u8, output);
                            _state = State.LineStart;
                            i++;
                        }
                        else
                        {
                            Violations |= SmtpDataViolation.BareCarriageReturn;
                            Emit("\r"u8, output);
                            _state = State.Text;
                        }
                        break;
                    case State.LineStart:
                        if (span[i] == '.')
                        {
                            _state = State.Dot;
                            i++;
                        }
                        else
                        {
                            _state = State.Text;
                        }
                        break;
                    case State.Dot:
                        // RFC 5321 section 4.5.2: a leading period followed by more text is removed.
                        if (span[i] == '\r')
                        {
                            _state = State.DotCr;
                            i++;
                        }
                        else
                        {
                            _state = State.Text;
                        }
                        break;
                    case State.DotCr:
                        if (span[i] == '\n')
                        {
                            IsComplete = true;
                            input.Advance(i + 1);
                            return true;
                        }
                        // ".\r" then not LF: the line is a bare CR after a removed stuffing dot.
                        Violations |= SmtpDataViolation.BareCarriageReturn;
                        Emit("\r"u8, output);
                        _state = State.Text;
                        break;
                }
            }
            input.Advance(i);
        }
        return IsComplete;
    }

    private void Emit(ReadOnlySpan<byte> bytes, IBufferWriter<byte> output)
    {
        MessageSize += bytes.Length;
        if (Violations == SmtpDataViolation.None && !SizeExceeded && !bytes.IsEmpty)
        {
            output.Write(bytes);
        }
    }
}
