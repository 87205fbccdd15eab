using System.Buffers;
using HostedMail.Imap.Protocol;

namespace HostedMail.Imap.Tests;

/// <summary>
/// <see cref="ImapResponseWriter.AtLineStart"/> decides at the session's catch site whether a failed
/// command can still be answered with a tagged NO (at a line boundary) or must end with BYE.
/// </summary>
public sealed class ResponseWriterTests
{
    [Fact]
    public void OnlyACompleteLineLeavesTheWriterAtALineStart()
    {
        var w = new ImapResponseWriter(new ArrayBufferWriter<byte>());
        Assert.True(w.AtLineStart);
        w.Ascii("* 1 FETCH (BODY[] ");
        Assert.False(w.AtLineStart);
        // A literal's own CRLF and a body ending in CRLF are inside the response, not its end.
        w.Literal("Subject: x\r\n\r\nbody\r\n"u8);
        Assert.False(w.AtLineStart);
        w.Ascii(")").Crlf();
        Assert.True(w.AtLineStart);
        w.Number(3);
        Assert.False(w.AtLineStart);
        w.Crlf().Ascii(string.Empty).Raw([]);
        Assert.True(w.AtLineStart);
        w.String("quoted");
        Assert.False(w.AtLineStart);
    }
}
