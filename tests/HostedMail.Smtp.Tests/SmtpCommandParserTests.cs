using System.Buffers;
using System.Text;
using HostedMail.Smtp.Protocol;

namespace HostedMail.Smtp.Tests;

public class SmtpCommandParserTests
{
    private static readonly SmtpProtocolLimits Limits = SmtpProtocolLimits.Default;

    public static TheoryData<string> ValidLines => new()
    {
        "EHLO mail.example.com\r\n",
        "ehlo [192.0.2.1]\r\n",
        "HELO example\r\n",
        "EHLO bad_name.example \r\n",
        "MAIL FROM:<alice@example.com>\r\n",
        "MAIL FROM:<>\r\n",
        "MAIL FROM: <alice@example.com> SIZE=1000 BODY=8BITMIME\r\n",
        "mail from:<a@b.c> SIZE=12 BODY=BINARYMIME SMTPUTF8 RET=HDRS ENVID=QQ+2B1 AUTH=<> REQUIRETLS\r\n",
        "MAIL FROM:<\"john doe\"@example.com>\r\n",
        "MAIL FROM:<@relay.example,@other.example:bob@example.org>\r\n",
        "MAIL FROM:<grüße@bücher.example> SMTPUTF8\r\n",
        "RCPT TO:<bob@example.org>\r\n",
        "RCPT TO:<Postmaster>\r\n",
        "RCPT TO:<postmaster@example.org> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;bob+40example.org\r\n",
        "RCPT TO:<user@[IPv6:2001:db8::1]> NOTIFY=NEVER\r\n",
        "RCPT TO:<\"a@evil\\\"x\"@example.org>\r\n",
        "DATA\r\n",
        "BDAT 1000\r\n",
        "BDAT 0 LAST\r\n",
        "RSET\r\n",
        "NOOP\r\n",
        "NOOP anything at all\r\n",
        "QUIT\r\n",
        "VRFY bob\r\n",
        "EXPN staff\r\n",
        "HELP\r\n",
        "HELP MAIL\r\n",
        "STARTTLS\r\n",
        "AUTH PLAIN\r\n",
        "auth plain AGFsaWNlAHNlY3JldA==\r\n",
        "AUTH LOGIN =\r\n",
        "AUTH XOAUTH2 dXNlcj1hAWF1dGg9QmVhcmVyIHQBAQ==\r\n",
    };

    [Theory]
    [MemberData(nameof(ValidLines))]
    public void ValidLineParsesTheSameAtEverySplit(string line)
    {
        var data = Encoding.UTF8.GetBytes(line);
        var expected = ParseWhole(data, out var expectedLength);
        for (var cut = 1; cut < data.Length; cut++)
        {
            var reader = new SequenceReader<byte>(Sequences.Split(data, cut));
            Assert.Equal(SmtpParseStatus.Complete, SmtpCommandParser.TryParse(ref reader, Limits, out var command, out _));
            Assert.Equal(expected, command);
            Assert.Equal(expectedLength, reader.Consumed);
        }
        var bytewise = new SequenceReader<byte>(Sequences.ByteByByte(data));
        Assert.Equal(SmtpParseStatus.Complete, SmtpCommandParser.TryParse(ref bytewise, Limits, out var c2, out _));
        Assert.Equal(expected, c2);
    }

    [Theory]
    [MemberData(nameof(ValidLines))]
    public void ParserConsumesNothingWhenTheLineIsIncomplete(string line)
    {
        var data = Encoding.UTF8.GetBytes(line);
        for (var length = 0; length < data.Length; length++)
        {
            var reader = new SequenceReader<byte>(Sequences.Split(data[..length], length / 2));
            Assert.Equal(SmtpParseStatus.Incomplete, SmtpCommandParser.TryParse(ref reader, Limits, out _, out var rejection));
            Assert.Null(rejection);
            Assert.Equal(0, reader.Consumed);
        }
    }

