using HostedMail.Testing.Properties;
using System.Buffers;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using HostedMail.Core.Imap;
using HostedMail.Core.Messages;
using HostedMail.Imap.Protocol;

namespace HostedMail.Imap.Tests;

/// <summary>The pure protocol layer: framing, command parser, modified UTF-7, sequence sets.</summary>
public sealed class ProtocolTests
{
    public static TheoryData<string> ValidCommands =>
    [
        "a1 CAPABILITY",
        "a1 LOGIN alice@example.com \"pass word\"",
        "a1 SELECT INBOX (CONDSTORE)",
        "a1 SELECT INBOX (QRESYNC (67890007 20050715194045000 41,43:211,214:541))",
        "a1 LIST (SUBSCRIBED RECURSIVEMATCH) \"\" (\"*\" %) RETURN (CHILDREN STATUS (MESSAGES SIZE))",
        "a1 UID FETCH 1:* (FLAGS BODY.PEEK[HEADER.FIELDS (FROM TO)]<0.100> BINARY[1.2]) (CHANGEDSINCE 12345 VANISHED)",
        "a1 STORE 1,3:5 (UNCHANGEDSINCE 9) +FLAGS.SILENT (\\Seen $Label)",
        "a1 UID SEARCH RETURN (MIN MAX SAVE) CHARSET UTF-8 OR FROM ann (SUBJECT \"x y\" NOT SEEN) SINCE 1-Feb-2026 UID 1:*",
        "a1 SORT (REVERSE DATE SUBJECT) UTF-8 ALL",
        "a1 THREAD REFERENCES UTF-8 ALL",
        "a1 APPEND Sent (\\Seen) \"21-Nov-2026 10:00:00 +0100\" {3}\r\nabc",
        "a1 APPEND Sent {3+}\r\nabc (\\Draft) {2+}\r\nde",
        "a1 ID (\"name\" \"x\" \"version\" NIL)",
        "a1 AUTHENTICATE PLAIN AGFsaWNlAHBhc3M=",
        "a1 ENABLE QRESYNC IMAP4rev2",
        "a1 UID EXPUNGE 4:7",
        "a1 UID MOVE 1:3 \"Other Folder\"",
        "a1 CREATE Archive/2026 (USE (\\Archive))",
    ];

    [Theory]
    [MemberData(nameof(ValidCommands))]
    public void ValidCommandsParse(string command)
    {
        var result = ImapCommandParser.Parse(Encoding.UTF8.GetBytes(command));
        Assert.True(result.IsSuccess, result.Error);
        Assert.Equal("a1", result.Command!.Tag);
    }

    [Theory]
    [InlineData("", null, "missing or invalid tag")]
    [InlineData("a1", "a1", "expected a space")]
    [InlineData("a1 FETCH 0 FLAGS", "a1", "expected a non-zero number")]
    [InlineData("a1 FETCH 1 (FLAGS", "a1", "expected ')'")]
    [InlineData("a1 FETCH 1 BODY[1.0]", "a1", "invalid section")]
    [InlineData("a1 STORE 1 FLAGS (\\Recent)", "a1", "unknown system flag \\RECENT")]
    [InlineData("a1 SEARCH SINCE 31-Feb-2026", "a1", "invalid date")]
    [InlineData("a1 UID NOOP", "a1", "UID NOOP is not a command")]
    [InlineData("a1 LOGIN \"unterminated", "a1", "unterminated quoted string")]
    [InlineData("a1 LOGIN {5}\r\nab", "a1", "literal shorter than announced")]
    [InlineData("a1 FETCH 99999999999 FLAGS", "a1", "number out of range")]
    [InlineData("a1 APPEND INBOX \"abc\"", "a1", "invalid date-time")]
    public void InvalidCommandsAreRejectedWithAReason(string command, string? tag, string error)
    {
        var result = ImapCommandParser.Parse(Encoding.UTF8.GetBytes(command));
        Assert.False(result.IsSuccess);
        Assert.Equal(tag, result.Tag);
        Assert.Equal(error, result.Error);
    }

