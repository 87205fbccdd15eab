using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using HostedMail.Smtp.Protocol;

namespace HostedMail.Smtp.Tests;

public class SmtpDataDecoderTests
{
    public static TheoryData<string, string> CleanMessages => new()
    {
        { ".\r\n", "" },
        { "Subject: hi\r\n\r\nbody\r\n.\r\n", "Subject: hi\r\n\r\nbody\r\n" },
        { "..leading dot\r\n.\r\n", ".leading dot\r\n" },
        { "...\r\n..\r\n.\r\n", "..\r\n.\r\n" },
        { "a.\r\n.b\r\n.\r\n", "a.\r\nb\r\n" },
        { "no final newline handled\r\n.\r\n", "no final newline handled\r\n" },
    };

    [Theory]
    [MemberData(nameof(CleanMessages))]
    public void DataIsUnstuffedAndEndsAtCrLfDotCrLfAtEverySplit(string wire, string expected)
    {
        var data = Encoding.ASCII.GetBytes(wire + "QUIT\r\n");
        for (var cut = 0; cut < data.Length; cut++)
        {
            var (output, decoder, consumed) = Decode(Sequences.Split(data, cut), 1000);
            Assert.True(decoder.IsComplete);
            Assert.Null(decoder.Rejection);
            Assert.Equal(expected, output);
            Assert.Equal(wire.Length, consumed);
            Assert.Equal(expected.Length, decoder.MessageSize);
        }
        var (bytewise, _, _) = Decode(Sequences.ByteByByte(data), 1000);
        Assert.Equal(expected, bytewise);
    }

