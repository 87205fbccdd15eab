using System.Buffers;

namespace HostedMail.Smtp.Protocol;

/// <summary>
/// Reads BDAT chunks (RFC 3030 section 2): exactly the announced number of octets, no
/// dot-stuffing, with a running size check over all chunks of one message. One instance per
/// message (create at the first BDAT, drop after LAST or RSET).
/// </summary>
/// <remarks>
/// BDAT is length-delimited, so bare CR/LF cannot smuggle commands here; they are still refused
/// unless BODY=BINARYMIME (constructor flag), because such a message relayed later over DATA
/// would carry the ambiguity onward. A refused or oversized chunk is still read to its end so the
/// session stays in step.
/// </remarks>
public sealed class SmtpBdatDecoder
{
    private readonly long _maxMessageSize;
    private readonly bool _checkLineEndings;
    private bool _lastWasCr;
    private bool _isLast;

    /// <summary>Creates a decoder for one message.</summary>
    /// <param name="maxMessageSize">Refuse when the chunks add up to more than this.</param>
    /// <param name="checkLineEndings">False for BODY=BINARYMIME, where CR and LF are ordinary octets.</param>
    public SmtpBdatDecoder(long maxMessageSize, bool checkLineEndings)
    {
        _maxMessageSize = maxMessageSize;
        _checkLineEndings = checkLineEndings;
    }

    /// <summary>Octets of the current chunk not read yet.</summary>
    public long ChunkRemaining { get; private set; }

    /// <summary>Octets of all chunks so far.</summary>
    public long MessageSize { get; private set; }

    /// <summary>Whether the chunks add up to more than the limit.</summary>
    public bool SizeExceeded => MessageSize > _maxMessageSize;

    /// <summary>The bare CR/LF seen so far (only when checking line endings). A CR ending the LAST chunk counts as bare.</summary>
    public SmtpDataViolation Violations { get; private set; }

    /// <summary>The reply refusing the message, or null.</summary>
    public SmtpReply? Rejection =>
        Violations != SmtpDataViolation.None ? SmtpReplies.BareNewlineInData
        : SizeExceeded ? SmtpReplies.MessageTooBig
        : null;

    /// <summary>Starts the chunk announced by a BDAT command. <paramref name="isLast"/> makes a trailing CR count as bare.</summary>
    public void BeginChunk(long size, bool isLast)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        ChunkRemaining = size;
        _isLast = isLast;
        if (size == 0 && isLast)
        {
            FinishMessage();
        }
    }

    /// <summary>Consumes up to the rest of the current chunk and writes it to <paramref name="output"/>. Returns true when the chunk is complete.</summary>
    public bool Decode(ref SequenceReader<byte> input, IBufferWriter<byte> output)
    {
        while (ChunkRemaining > 0 && !input.End)
        {
            var span = input.UnreadSpan;
            if (span.Length > ChunkRemaining)
            {
                span = span[..(int)ChunkRemaining];
            }
            if (_checkLineEndings)
            {
                Check(span);
            }
            MessageSize += span.Length;
            if (Violations == SmtpDataViolation.None && !SizeExceeded)
            {
                output.Write(span);
            }
            input.Advance(span.Length);
            ChunkRemaining -= span.Length;
        }
        if (ChunkRemaining == 0 && _isLast)
        {
            FinishMessage();
        }
        return ChunkRemaining == 0;
    }

    private void FinishMessage()
    {
        if (_checkLineEndings && _lastWasCr)
        {
            Violations |= SmtpDataViolation.BareCarriageReturn;
            _lastWasCr = false;
        }
    }

    private void Check(ReadOnlySpan<byte> span)
    {
        var i = 0;
        while (i < span.Length)
        {
            if (_lastWasCr)
            {
                if (span[i] != '\n')
                {
                    Violations |= SmtpDataViolation.BareCarriageReturn;
                }
                _lastWasCr = false;
                if (span[i] == '\n')
                {
                    i++;
                    continue;
                }
            }
            var k = span[i..].IndexOfAny((byte)'\r', (byte)'\n');
            if (k < 0)
            {
                return;
            }
            i += k;
            if (span[i] == '\n')
            {
                Violations |= SmtpDataViolation.BareLineFeed;
            }
            else
            {
                _lastWasCr = true;
            }
            i++;
        }
    }
}
