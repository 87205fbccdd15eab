using System.Buffers;
using System.Text;
using HostedMail.Pop3.Protocol;

namespace HostedMail.Pop3.Tests;

public class Pop3CommandParserTests
{
    public static TheoryData<string, string, int?, int, string?, string?> ValidCommands => new()
    {
        { "USER alice@example.com\r\n", "User", null, 0, "alice@example.com", null },
        { "user alice\r\n", "User", null, 0, "alice", null },
        { "PASS secret with spaces \r\n", "Pass", null, 0, "secret with spaces ", null },
        { "PASS pässwörd\r\n", "Pass", null, 0, "pässwörd", null },
        { "STAT\r\n", "Stat", null, 0, null, null },
        { "LIST\r\n", "List", null, 0, null, null },
        { "LIST 2\r\n", "List", 2, 0, null, null },
        { "list 2 \r\n", "List", 2, 0, null, null },
        { "UIDL 0\r\n", "Uidl", 0, 0, null, null },
        { "RETR 99999999999999999999\r\n", "Retr", int.MaxValue, 0, null, null },
        { "DELE 1\n", "Dele", 1, 0, null, null },
        { "TOP 1 0\r\n", "Top", 1, 0, null, null },
        { "TOP 3 10\r\n", "Top", 3, 10, null, null },
        { "NOOP\r\n", "Noop", null, 0, null, null },
        { "RSET\r\n", "Rset", null, 0, null, null },
        { "QUIT\r\n", "Quit", null, 0, null, null },
        { "CAPA\r\n", "Capa", null, 0, null, null },
        { "STLS\r\n", "Stls", null, 0, null, null },
        { "AUTH\r\n", "Auth", null, 0, null, null },
        { "AUTH plain\r\n", "Auth", null, 0, "PLAIN", null },
        { "AUTH PLAIN AGFsaWNlAHNlY3JldA==\r\n", "Auth", null, 0, "PLAIN", "AGFsaWNlAHNlY3JldA==" },
        { "AUTH PLAIN =\r\n", "Auth", null, 0, "PLAIN", "=" },
        { "APOP mrose c4c9334bac560ecc979e58001b3e22fb\r\n", "Apop", null, 0, null, null },
    };

    [Theory]
    [MemberData(nameof(ValidCommands))]
    public void ValidCommandsParseWhateverTheSplit(string line, string verb, int? message, int lines, string? text, string? initial)
    {
        var bytes = Encoding.UTF8.GetBytes(line);
        for (var cut = 0; cut <= bytes.Length; cut++)
        {
            var reader = new SequenceReader<byte>(Sequences.Split(bytes, cut));
            Assert.Equal(Pop3ParseStatus.Complete, Pop3CommandParser.TryParse(ref reader, 255, out var command, out var error));
            Assert.Null(error);
            Assert.Equal(new Pop3Command(Enum.Parse<Pop3Verb>(verb), message, lines, text, initial), command);
            Assert.Equal(bytes.Length, reader.Consumed);
        }

        var byteByByte = new SequenceReader<byte>(Sequences.ByteByByte(bytes));
        Assert.Equal(Pop3ParseStatus.Complete, Pop3CommandParser.TryParse(ref byteByByte, 255, out var again, out _));
        Assert.Equal(Enum.Parse<Pop3Verb>(verb), again.Verb);
    }

