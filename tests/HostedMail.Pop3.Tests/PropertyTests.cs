using HostedMail.Testing.Properties;
using System.Buffers;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using HostedMail.Pop3.Protocol;

namespace HostedMail.Pop3.Tests;

public class PropertyTests
{
    private static readonly Config Config = PropertyRuns.Config(2000);

    // Tokens that steer random input into the grammar's corners instead of pure noise.
    private static readonly string[] Tokens =
    [
        "USER ", "PASS ", "STAT", "LIST", "UIDL", "RETR ", "TOP ", "DELE ", "AUTH ", "PLAIN", "CAPA", "STLS", "QUIT",
        " ", "  ", "0", "1", "42", "99999999999999999999999", "-", "+", "=", "abc", "\r\n", "\r", "\n", "\0", "\t", "ü", "\u00ff", ".",
    ];

    private static Gen<byte[]> Input =>
        Gen.Frequency(
            (1, ArbMap.Default.GeneratorFor<byte[]>()),
            (3, Gen.Elements(Tokens).ListOf().Select(parts => Encoding.UTF8.GetBytes(string.Concat(parts)))));

    [Fact]
    public void ArbitraryBytesNeverThrowAndEveryCommandMakesProgress()
    {
        Prop.ForAll(Input.ToArbitrary(), bytes =>
        {
            var reader = new SequenceReader<byte>(Sequences.Split(bytes, bytes.Length / 2));
            var guard = 0;
            Pop3ParseStatus status;
            while (true)
            {
                var before = reader.Consumed;
                status = Pop3CommandParser.TryParse(ref reader, 64, out _, out var error);
                if (status is not (Pop3ParseStatus.Complete or Pop3ParseStatus.SyntaxError))
                {
                    // Incomplete and LineTooLong consume nothing.
                    return reader.Consumed == before;
                }

                if (reader.Consumed == before || ++guard > bytes.Length || (status == Pop3ParseStatus.SyntaxError && string.IsNullOrEmpty(error)))
                {
                    return false;
                }
            }
        }).Check(Config);
    }

    [Fact]
    public void SplittingTheInputAnywhereChangesNoResult()
    {
        Prop.ForAll(Input.ToArbitrary(), bytes =>
        {
            var whole = ParseAll(new ReadOnlySequence<byte>(bytes));
            var byteByByte = ParseAll(Sequences.ByteByByte(bytes));
            var half = ParseAll(Sequences.Split(bytes, bytes.Length / 2));
            return whole == byteByByte && whole == half;
        }).Check(Config);

        static string ParseAll(ReadOnlySequence<byte> input)
        {
            var reader = new SequenceReader<byte>(input);
            var log = new StringBuilder();
            while (true)
            {
                var status = Pop3CommandParser.TryParse(ref reader, 64, out var command, out var error);
                log.Append(status).Append(command).Append(error).Append(reader.Consumed).Append(';');
                if (status is not (Pop3ParseStatus.Complete or Pop3ParseStatus.SyntaxError))
                {
                    return log.ToString();
                }
            }
        }
    }

    [Fact]
    public void WellFormedCommandsRoundTrip()
    {
        var numbered = Gen.Elements(Pop3Verb.List, Pop3Verb.Uidl, Pop3Verb.Retr, Pop3Verb.Dele);
        var commands = Gen.OneOf(
            Gen.Zip(numbered, Gen.Choose(0, int.MaxValue)).Select(t => new Pop3Command(t.Item1, t.Item2)),
            Gen.Zip(Gen.Choose(0, int.MaxValue), Gen.Choose(0, int.MaxValue)).Select(t => new Pop3Command(Pop3Verb.Top, t.Item1, t.Item2)),
            Gen.Elements(Pop3Verb.Stat, Pop3Verb.Noop, Pop3Verb.Rset, Pop3Verb.Quit, Pop3Verb.Capa, Pop3Verb.Stls, Pop3Verb.List, Pop3Verb.Uidl, Pop3Verb.Auth).Select(v => new Pop3Command(v)),
            Gen.Elements("alice", "bob@example.com", "ünï@例え.jp").Select(u => new Pop3Command(Pop3Verb.User, Text: u)),
            Gen.Elements("x", "with spaces ", " leading", "pässwörd").Select(p => new Pop3Command(Pop3Verb.Pass, Text: p)));
        var casing = ArbMap.Default.GeneratorFor<bool>();
        Prop.ForAll(Gen.Zip(commands, casing).ToArbitrary(), t =>
        {
            var (command, lower) = t;
            var keyword = Pop3CommandParser.Name(command.Verb);
            var line = keyword is "TOP"
                ? $"{keyword} {command.Message} {command.Lines}"
                : command.Message is { } n ? $"{keyword} {n}" : command.Text is { } text ? $"{keyword} {text}" : keyword;
            if (lower)
            {
                line = string.Concat(line[..keyword.Length].ToLowerInvariant(), line[keyword.Length..]);
            }

            var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(line + "\r\n")));
            return Pop3CommandParser.TryParse(ref reader, 255, out var parsed, out _) == Pop3ParseStatus.Complete && parsed == command;
        }).Check(Config);
    }

    [Fact]
    public void DotStuffingIsUndoneByTheClientsRuleWhateverTheChunking()
    {
        var lines = Gen.Elements("", ".", "..", ".x", "x.", "Subject: a", "body", "\r", " .").ListOf();
        var messages = Gen.Zip(Gen.Zip(lines, Gen.Elements("\r\n", "\n")), Gen.Choose(1, 16)).ToArbitrary();
        Prop.ForAll(messages, t =>
        {
            var ((parts, ending), chunk) = t;
            var message = string.Join(ending, parts);
            var bytes = Encoding.ASCII.GetBytes(message);
            var output = new ArrayBufferWriter<byte>();
            var stuffer = new Pop3DotStuffer(-1);
            for (var i = 0; i < bytes.Length; i += chunk)
            {
                stuffer.Write(output, bytes.AsSpan(i, Math.Min(chunk, bytes.Length - i)));
            }

            stuffer.Complete(output);
            var wire = Encoding.ASCII.GetString(output.WrittenSpan);
            // RFC 1939 section 3: the response ends at the first line that is exactly ".".
            var end = wire.StartsWith(".\r\n", StringComparison.Ordinal) ? 0 : wire.IndexOf("\r\n.\r\n", StringComparison.Ordinal) + 2;
            if (end != wire.Length - 3)
            {
                return false;
            }

            var received = wire[..end].Split("\r\n").Select(l => l.StartsWith('.') ? l[1..] : l);
            var expected = message.Replace("\r\n", "\n", StringComparison.Ordinal).Replace("\n", "\r\n", StringComparison.Ordinal);
            if (expected.Length > 0 && !expected.EndsWith("\r\n", StringComparison.Ordinal))
            {
                expected += "\r\n";
            }

            return string.Join("\r\n", received) == expected;
        }).Check(Config);
    }
}
