using System.Buffers;

namespace HostedMail.Pop3.Protocol;

/// <summary>
/// Writes a message as the body of a RETR or TOP response (RFC 1939 section 3): every line that
/// starts with "." gets another "." in front, lines end in CRLF, and the caller ends the response
/// with <see cref="Complete"/>, which adds the final ".CRLF". For TOP it passes the header, the
/// blank line and then only <c>bodyLines</c> lines of the body (RFC 1939 section 7).
/// </summary>
/// <remarks>
/// Stateful so the session can feed a large message in slices and flush between them (the
/// client's reading speed, not our memory, paces the transfer). Bare LF in a stored message is
/// written as CRLF, because the line end the client sees must be CRLF.
/// </remarks>
internal struct Pop3DotStuffer
{
    private readonly int _bodyLines;
    private int _bodyLinesWritten;
    private long _lineLength;
    private bool _inBody;
    private bool _stopped;
    private bool _previousWasCr;

    /// <summary>Creates a stuffer; <paramref name="bodyLines"/> is the TOP count, or -1 for the whole message.</summary>
    public Pop3DotStuffer(int bodyLines)
    {
        _bodyLines = bodyLines;
    }

    /// <summary>Whether TOP's line count is reached, so the rest of the message need not be fed.</summary>
    public readonly bool IsStopped => _stopped;

    /// <summary>Writes the next slice of the message.</summary>
    public void Write(IBufferWriter<byte> output, ReadOnlySpan<byte> chunk)
    {
        while (!chunk.IsEmpty && !_stopped)
        {
            if (_lineLength == 0)
            {
                if (_inBody && _bodyLines >= 0 && _bodyLinesWritten >= _bodyLines)
                {
                    _stopped = true;
                    return;
                }

                if (chunk[0] == (byte)'.')
                {
                    output.Write("."u8);
                }
            }

            var lf = chunk.IndexOf((byte)'\n');
            if (lf < 0)
            {
                output.Write(chunk);
                _lineLength += chunk.Length;
                _previousWasCr = chunk[^1] == (byte)'\r';
                return;
            }

            var crBeforeLf = lf > 0 ? chunk[lf - 1] == (byte)'\r' : _previousWasCr && _lineLength > 0;
            if (crBeforeLf)
            {
                output.Write(chunk[..(lf + 1)]);
            }
            else
            {
                output.Write(chunk[..lf]);
                output.Write("\r\n"u8);
            }

            // The blank line that ends the header: nothing but the line end.
            var lineContent = _lineLength + lf - (crBeforeLf ? 1 : 0);
            if (!_inBody)
            {
                _inBody = lineContent == 0;
            }
            else
            {
                _bodyLinesWritten++;
            }

            _lineLength = 0;
            _previousWasCr = false;
            chunk = chunk[(lf + 1)..];
        }
    }

    /// <summary>Ends the response: CRLF if the message did not end with one, then ".CRLF".</summary>
    public readonly void Complete(IBufferWriter<byte> output)
    {
        if (_lineLength > 0)
        {
            output.Write("\r\n"u8);
        }

        output.Write(".\r\n"u8);
    }
}