    [Fact]
    public void PipelinedCommandsAreParsedOneAtATime()
    {
        var data = Encoding.ASCII.GetBytes("MAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\n");
        var reader = new SequenceReader<byte>(Sequences.Split(data, 10, 30));
        var verbs = new List<SmtpVerb>();
        while (SmtpCommandParser.TryParse(ref reader, Limits, out var command, out _) == SmtpParseStatus.Complete)
        {
            verbs.Add(command.Verb);
        }
        Assert.Equal([SmtpVerb.Mail, SmtpVerb.Rcpt, SmtpVerb.Data], verbs);
        Assert.True(reader.End);
    }

    [Fact]
    public void MailFromParametersAreDecoded()
    {
        var c = Parse("MAIL FROM:<a@b.c> SIZE=12 BODY=BINARYMIME SMTPUTF8 RET=HDRS ENVID=QQ+2B1 AUTH=<> REQUIRETLS\r\n");
        Assert.Equal(SmtpVerb.Mail, c.Verb);
        Assert.Equal("a@b.c", c.Path.Address);
        var p = c.MailParameters!;
        Assert.Equal(12, p.Size);
        Assert.Equal(SmtpBodyType.BinaryMime, p.Body);
        Assert.True(p.SmtpUtf8);
        Assert.Equal(SmtpDsnReturn.Headers, p.Return);
        Assert.Equal("QQ+1", p.EnvelopeId);
        Assert.Equal("<>", p.Auth);
        Assert.True(p.RequireTls);
    }

    [Fact]
    public void NullReversePathIsRecognised()
    {
        var c = Parse("MAIL FROM:<>\r\n");
        Assert.Equal(SmtpPathKind.Null, c.Path.Kind);
        Assert.Equal(string.Empty, c.Path.Address);
    }

    [Fact]
    public void SourceRouteIsParsedAndDropped()
    {
        var c = Parse("RCPT TO:<@relay.example,@other.example:bob@example.org>\r\n");
        Assert.True(c.Path.HadSourceRoute);
        Assert.Equal("bob", c.Path.LocalPart);
        Assert.Equal("example.org", c.Path.Domain);
    }

    [Fact]
    public void QuotedLocalPartIsUnescapedAndFlagged()
    {
        var c = Parse("RCPT TO:<\"a@evil\\\"x\"@example.org>\r\n");
        Assert.True(c.Path.IsQuotedLocalPart);
        Assert.Equal("a@evil\"x", c.Path.LocalPart);
        Assert.Equal("\"a@evil\\\"x\"@example.org", c.Path.Address);
    }

    [Fact]
    public void PostmasterWithoutDomainIsAcceptedOnlyInRcpt()
    {
        Assert.Equal(SmtpPathKind.Postmaster, Parse("RCPT TO:<postMaster>\r\n").Path.Kind);
        Assert.Equal(SmtpParseStatus.SyntaxError, ParseStatus("MAIL FROM:<postmaster>\r\n", out _));
    }

    [Fact]
    public void AddressLiteralsAreParsed()
    {
        var v4 = Parse("RCPT TO:<a@[192.0.2.1]>\r\n");
        Assert.True(v4.Path.IsAddressLiteral);
        Assert.Equal(System.Net.IPAddress.Parse("192.0.2.1"), v4.Path.AddressLiteral);
        var v6 = Parse("RCPT TO:<a@[IPv6:2001:db8::1]>\r\n");
        Assert.Equal(System.Net.IPAddress.Parse("2001:db8::1"), v6.Path.AddressLiteral);
        var general = Parse("RCPT TO:<a@[x-tag:stuff]>\r\n");
        Assert.True(general.Path.IsAddressLiteral);
        Assert.Null(general.Path.AddressLiteral);
    }

    [Fact]
    public void Utf8AddressesAreFlagged()
    {
        var c = Parse("MAIL FROM:<grüße@bücher.example> SMTPUTF8\r\n");
        Assert.True(c.Path.IsUtf8);
        Assert.Equal("grüße", c.Path.LocalPart);
        Assert.Equal("bücher.example", c.Path.Domain);
        Assert.False(Parse("MAIL FROM:<a@b.example>\r\n").Path.IsUtf8);
    }