    [Fact]
    public void DecoderIsIncrementalAcrossCalls()
    {
        var decoder = new SmtpDataDecoder(1000);
        var output = new ArrayBufferWriter<byte>();
        foreach (var piece in new[] { "line one\r", "\n.", ".two\r\n", ".", "\r", "\n" })
        {
            var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(piece)));
            decoder.Decode(ref reader, output);
            Assert.True(reader.End);
        }
        Assert.True(decoder.IsComplete);
        Assert.Equal("line one\r\n.two\r\n", Encoding.ASCII.GetString(output.WrittenSpan));
    }

    // The SMTP smuggling family (SEC Consult, December 2023) and its relatives: none of these
    // fake ends may end the data, and each makes the message refused.
    public static TheoryData<string, SmtpDataViolation> SmugglingPayloads => new()
    {
        { "body\n.\nMAIL FROM:<evil@x.example>\r\n.\r\n", SmtpDataViolation.BareLineFeed },
        { "body\r.\rMAIL FROM:<evil@x.example>\r\n.\r\n", SmtpDataViolation.BareCarriageReturn },
        { "body\n.\r\nMAIL FROM:<evil@x.example>\r\n.\r\n", SmtpDataViolation.BareLineFeed },
        { "body\r\n.\nMAIL FROM:<evil@x.example>\r\n.\r\n", SmtpDataViolation.BareLineFeed },
        { "body\r\n.\rMAIL FROM:<evil@x.example>\r\n.\r\n", SmtpDataViolation.BareCarriageReturn },
        { "body\r.\r\nMAIL FROM:<evil@x.example>\r\n.\r\n", SmtpDataViolation.BareCarriageReturn },
        { "body\n\n.\r\n\r\n.\r\n", SmtpDataViolation.BareLineFeed },
        { "just a bare\nline\r\n.\r\n", SmtpDataViolation.BareLineFeed },
        { "just a bare\rcr\r\n.\r\n", SmtpDataViolation.BareCarriageReturn },
        { "\n.\r\n.\r\n", SmtpDataViolation.BareLineFeed },
        { "\r\r\n.\r\n", SmtpDataViolation.BareCarriageReturn },
    };

    [Theory]
    [MemberData(nameof(SmugglingPayloads))]
    public void SmugglingPayloadIsReadToTheRealEndAndRefused(string wire, SmtpDataViolation violation)
    {
        var data = Encoding.ASCII.GetBytes(wire + "RSET\r\n");
        for (var cut = 0; cut < data.Length; cut++)
        {
            var (_, decoder, consumed) = Decode(Sequences.Split(data, cut), 1000);
            Assert.True(decoder.IsComplete);
            Assert.Equal(violation, decoder.Violations & violation);
            Assert.Same(SmtpReplies.BareNewlineInData, decoder.Rejection);
            Assert.Equal(550, decoder.Rejection!.Code);
            // The session is back in step: the next thing read is the client's next command.
            Assert.Equal(wire.Length, consumed);
        }
    }

    [Fact]
    public void DotLineAtTheVeryStartEndsAnEmptyMessageAndLeavesPipelinedCommands()
    {
        var (output, decoder, consumed) = Decode(new ReadOnlySequence<byte>(".\r\nMAIL FROM:<a@b.c>\r\n"u8.ToArray()), 10);
        Assert.True(decoder.IsComplete);
        Assert.Equal("", output);
        Assert.Equal(3, consumed);
    }

    [Fact]
    public void IncompleteEndMarkerIsNotTheEnd()
    {
        var (_, decoder, consumed) = Decode(new ReadOnlySequence<byte>("text\r\n.\r"u8.ToArray()), 100);
        Assert.False(decoder.IsComplete);
        Assert.Equal(8, consumed);
    }

    [Fact]
    public void OversizedMessageIsReadToTheEndAndRefusedWith552()
    {
        var wire = new string('x', 100) + "\r\n" + new string('y', 100) + "\r\n.\r\nNOOP\r\n";
        var (output, decoder, consumed) = Decode(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(wire)), 150);
        Assert.True(decoder.IsComplete);
        Assert.True(decoder.SizeExceeded);
        Assert.Same(SmtpReplies.MessageTooBig, decoder.Rejection);
        Assert.Equal(204, decoder.MessageSize);
        Assert.True(output.Length <= 150);
        Assert.Equal(wire.Length - 6, consumed);
    }

    [Fact]
    public async Task BodyReaderStreamsFromAPipeAndLeavesTheNextCommand()
    {
        var input = new Pipe();
        var store = new Pipe();
        var decoder = new SmtpDataDecoder(1 << 20);
        var body = new string('a', 998) + "\r\n";
        var read = SmtpBodyReader.ReadDataAsync(input.Reader, decoder, store.Writer, TestContext.Token).AsTask();
        var drained = DrainAsync(store.Reader);
        for (var i = 0; i < 200; i++)
        {
            await input.Writer.WriteAsync(Encoding.ASCII.GetBytes(body), TestContext.Token);
        }
        await input.Writer.WriteAsync("..\r\n.\r\nQUIT\r\n"u8.ToArray(), TestContext.Token);
        Assert.Equal(SmtpBodyReadResult.Completed, await read.WaitAsync(TestContext.Timeout, TestContext.Token));
        await store.Writer.CompleteAsync();
        Assert.Equal((200 * 1000) + 3, await drained.WaitAsync(TestContext.Timeout, TestContext.Token));
        var next = await input.Reader.ReadAsync(TestContext.Token);
        Assert.Equal("QUIT\r\n", Encoding.ASCII.GetString(next.Buffer.ToArray()));
    }

    [Fact]
    public async Task BodyReaderAsksForTheAcknowledgementWhenItHasUsedUpAPieceOfTheBody()
    {
        var input = new Pipe();
        var store = new Pipe();
        var asked = 0;
        var read = SmtpBodyReader.ReadDataAsync(input.Reader, new SmtpDataDecoder(1 << 20), store.Writer, TestContext.Token, () => Interlocked.Increment(ref asked)).AsTask();
        var drained = DrainAsync(store.Reader);
        foreach (var (piece, askedAfter) in new[] { ("Subject: first piece\r\n\r\nbody\r\n", 1), ("more body\r\n", 2) })
        {
            await input.Writer.WriteAsync(Encoding.ASCII.GetBytes(piece), TestContext.Token);
            // The reader has used up the piece and waits for more: that is when it asks.
            while (Volatile.Read(ref asked) < askedAfter)
            {
                Assert.False(read.IsCompleted);
                await Task.Delay(1, TestContext.Token);
            }
        }

        await input.Writer.WriteAsync(".\r\n"u8.ToArray(), TestContext.Token);
        Assert.Equal(SmtpBodyReadResult.Completed, await read.WaitAsync(TestContext.Timeout, TestContext.Token));
        await store.Writer.CompleteAsync();
        await drained.WaitAsync(TestContext.Timeout, TestContext.Token);
        Assert.Equal(2, asked);
    }

    [Fact]
    public async Task BodyReaderDoesNotAskForTheAcknowledgementWhenTheBodyArrivesWhole()
    {
        var input = new Pipe();
        var store = new Pipe();
        var asked = 0;
        await input.Writer.WriteAsync("Subject: whole\r\n\r\nbody\r\n.\r\n"u8.ToArray(), TestContext.Token);
        var result = await SmtpBodyReader.ReadDataAsync(input.Reader, new SmtpDataDecoder(1 << 20), store.Writer, TestContext.Token, () => asked++);
        Assert.Equal(SmtpBodyReadResult.Completed, result);
        Assert.Equal(0, asked);
    }

    [Fact]
    public async Task ChunkReaderAsksForTheAcknowledgementBeforeReadingAChunkAndNotForAnEmptyOne()
    {
        var input = new Pipe();
        var store = new Pipe();
        var asked = 0;
        var decoder = new SmtpBdatDecoder(1000, checkLineEndings: true);
        decoder.BeginChunk(0, isLast: false);
        Assert.Equal(SmtpBodyReadResult.Completed, await SmtpBodyReader.ReadChunkAsync(input.Reader, decoder, store.Writer, TestContext.Token, () => asked++));
        Assert.Equal(0, asked);
        await input.Writer.WriteAsync("abc\r\n"u8.ToArray(), TestContext.Token);
        decoder.BeginChunk(5, isLast: true);
        Assert.Equal(SmtpBodyReadResult.Completed, await SmtpBodyReader.ReadChunkAsync(input.Reader, decoder, store.Writer, TestContext.Token, () => asked++));
        Assert.Equal(1, asked);
    }

    [Fact]
    public async Task BodyReaderReportsAClosedConnection()
    {
        var input = new Pipe();
        var store = new Pipe();
        await input.Writer.WriteAsync("partial\r\n"u8.ToArray(), TestContext.Token);
        await input.Writer.CompleteAsync();
        var result = await SmtpBodyReader.ReadDataAsync(input.Reader, new SmtpDataDecoder(100), store.Writer, TestContext.Token);
        Assert.Equal(SmtpBodyReadResult.ConnectionClosed, result);
    }

    private static async Task<long> DrainAsync(PipeReader reader)
    {
        long total = 0;
        while (true)
        {
            var r = await reader.ReadAsync();
            total += r.Buffer.Length;
            reader.AdvanceTo(r.Buffer.End);
            if (r.IsCompleted)
            {
                return total;
            }
        }
    }

    private static (string Output, SmtpDataDecoder Decoder, long Consumed) Decode(ReadOnlySequence<byte> input, long max)
    {
        var decoder = new SmtpDataDecoder(max);
        var output = new ArrayBufferWriter<byte>();
        var reader = new SequenceReader<byte>(input);
        decoder.Decode(ref reader, output);
        return (Encoding.ASCII.GetString(output.WrittenSpan), decoder, reader.Consumed);
    }
}

