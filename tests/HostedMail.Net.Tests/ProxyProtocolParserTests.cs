using System.Buffers;
using System.Net;
using System.Text;

namespace HostedMail.Net.Tests;

public class ProxyProtocolParserTests
{
    private static readonly byte[] Signature = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    private static byte[] V2(byte command, byte family, byte[] body) =>
        [.. Signature, (byte)(0x20 | command), family, (byte)(body.Length >> 8), (byte)body.Length, .. body];

    private static readonly byte[] V2Tcp4 = V2(1, 0x11, [192, 0, 2, 1, 198, 51, 100, 7, 0x30, 0x39, 0x00, 0x19]);

    private static readonly byte[] V2Tcp6WithTlv = V2(1, 0x21,
    [
        .. IPAddress.Parse("2001:db8::1").GetAddressBytes(), .. IPAddress.Parse("2001:db8::2").GetAddressBytes(), 0xC3, 0x50, 0x03, 0xE1,
        0x04, 0x00, 0x03, (byte)'a', (byte)'b', (byte)'c', // PP2_TYPE_NOOP TLV, skipped
    ]);

    private static readonly byte[] V2Local = V2(0, 0x00, []);

    public static TheoryData<string, int, bool, string?> ValidHeaders => new()
    {
        { Convert.ToHexString(V2Tcp4), 2, false, "192.0.2.1:12345" },
        { Convert.ToHexString(V2Tcp6WithTlv), 2, false, "[2001:db8::1]:50000" },
        { Convert.ToHexString(V2Local), 2, true, null },
        { Convert.ToHexString(Encoding.ASCII.GetBytes("PROXY TCP4 192.0.2.1 198.51.100.7 12345 25\r\n")), 1, false, "192.0.2.1:12345" },
        { Convert.ToHexString(Encoding.ASCII.GetBytes("PROXY TCP6 2001:db8::1 2001:db8::2 50000 993\r\n")), 1, false, "[2001:db8::1]:50000" },
        { Convert.ToHexString(Encoding.ASCII.GetBytes("PROXY UNKNOWN\r\n")), 1, true, null },
        { Convert.ToHexString(Encoding.ASCII.GetBytes("PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n")), 1, true, null },
    };

    [Theory]
    [MemberData(nameof(ValidHeaders))]
    public void HeaderParsesAtEverySplitAndLeavesTheApplicationBytes(string hex, int version, bool isLocal, string? source)
    {
        var header = Convert.FromHexString(hex);
        byte[] data = [.. header, .. "EHLO x\r\n"u8];
        for (var cut = 0; cut < data.Length; cut++)
        {
            var reader = new SequenceReader<byte>(Sequences.Split(data, cut));
            Assert.Equal(ProxyParseStatus.Complete, ProxyProtocolParser.TryParse(ref reader, out var parsed));
            Assert.Equal(header.Length, reader.Consumed);
            Assert.Equal(version, parsed!.Version);
            Assert.Equal(isLocal, parsed.IsLocal);
            Assert.Equal(source, parsed.Source?.ToString());
        }
    }

    [Theory]
    [MemberData(nameof(ValidHeaders))]
    public void TruncatedHeaderIsIncompleteAndConsumesNothing(string hex, int version, bool isLocal, string? source)
    {
        _ = (version, isLocal, source);
        var header = Convert.FromHexString(hex);
        for (var length = 0; length < header.Length; length++)
        {
            var reader = new SequenceReader<byte>(Sequences.Split(header[..length], length / 2));
            Assert.Equal(ProxyParseStatus.Incomplete, ProxyProtocolParser.TryParse(ref reader, out _));
            Assert.Equal(0, reader.Consumed);
        }
    }

    [Fact]
    public void V2DestinationIsReported()
    {
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(V2Tcp4));
        ProxyProtocolParser.TryParse(ref reader, out var header);
        Assert.Equal("198.51.100.7:25", header!.Destination!.ToString());
    }

    public static TheoryData<string> InvalidHeaders => new()
    {
        Convert.ToHexString("EHLO example.com\r\n"u8),
        Convert.ToHexString("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n"u8),
        Convert.ToHexString("PROXY TCP4 1.2.3 5.6.7.8 1 2\r\n"u8),
        Convert.ToHexString("PROXY TCP4 2001:db8::1 5.6.7.8 1 2\r\n"u8),
        Convert.ToHexString("PROXY TCP6 1.2.3.4 5.6.7.8 1 2\r\n"u8),
        Convert.ToHexString("PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n"u8),
        Convert.ToHexString("PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n"u8),
        Convert.ToHexString("PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n"u8),
        Convert.ToHexString("PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n"u8),
        Convert.ToHexString("PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n"u8),
        Convert.ToHexString(Encoding.ASCII.GetBytes("PROXY TCP4 " + new string('1', 120) + "\r\n")),
        Convert.ToHexString(V2(2, 0x11, new byte[12])),
        Convert.ToHexString(V2(1, 0x12, new byte[12])),
        Convert.ToHexString(V2(1, 0x11, new byte[11])),
        Convert.ToHexString(V2(1, 0x21, new byte[20])),
        Convert.ToHexString((byte[])[.. Signature, 0x11, 0x11, 0, 12, .. new byte[12]]),
        Convert.ToHexString((byte[])[.. Signature, 0x21, 0x11, 0xFF, 0xFF]),
    };

    [Theory]
    [MemberData(nameof(InvalidHeaders))]
    public void InvalidHeaderIsRefused(string hex)
    {
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(Convert.FromHexString(hex)));
        Assert.Equal(ProxyParseStatus.Invalid, ProxyProtocolParser.TryParse(ref reader, out _));
        Assert.Equal(0, reader.Consumed);
    }
}