    [Fact]
    public void RcptParametersAreDecoded()
    {
        var c = Parse("RCPT TO:<b@example.org> NOTIFY=SUCCESS,DELAY ORCPT=rfc822;b+40example.org\r\n");
        Assert.Equal(SmtpDsnNotify.Success | SmtpDsnNotify.Delay, c.RcptParameters!.Notify);
        Assert.Equal("rfc822", c.RcptParameters.OriginalRecipientType);
        Assert.Equal("b+40example.org", c.RcptParameters.OriginalRecipient);
    }

    [Fact]
    public void AuthMechanismIsUpperCasedAndInitialResponseKept()
    {
        var c = Parse("auth plain AGFsaWNlAHNlY3JldA==\r\n");
        Assert.Equal("PLAIN", c.Argument);
        Assert.Equal("AGFsaWNlAHNlY3JldA==", c.InitialResponse);
    }

    [Fact]
    public void BdatSizeAndLastAreParsed()
    {
        var c = Parse("BDAT 1000 LAST\r\n");
        Assert.Equal(1000, c.ChunkSize);
        Assert.True(c.IsLastChunk);
    }

    [Fact]
    public void EhloReportsWhetherTheArgumentIsAValidDomain()
    {
        Assert.True(Parse("EHLO mail.example.com\r\n").ArgumentIsValidDomain);
        Assert.True(Parse("EHLO [IPv6:::1]\r\n").ArgumentIsValidDomain);
        Assert.False(Parse("EHLO bad_name\r\n").ArgumentIsValidDomain);
        Assert.Equal("bad_name", Parse("EHLO bad_name\r\n").Argument);
    }

