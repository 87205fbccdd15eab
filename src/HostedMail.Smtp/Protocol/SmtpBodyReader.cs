using System.Buffers;
using System.IO.Pipelines;

namespace HostedMail.Smtp.Protocol;

/// <summary>How reading a message body from the connection ended.</summary>
public enum SmtpBodyReadResult
{
    /// <summary>The end of the data (CRLF.CRLF, or the whole BDAT chunk) was read. Check the decoder's Rejection.</summary>
    Completed,
    /// <summary>The client closed the connection first: nothing may be stored.</summary>
    ConnectionClosed,
}

/// <summary>
/// Async glue between the session's PipeReader, a decoder and the output (normally a PipeWriter
/// into the store's blob writer), flushing as it goes so a message is never held whole in memory.
/// </summary>
public static class SmtpBodyReader
{
    /// <summary>Flush the output once this many octets are buffered, for back-pressure from the store.</summary>
    public const int FlushThreshold = 64 * 1024;

    /// <summary>Reads DATA content up to CRLF.CRLF. Octets after it stay in <paramref name="input"/> for the next command.</summary>
    /// <param name="acknowledge">Called each time everything that arrived is used and the content goes on (the session's
    /// <c>MailConnection.AcknowledgeReceived</c>: a client may hold the rest until then).</param>
    public static async ValueTask<SmtpBodyReadResult> ReadDataAsync(PipeReader input, SmtpDataDecoder decoder, PipeWriter output, CancellationToken cancellationToken, Action? acknowledge = null)
    {
        while (true)
        {
            var result = await input.ReadAsync(cancellationToken);
            var buffer = result.Buffer;
            var reader = new SequenceReader<byte>(buffer);
            var done = decoder.Decode(ref reader, output);
            var consumed = reader.Position;
            // When done, examined = consumed: the pipelined rest must be readable without new bytes.
            input.AdvanceTo(consumed, done ? consumed : buffer.End);
            if (done)
            {
                await output.FlushAsync(cancellationToken);
                return SmtpBodyReadResult.Completed;
            }
            if (output.UnflushedBytes >= FlushThreshold)
            {
                await output.FlushAsync(cancellationToken);
            }
            if (result.IsCompleted || result.IsCanceled)
            {
                return SmtpBodyReadResult.ConnectionClosed;
            }
            acknowledge?.Invoke();
        }
    }

    /// <summary>Reads the current BDAT chunk (after <see cref="SmtpBdatDecoder.BeginChunk"/>).</summary>
    /// <param name="acknowledge">Called before each read of the chunk: it follows its command line without a go-ahead,
    /// and a client that writes them apart may hold the rest until what came is acknowledged.</param>
    public static async ValueTask<SmtpBodyReadResult> ReadChunkAsync(PipeReader input, SmtpBdatDecoder decoder, PipeWriter output, CancellationToken cancellationToken, Action? acknowledge = null)
    {
        while (decoder.ChunkRemaining > 0)
        {
            acknowledge?.Invoke();
            var result = await input.ReadAsync(cancellationToken);
            var buffer = result.Buffer;
            var reader = new SequenceReader<byte>(buffer);
            var done = decoder.Decode(ref reader, output);
            input.AdvanceTo(reader.Position, done ? reader.Position : buffer.End);
            if (output.UnflushedBytes >= FlushThreshold)
            {
                await output.FlushAsync(cancellationToken);
            }
            if (!done && (result.IsCompleted || result.IsCanceled))
            {
                return SmtpBodyReadResult.ConnectionClosed;
            }
        }
        await output.FlushAsync(cancellationToken);
        return SmtpBodyReadResult.Completed;
    }
}