    [Theory]
    [MemberData(nameof(ValidCommands))]
    public void ParserConsumesNothingWhenTheLineIsIncomplete(string line, string verb, int? message, int lines, string? text, string? initial)
    {
        _ = (verb, message, lines, text, initial);
        var bytes = Encoding.UTF8.GetBytes(line);
        for (var length = 0; length < bytes.Length; length++)
        {
            var prefix = bytes[..length];
            var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(prefix));
            if (prefix.Contains((byte)'\n'))
            {
                continue;
            }

            Assert.Equal(Pop3ParseStatus.Incomplete, Pop3CommandParser.TryParse(ref reader, 255, out _, out _));
            Assert.Equal(0, reader.Consumed);
        }
    }

    [Theory]
    [InlineData("\r\n", "Empty command")]
    [InlineData("HELO x\r\n", "Unknown command")]
    [InlineData("RETRIEVE 1\r\n", "Unknown command")]
    [InlineData(" STAT\r\n", "Empty command")]
    [InlineData("STAT 1\r\n", "STAT takes no arguments")]
    [InlineData("QUIT now\r\n", "QUIT takes no arguments")]
    [InlineData("RETR\r\n", "RETR requires one message number")]
    [InlineData("RETR 1 2\r\n", "RETR requires one message number")]
    [InlineData("DELE x\r\n", "Invalid message number")]
    [InlineData("DELE -1\r\n", "Invalid message number")]
    [InlineData("DELE +1\r\n", "Invalid message number")]
    [InlineData("LIST 1 2\r\n", "LIST takes at most one message number")]
    [InlineData("LIST  1\r\n", "Arguments must be separated by a single space")]
    [InlineData("TOP 1\r\n", "TOP requires a message number and a number of lines")]
    [InlineData("TOP 1 x\r\n", "Invalid number of lines")]
    [InlineData("TOP 1 -1\r\n", "Invalid number of lines")]
    [InlineData("USER\r\n", "USER requires a mailbox name")]
    [InlineData("USER a b\r\n", "Invalid characters in mailbox name")]
    [InlineData("USER a\tb\r\n", "Invalid characters in mailbox name")]
    [InlineData("PASS\r\n", "PASS requires a password")]
    [InlineData("PASS \r\n", "PASS requires a password")]
    [InlineData("PASS a\0b\r\n", "Invalid characters in password")]
    [InlineData("LIST \u00e91\r\n", "Invalid characters in arguments")]
    [InlineData("RETR 1\0\r\n", "Invalid characters in arguments")]
    [InlineData("AUTH PL@IN\r\n", "Invalid mechanism name")]
    [InlineData("AUTH PLAIN abc! \r\n", "Invalid initial response")]
    [InlineData("AUTH PLAIN a b\r\n", "AUTH takes a mechanism and an optional initial response")]
    public void InvalidCommandsAreRejectedWithAReason(string line, string reason)
    {
        var bytes = Encoding.UTF8.GetBytes(line);
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(bytes));
        Assert.Equal(Pop3ParseStatus.SyntaxError, Pop3CommandParser.TryParse(ref reader, 255, out _, out var error));
        Assert.Equal(reason, error);
        Assert.Equal(bytes.Length, reader.Consumed);
    }

    [Fact]
    public void InvalidUtf8InAPasswordIsASyntaxError()
    {
        byte[] bytes = [.. "PASS "u8, 0xC3, 0x28, .. "\r\n"u8];
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(bytes));
        Assert.Equal(Pop3ParseStatus.SyntaxError, Pop3CommandParser.TryParse(ref reader, 255, out _, out var error));
        Assert.Equal("Invalid characters in password", error);
    }

    [Fact]
    public void LinesLongerThan255OctetsIncludingCrlfAreTooLong()
    {
        // RFC 2449 section 4: 255 octets including CRLF is the longest allowed command.
        var fits = Encoding.ASCII.GetBytes("PASS " + new string('x', 248) + "\r\n");
        Assert.Equal(255, fits.Length);
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(fits));
        Assert.Equal(Pop3ParseStatus.Complete, Pop3CommandParser.TryParse(ref reader, 255, out _, out _));

        var over = Encoding.ASCII.GetBytes("PASS " + new string('x', 249) + "\r\n");
        reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(over));
        Assert.Equal(Pop3ParseStatus.LineTooLong, Pop3CommandParser.TryParse(ref reader, 255, out _, out _));
        Assert.Equal(0, reader.Consumed);

        var noEnd = Encoding.ASCII.GetBytes(new string('x', 255));
        reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(noEnd));
        Assert.Equal(Pop3ParseStatus.LineTooLong, Pop3CommandParser.TryParse(ref reader, 255, out _, out _));
        Assert.Equal(0, reader.Consumed);
    }

    [Fact]
    public void PipelinedCommandsParseOneAtATime()
    {
        var bytes = "STAT\r\nLIST\r\nUIDL 1\r\nQUIT\r\n"u8.ToArray();
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(bytes));
        var verbs = new List<Pop3Verb>();
        while (Pop3CommandParser.TryParse(ref reader, 255, out var command, out _) == Pop3ParseStatus.Complete)
        {
            verbs.Add(command.Verb);
        }

        Assert.Equal([Pop3Verb.Stat, Pop3Verb.List, Pop3Verb.Uidl, Pop3Verb.Quit], verbs);
        Assert.Equal(bytes.Length, reader.Consumed);
    }
}