    public static TheoryData<string, int, string> InvalidLines => new()
    {
        { "FOO\r\n", 500, "5.5.1" },
        { "\r\n", 500, "5.5.1" },
        { "GET / HTTP/1.1\r\n", 221, "2.7.0" },
        { "TURN\r\n", 502, "5.5.1" },
        { "MAIL FROM:<a@b>\n", 500, "5.5.2" },
        { "MAIL FROM:<a@b>\rRCPT TO:<c@d>\r\n", 500, "5.5.2" },
        { "NOOP \0\r\n", 500, "5.5.2" },
        { "NOOP \tx\r\n", 500, "5.5.2" },
        { "EHLO\r\n", 501, "5.5.4" },
        { "EHLO a b\r\n", 501, "5.5.4" },
        { "DATA x\r\n", 501, "5.5.4" },
        { "QUIT now\r\n", 501, "5.5.4" },
        { "STARTTLS x\r\n", 501, "5.5.4" },
        { "RSET x\r\n", 501, "5.5.4" },
        { "VRFY\r\n", 501, "5.5.4" },
        { "MAIL TO:<a@b.c>\r\n", 501, "5.5.4" },
        { "MAIL FROM:a@b.c\r\n", 501, "5.1.7" },
        { "MAIL FROM:<a@b.c\r\n", 501, "5.1.7" },
        { "MAIL FROM:<a..b@c.d>\r\n", 501, "5.1.7" },
        { "MAIL FROM:<.a@c.d>\r\n", 501, "5.1.7" },
        { "MAIL FROM:<a@-c.d>\r\n", 501, "5.1.7" },
        { "MAIL FROM:<a@c.d.>\r\n", 501, "5.1.7" },
        { "MAIL FROM:<a@c..d>\r\n", 501, "5.1.7" },
        { "MAIL FROM:<a b@c.d>\r\n", 501, "5.1.7" },
        { "MAIL FROM:<\"a@c.d>\r\n", 501, "5.1.7" },
        { "MAIL FROM:<a@[1.2.3]>\r\n", 501, "5.1.7" },
        { "MAIL FROM:<a@[256.1.1.1]>\r\n", 501, "5.1.7" },
        { "MAIL FROM:<a@[IPv6:1.2.3.4]>\r\n", 501, "5.1.7" },
        { "MAIL FROM:<@a.b>\r\n", 501, "5.1.7" },
        { "MAIL FROM:<@a.b:>\r\n", 501, "5.1.7" },
        { "MAIL FROM:<a@b.c>SIZE=1\r\n", 501, "5.5.4" },
        { "MAIL FROM:<a@b.c> SIZE=x\r\n", 501, "5.5.4" },
        { "MAIL FROM:<a@b.c> SIZE=1 SIZE=2\r\n", 501, "5.5.4" },
        { "MAIL FROM:<a@b.c> SIZE=9999999999999999999999\r\n", 501, "5.5.4" },
        { "MAIL FROM:<a@b.c> BODY=9BIT\r\n", 501, "5.5.4" },
        { "MAIL FROM:<a@b.c> SMTPUTF8=yes\r\n", 501, "5.5.4" },
        { "MAIL FROM:<a@b.c> RET=ALL\r\n", 501, "5.5.4" },
        { "MAIL FROM:<a@b.c> ENVID=a+zz\r\n", 501, "5.5.4" },
        { "MAIL FROM:<a@b.c> FOO=bar\r\n", 555, "5.5.4" },
        { "MAIL FROM:<a@b.c> =x\r\n", 501, "5.5.4" },
        { "RCPT TO:<>\r\n", 501, "5.1.3" },
        { "RCPT TO:<\"postmaster\">\r\n", 501, "5.1.3" },
        { "RCPT TO:<b@c.d> NOTIFY=NEVER,SUCCESS\r\n", 501, "5.5.4" },
        { "RCPT TO:<b@c.d> NOTIFY=SUCCESS,SUCCESS\r\n", 501, "5.5.4" },
        { "RCPT TO:<b@c.d> ORCPT=rfc822\r\n", 501, "5.5.4" },
        { "RCPT TO:<b@c.d> ORCPT=rfc822;a=b\r\n", 501, "5.5.4" },
        { "RCPT TO:<b@c.d> SIZE=1\r\n", 555, "5.5.4" },
        { "RCPT TO:<aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@c.d>\r\n", 501, "5.1.3" },
        { "BDAT\r\n", 501, "5.5.4" },
        { "BDAT x\r\n", 501, "5.5.4" },
        { "BDAT -1\r\n", 501, "5.5.4" },
        { "BDAT 10 FIRST\r\n", 501, "5.5.4" },
        { "AUTH\r\n", 501, "5.5.4" },
        { "AUTH PLAIN !!!\r\n", 501, "5.5.4" },
        { "AUTH ABCDEFGHIJKLMNOPQRSTU\r\n", 501, "5.5.4" },
        { "AUTH PL@IN\r\n", 501, "5.5.4" },
    };

    [Theory]
    [MemberData(nameof(InvalidLines))]
    public void InvalidLineIsRejectedWithTheExactReply(string line, int code, string enhanced)
    {
        var data = Encoding.UTF8.GetBytes(line);
        var reader = new SequenceReader<byte>(Sequences.Split(data, data.Length / 2));
        Assert.Equal(SmtpParseStatus.SyntaxError, SmtpCommandParser.TryParse(ref reader, Limits, out _, out var rejection));
        Assert.NotNull(rejection);
        Assert.Equal(code, rejection.Code);
        Assert.Equal(enhanced, rejection.Enhanced.ToString());
        // The bad line is consumed, up to and including its LF, so the session can go on.
        Assert.Equal(line.IndexOf('\n', StringComparison.Ordinal) + 1, Encoding.UTF8.GetString(data, 0, (int)reader.Consumed).Length);
    }

