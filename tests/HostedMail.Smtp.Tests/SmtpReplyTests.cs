using System.Buffers;
using System.Text;
using HostedMail.Smtp.Protocol;

namespace HostedMail.Smtp.Tests;

public class SmtpReplyTests
{
    [Fact]
    public void SingleLineReplyCarriesTheEnhancedCode()
    {
        Assert.Equal("550 5.1.1 No such user\r\n", Encoding.ASCII.GetString(new SmtpReply(550, EnhancedStatusCode.BadDestinationMailbox, "No such user").Encoded));
    }

    [Fact]
    public void MultiLineReplyUsesHyphensAndRepeatsTheEnhancedCode()
    {
        var reply = new SmtpReply(250, EnhancedStatusCode.Success, "mail.example.com", "PIPELINING", "SIZE 1000");
        Assert.Equal("250-2.0.0 mail.example.com\r\n250-2.0.0 PIPELINING\r\n250 2.0.0 SIZE 1000\r\n", Encoding.ASCII.GetString(reply.Encoded));
        var writer = new ArrayBufferWriter<byte>();
        SmtpReply.Write(writer, 250, default, ["host", "8BITMIME"]);
        Assert.Equal("250-host\r\n250 8BITMIME\r\n", Encoding.ASCII.GetString(writer.WrittenSpan));
    }

    [Fact]
    public void NewlinesInReplyTextCannotForgeLines()
    {
        var reply = new SmtpReply(550, EnhancedStatusCode.NotAuthorized, "bad\r\n250 ok");
        Assert.Equal("550 5.7.1 bad  250 ok\r\n", Encoding.ASCII.GetString(reply.Encoded));
    }

    [Fact]
    public void ReplyWithoutEnhancedCodeHasOnlyTheBasicCode()
    {
        Assert.Equal("354 Start mail input; end with <CRLF>.<CRLF>\r\n", Encoding.ASCII.GetString(SmtpReplies.StartMailInput.Encoded));
        Assert.Equal("421 4.7.0 Too many connections, try again later", SmtpReplies.TooManyConnections.ToString());
    }

    [Fact]
    public void XtextDecodesHexEscapesAndRejectsBadInput()
    {
        Assert.Equal("a+b=c", Xtext.Decode("a+2Bb+3Dc"u8));
        Assert.Null(Xtext.Decode("a+2b"u8));
        Assert.Null(Xtext.Decode("a+2"u8));
        Assert.Null(Xtext.Decode("a=b"u8));
    }
}