public class SmtpBdatDecoderTests
{
    [Fact]
    public void ChunksAreCopiedExactlyAndTheRestIsLeft()
    {
        var decoder = new SmtpBdatDecoder(1000, checkLineEndings: true);
        var output = new ArrayBufferWriter<byte>();
        decoder.BeginChunk(6, isLast: false);
        var reader = new SequenceReader<byte>(Sequences.ByteByByte("a.b\r\n.BDAT 3 LAST\r\n"u8.ToArray()));
        Assert.True(decoder.Decode(ref reader, output));
        Assert.Equal(6, reader.Consumed);
        Assert.Equal("a.b\r\n.", Encoding.ASCII.GetString(output.WrittenSpan));
    }

    [Fact]
    public void CrLfSplitAcrossChunksIsNotBare()
    {
        var decoder = new SmtpBdatDecoder(1000, checkLineEndings: true);
        var output = new ArrayBufferWriter<byte>();
        decoder.BeginChunk(2, isLast: false);
        var r1 = new SequenceReader<byte>(new ReadOnlySequence<byte>("a\r"u8.ToArray()));
        decoder.Decode(ref r1, output);
        decoder.BeginChunk(2, isLast: true);
        var r2 = new SequenceReader<byte>(new ReadOnlySequence<byte>("\nb"u8.ToArray()));
        decoder.Decode(ref r2, output);
        Assert.Null(decoder.Rejection);
        Assert.Equal("a\r\nb", Encoding.ASCII.GetString(output.WrittenSpan));
    }

    [Theory]
    [InlineData("a\nb", SmtpDataViolation.BareLineFeed)]
    [InlineData("a\rb", SmtpDataViolation.BareCarriageReturn)]
    [InlineData("ab\r", SmtpDataViolation.BareCarriageReturn)]
    public void BareNewlinesInTextChunksAreRefused(string chunk, SmtpDataViolation violation)
    {
        var decoder = new SmtpBdatDecoder(1000, checkLineEndings: true);
        decoder.BeginChunk(chunk.Length, isLast: true);
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(chunk)));
        decoder.Decode(ref reader, new ArrayBufferWriter<byte>());
        Assert.Equal(violation, decoder.Violations);
        Assert.Same(SmtpReplies.BareNewlineInData, decoder.Rejection);
    }

    [Fact]
    public void BinaryMimeChunksMayHoldAnyOctet()
    {
        var decoder = new SmtpBdatDecoder(1000, checkLineEndings: false);
        decoder.BeginChunk(3, isLast: true);
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>("\n\r\0"u8.ToArray()));
        decoder.Decode(ref reader, new ArrayBufferWriter<byte>());
        Assert.Null(decoder.Rejection);
    }

    [Fact]
    public void SizeIsCheckedAcrossChunksAndTheChunkIsStillConsumed()
    {
        var decoder = new SmtpBdatDecoder(5, checkLineEndings: false);
        var output = new ArrayBufferWriter<byte>();
        decoder.BeginChunk(4, isLast: false);
        var r1 = new SequenceReader<byte>(new ReadOnlySequence<byte>("abcd"u8.ToArray()));
        decoder.Decode(ref r1, output);
        decoder.BeginChunk(4, isLast: true);
        var r2 = new SequenceReader<byte>(new ReadOnlySequence<byte>("efghNOOP\r\n"u8.ToArray()));
        Assert.True(decoder.Decode(ref r2, output));
        Assert.Equal(4, r2.Consumed);
        Assert.Same(SmtpReplies.MessageTooBig, decoder.Rejection);
    }
}
