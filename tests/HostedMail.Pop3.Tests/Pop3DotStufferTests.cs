using System.Buffers;
using System.Text;
using HostedMail.Pop3.Protocol;

namespace HostedMail.Pop3.Tests;

public class Pop3DotStufferTests
{
    private static string Stuff(string message, int bodyLines = -1, int chunk = int.MaxValue)
    {
        var bytes = Encoding.ASCII.GetBytes(message);
        var output = new ArrayBufferWriter<byte>();
        var stuffer = new Pop3DotStuffer(bodyLines);
        for (var i = 0; i < bytes.Length && !stuffer.IsStopped; i += chunk)
        {
            stuffer.Write(output, bytes.AsSpan(i, Math.Min(chunk, bytes.Length - i)));
        }

        stuffer.Complete(output);
        return Encoding.ASCII.GetString(output.WrittenSpan);
    }

    [Theory]
    [InlineData("A: b\r\n\r\nbody\r\n", "A: b\r\n\r\nbody\r\n.\r\n")]
    [InlineData("A: b\r\n\r\n.\r\n..x\r\n.y\r\n", "A: b\r\n\r\n..\r\n...x\r\n..y\r\n.\r\n")]
    [InlineData("A: b\r\n\r\nno final line end", "A: b\r\n\r\nno final line end\r\n.\r\n")]
    [InlineData("A: b\n\nbare\nlf\n", "A: b\r\n\r\nbare\r\nlf\r\n.\r\n")]
    [InlineData("", ".\r\n")]
    [InlineData(".", "..\r\n.\r\n")]
    public void MessagesAreDotStuffedWithCrlfLineEndsWhateverTheChunking(string message, string expected)
    {
        for (var chunk = 1; chunk <= Math.Max(1, message.Length); chunk++)
        {
            Assert.Equal(expected, Stuff(message, chunk: chunk));
        }
    }

    [Theory]
    [InlineData(0, "A: b\r\nC: d\r\n\r\n.\r\n")]
    [InlineData(1, "A: b\r\nC: d\r\n\r\none\r\n.\r\n")]
    [InlineData(2, "A: b\r\nC: d\r\n\r\none\r\n..two\r\n.\r\n")]
    [InlineData(100, "A: b\r\nC: d\r\n\r\none\r\n..two\r\nthree\r\n.\r\n")]
    public void TopSendsTheHeaderTheBlankLineAndNBodyLines(int lines, string expected)
    {
        const string message = "A: b\r\nC: d\r\n\r\none\r\n.two\r\nthree\r\n";
        for (var chunk = 1; chunk <= message.Length; chunk++)
        {
            Assert.Equal(expected, Stuff(message, lines, chunk));
        }
    }

    [Fact]
    public void TopOfAMessageWithoutABodySendsTheWholeHeader() =>
        Assert.Equal("A: b\r\nC: d\r\n.\r\n", Stuff("A: b\r\nC: d\r\n", 0));
}
