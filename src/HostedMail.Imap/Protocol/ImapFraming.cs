using System.Buffers;

namespace HostedMail.Imap.Protocol;

/// <summary>What <see cref="ImapFraming.TryReadLine"/> found.</summary>
internal enum FrameStatus
{
    /// <summary>No line end yet: consume nothing, wait for more bytes.</summary>
    Incomplete,

    /// <summary>A line (without CRLF) was read and consumed.</summary>
    Line,

    /// <summary>No line end within the limit: answer and close (the rest of the stream cannot be trusted).</summary>
    LineTooLong,
}

/// <summary>A literal announced at the end of a line: <c>{N}</c>, <c>{N+}</c> (RFC 7888) or <c>~{N}</c> (RFC 3516 literal8).</summary>
internal readonly record struct LiteralAnnouncement(long Size, bool Synchronizing, bool Binary);

/// <summary>
/// Splits the client's byte stream into lines and literals (RFC 9051 section 2.2): a command is a
/// line, or a line ending in a literal announcement, the literal's octets, and the rest of the command.
/// Pure: the session owns the pipe and the continuation requests.
/// </summary>
internal static class ImapFraming
{
    /// <summary>Reads one line ending in LF (CR before it is dropped). Consumes nothing unless a whole line is there.</summary>
    public static FrameStatus TryReadLine(ref SequenceReader<byte> reader, int maxLineLength, out ReadOnlySequence<byte> line)
    {
        var start = reader;
        if (!reader.TryReadTo(out line, (byte)'\n', advancePastDelimiter: true))
        {
            line = default;
            var buffered = reader.Remaining;
            reader = start;
            return buffered > maxLineLength ? FrameStatus.LineTooLong : FrameStatus.Incomplete;
        }

        if (line.Length > maxLineLength)
        {
            reader = start;
            line = default;
            return FrameStatus.LineTooLong;
        }

        if (line.Length > 0 && EndsWithCr(line))
        {
            line = line.Slice(0, line.Length - 1);
        }

        return FrameStatus.Line;
    }

    /// <summary>The literal a line announces at its end, if any; null for none or a malformed announcement (the parser rejects those).</summary>
    public static LiteralAnnouncement? GetLiteral(ReadOnlySpan<byte> line)
    {
        if (line.Length < 3 || line[^1] != (byte)'}')
        {
            return null;
        }

        var end = line.Length - 1;
        var synchronizing = true;
        if (line[end - 1] == (byte)'+')
        {
            synchronizing = false;
            end--;
        }

        var digitsEnd = end;
        while (end > 0 && line[end - 1] is >= (byte)'0' and <= (byte)'9')
        {
            end--;
        }

        var digits = digitsEnd - end;
        if (digits == 0 || digits > 12 || end == 0 || line[end - 1] != (byte)'{')
        {
            return null;
        }

        long size = 0;
        foreach (var b in line[end..digitsEnd])
        {
            size = (size * 10) + (b - '0');
        }

        var binary = end >= 2 && line[end - 2] == (byte)'~';
        return new LiteralAnnouncement(size, synchronizing, binary);
    }

    private static bool EndsWithCr(ReadOnlySequence<byte> line)
    {
        if (line.IsSingleSegment)
        {
            return line.FirstSpan[^1] == (byte)'\r';
        }

        var last = line.Slice(line.Length - 1);
        return last.FirstSpan[0] == (byte)'\r';
    }
}