    [Fact]
    public void InvalidUtf8IsASyntaxError()
    {
        byte[] data = [.. "MAIL FROM:<"u8, 0xC3, 0x28, .. "@b.c>\r\n"u8];
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(data));
        Assert.Equal(SmtpParseStatus.SyntaxError, SmtpCommandParser.TryParse(ref reader, Limits, out _, out var rejection));
        Assert.Same(SmtpReplies.InvalidUtf8, rejection);
    }

    [Fact]
    public void CommandLineOf512OctetsIsAcceptedAnd513IsTooLong()
    {
        var ok = "NOOP " + new string('x', 512 - 7) + "\r\n";
        Assert.Equal(SmtpParseStatus.Complete, ParseStatus(ok, out _));
        var tooLong = "NOOP " + new string('x', 513 - 7) + "\r\n";
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(tooLong)));
        Assert.Equal(SmtpParseStatus.LineTooLong, SmtpCommandParser.TryParse(ref reader, Limits, out _, out var rejection));
        Assert.Same(SmtpReplies.LineTooLong, rejection);
        Assert.Equal(0, reader.Consumed);
    }

    [Fact]
    public void UnterminatedLineIsTooLongOnceTheLimitIsBuffered()
    {
        var data = Encoding.ASCII.GetBytes("NOOP " + new string('x', 600));
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(data[..511]));
        Assert.Equal(SmtpParseStatus.Incomplete, SmtpCommandParser.TryParse(ref reader, Limits, out _, out _));
        reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(data[..512]));
        Assert.Equal(SmtpParseStatus.LineTooLong, SmtpCommandParser.TryParse(ref reader, Limits, out _, out _));
    }

    [Fact]
    public void MailAndAuthLinesHaveTheirLongerLimits()
    {
        var mail = "MAIL FROM:<a@b.c> ENVID=" + new string('x', 100) + " AUTH=" + new string('y', 600) + "\r\n";
        Assert.Equal(SmtpParseStatus.Complete, ParseStatus(mail, out _));
        var auth = "AUTH PLAIN " + new string('A', 8000) + "\r\n";
        Assert.Equal(SmtpParseStatus.Complete, ParseStatus(auth, out _));
        var custom = SmtpProtocolLimits.Default with { MaxAuthLineLength = 100 };
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(auth)));
        Assert.Equal(SmtpParseStatus.LineTooLong, SmtpCommandParser.TryParse(ref reader, custom, out _, out _));
    }

    [Fact]
    public void SaslResponseLinesAreReadRaw()
    {
        var data = Encoding.ASCII.GetBytes("dXNlcg==\r\n*\r\nbad\n");
        var reader = new SequenceReader<byte>(Sequences.ByteByByte(data));
        Assert.Equal(SmtpParseStatus.Complete, SmtpCommandParser.TryReadLine(ref reader, 100, out var line));
        Assert.Equal("dXNlcg==", Encoding.ASCII.GetString(line.ToArray()));
        Assert.Equal(SmtpParseStatus.Complete, SmtpCommandParser.TryReadLine(ref reader, 100, out line));
        Assert.Equal("*", Encoding.ASCII.GetString(line.ToArray()));
        Assert.Equal(SmtpParseStatus.SyntaxError, SmtpCommandParser.TryReadLine(ref reader, 100, out _));
        Assert.True(reader.End);
    }

    private static SmtpCommand ParseWhole(byte[] data, out long consumed)
    {
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(data));
        var status = SmtpCommandParser.TryParse(ref reader, Limits, out var command, out var rejection);
        Assert.True(status == SmtpParseStatus.Complete, $"{status}: {rejection}");
        consumed = reader.Consumed;
        Assert.Equal(data.Length, consumed);
        return command;
    }

    private static SmtpCommand Parse(string line) => ParseWhole(Encoding.UTF8.GetBytes(line), out _);

    private static SmtpParseStatus ParseStatus(string line, out SmtpReply? rejection)
    {
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(line)));
        return SmtpCommandParser.TryParse(ref reader, Limits, out _, out rejection);
    }
}