    [Fact]
    public void ParsedCommandsCarryTheirArguments()
    {
        var store = Assert.IsType<StoreCommand>(ImapCommandParser.Parse("t UID STORE 2:* (UNCHANGEDSINCE 7) -FLAGS (\\Deleted kw)"u8.ToArray()).Command);
        Assert.True(store.Uid);
        Assert.Equal(FlagStoreMode.Remove, store.Mode);
        Assert.Equal(MessageFlags.Deleted, store.Flags);
        Assert.Equal(["kw"], store.Keywords);
        Assert.Equal(7, store.UnchangedSince);
        Assert.Equal([(2u, SequenceSet.Star)], store.Set.Ranges);

        var append = Assert.IsType<AppendCommand>(ImapCommandParser.Parse("t APPEND INBOX (\\Seen) {3}\r\nabc ~{2}\r\n\0x"u8.ToArray()).Command);
        Assert.Equal(2, append.Messages.Count);
        Assert.Equal("abc", Encoding.ASCII.GetString(append.Messages[0].Data.Span));
        Assert.True(append.Messages[1].Binary);

        var search = Assert.IsType<SearchCommand>(ImapCommandParser.Parse("t SEARCH OR SEEN NOT FLAGGED LARGER 10"u8.ToArray()).Command);
        var and = Assert.IsType<AndKey>(search.Key);
        Assert.Equal(new OrKey(new FlagKey(MessageFlags.Seen, true), new NotKey(new FlagKey(MessageFlags.Flagged, true))), and.Keys[0]);
        Assert.Equal(new SizeKey(10, true), and.Keys[1]);
    }

    [Fact]
    public void DeeplyNestedSearchIsRefusedNotOverflowed()
    {
        var command = "t SEARCH " + string.Concat(Enumerable.Repeat("NOT ", 10_000)) + "ALL";
        var result = ImapCommandParser.Parse(Encoding.ASCII.GetBytes(command));
        Assert.Equal("search program nested too deeply", result.Error);
    }

    [Theory]
    [InlineData("a {5}", 5L, true, false)]
    [InlineData("a {12+}", 12L, false, false)]
    [InlineData("a ~{3}", 3L, true, true)]
    [InlineData("a \"{5}\"", null, false, false)]
    [InlineData("a {}", null, false, false)]
    [InlineData("a }", null, false, false)]
    public void LiteralAnnouncementsAreFoundAtTheEndOfALine(string line, long? size, bool synchronizing, bool binary)
    {
        var literal = ImapFraming.GetLiteral(Encoding.ASCII.GetBytes(line));
        Assert.Equal(size, literal?.Size);
        if (literal is { } l)
        {
            Assert.Equal(synchronizing, l.Synchronizing);
            Assert.Equal(binary, l.Binary);
        }
    }

    [Theory]
    [InlineData("a1 NOOP\r\nrest")]
    [InlineData("a1 LOGIN x y\n")]
    [InlineData("a1 SELECT {5}\r\n")]
    public void FramingFindsTheSameLineAtEverySplitAndNothingWhenTruncated(string input)
    {
        var bytes = Encoding.ASCII.GetBytes(input);
        var expected = input[..input.IndexOf('\n', StringComparison.Ordinal)].TrimEnd('\r');
        for (var split = 0; split <= bytes.Length; split++)
        {
            var sequence = Split(bytes, split);
            var reader = new SequenceReader<byte>(sequence);
            Assert.Equal(FrameStatus.Line, ImapFraming.TryReadLine(ref reader, 1000, out var line));
            Assert.Equal(expected, Encoding.ASCII.GetString(line.ToArray()));
            Assert.Equal(input.IndexOf('\n', StringComparison.Ordinal) + 1, reader.Consumed);
        }

        for (var length = 0; length < input.IndexOf('\n', StringComparison.Ordinal); length++)
        {
            var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(bytes, 0, length));
            Assert.Equal(FrameStatus.Incomplete, ImapFraming.TryReadLine(ref reader, 1000, out _));
            Assert.Equal(0, reader.Consumed);
        }
    }

    [Fact]
    public void FramingReportsALineTooLongWithoutWaitingForItsEnd()
    {
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(new byte[100]));
        Assert.Equal(FrameStatus.LineTooLong, ImapFraming.TryReadLine(ref reader, 50, out _));
        Assert.Equal(0, reader.Consumed);
    }

    [Theory]
    [InlineData("Entwürfe", "Entw&APw-rfe")]
    [InlineData("日本語", "&ZeVnLIqe-")]
    [InlineData("a&b", "a&-b")]
    [InlineData("plain", "plain")]
    public void ModifiedUtf7MatchesRfc3501Examples(string name, string encoded)
    {
        Assert.Equal(encoded, ModifiedUtf7.Encode(name));
        Assert.True(ModifiedUtf7.TryDecode(encoded, out var decoded));
        Assert.Equal(name, decoded);
    }

    [Fact]
    public void ParserNeverThrowsOnArbitraryBytes() =>
        Prop.ForAll(ArbMap.Default.ArbFor<byte[]>(), bytes =>
        {
            var result = ImapCommandParser.Parse(bytes);
            return result.IsSuccess || result.Error is not null;
        }).Check(PropertyRuns.Config(100));

    [Fact]
    public void ParserNeverThrowsOnImapShapedNoise()
    {
        var pieces = new[] { "a1 ", "UID ", "FETCH ", "SEARCH ", "STORE ", "APPEND ", "LIST ", "SELECT ", "(", ")", "[", "]", "<", ">", "{3}\r\n", "{0+}\r\n", "~{1}\r\n", "\"", "\\", "*", ":", ",", "$", "1", "99", " ", "BODY", ".PEEK", "HEADER.FIELDS", "NOT ", "OR ", "INBOX", "\r\n", "\0", "é" };
        var gen = Gen.ArrayOf(Gen.Elements(pieces)).Select(p => Encoding.UTF8.GetBytes(string.Concat(p)));
        Prop.ForAll(gen.ToArbitrary(), bytes =>
        {
            var result = ImapCommandParser.Parse(bytes);
            return result.IsSuccess || result.Error is not null;
        }).Check(PropertyRuns.Config(100));
    }

    [Fact]
    public void ModifiedUtf7RoundTripsAnyValidString() =>
        Prop.ForAll(ArbMap.Default.ArbFor<string>().Filter(s => s is not null && IsValidUtf16(s)), s =>
            ModifiedUtf7.TryDecode(ModifiedUtf7.Encode(s), out var back) && back == s).Check(PropertyRuns.Config(100));

    [Fact]
    public void SequenceSetFormatParsesBackToTheSameNumbers() =>
        Prop.ForAll(ArbMap.Default.ArbFor<uint[]>(), numbers =>
        {
            var distinct = numbers.Where(n => n is > 0 and < uint.MaxValue).Select(n => (long)n).Distinct().Order().ToList();
            if (distinct.Count == 0)
            {
                return true;
            }

            var parsed = Assert.IsType<FetchCommand>(ImapCommandParser.Parse(Encoding.ASCII.GetBytes("t FETCH " + SequenceSet.Format(distinct) + " UID")).Command);
            var back = parsed.Set.Ranges.SelectMany(r => Range((uint)r.Start, (uint)r.End)).ToList();
            return back.SequenceEqual(distinct);
        }).Check(PropertyRuns.Config(100));

    [Fact]
    public void AbsentRangesFormattedTogetherAreExactlyTheMissingUids() =>
        Prop.ForAll(ArbMap.Default.ArbFor<byte[]>(), ArbMap.Default.ArbFor<(byte, byte)[]>(), (present, asked) =>
        {
            // What QRESYNC reports when the expunge history ran out: every asked-for UID the map lacks.
            var uids = present.Where(b => b > 0).Select(b => (uint)b).Distinct().Order().ToArray();
            using var selected = new Server.SelectedFolder(new Folder(1, 1, 1, "INBOX", null, true, 1, 256, 1, uids.Length, 0, 0), readOnly: false);
            selected.Load(uids);
            var ranges = asked.Select(a => (Low: (long)Math.Min(a.Item1, a.Item2), High: (long)Math.Max(a.Item1, a.Item2))).ToList();
            var expected = ranges.SelectMany(r => Range((uint)r.Low, (uint)r.High)).Where(n => n > 0 && Array.BinarySearch(uids, (uint)n) < 0).Distinct().Order();
            var formatted = SequenceSet.FormatRanges(ranges.SelectMany(r => selected.Absent(Math.Max(r.Low, 1), r.High)));
            return formatted == SequenceSet.Format(expected);
        }).Check(PropertyRuns.Config(200));

    [Fact]
    public void LiteralDetectionNeverThrows() =>
        Prop.ForAll(ArbMap.Default.ArbFor<byte[]>(), bytes =>
        {
            var literal = ImapFraming.GetLiteral(bytes);
            return literal is null || literal.Value.Size >= 0;
        }).Check(PropertyRuns.Config(100));

    private static IEnumerable<long> Range(uint start, uint end)
    {
        for (long n = start; n <= end; n++)
        {
            yield return n;
        }
    }

    private static bool IsValidUtf16(string s)
    {
        for (var i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]))
            {
                if (i + 1 >= s.Length || !char.IsLowSurrogate(s[i + 1]))
                {
                    return false;
                }

                i++;
            }
            else if (char.IsLowSurrogate(s[i]))
            {
                return false;
            }
        }

        return true;
    }

    private static ReadOnlySequence<byte> Split(byte[] bytes, int at)
    {
        if (at == 0 || at == bytes.Length)
        {
            return new ReadOnlySequence<byte>(bytes);
        }

        var first = new Segment(bytes.AsMemory(0, at));
        var second = first.Append(bytes.AsMemory(at));
        return new ReadOnlySequence<byte>(first, 0, second, second.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory) => Memory = memory;

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory) { RunningIndex = RunningIndex + Memory.Length };
            Next = next;
            return next;
        }
    }
}
