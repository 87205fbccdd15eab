using HostedMail.Dns.Protocol;
using HostedMail.Testing.Dns;

namespace HostedMail.Dns.Tests;

public sealed class MalformedAnswerTests : IAsyncLifetime
{
    private readonly TestDnsServer _server = TestDnsServer.Start();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _server.DisposeAsync();

    /// <summary>A reply echoing the query's ID and question, with one answer whose bytes the test gives.</summary>
    private static byte[] Reply(byte[] query, byte[] answer, int answerCount = 1, ushort? id = null)
    {
        var questionEnd = 12;
        while (query[questionEnd] != 0)
        {
            questionEnd += query[questionEnd] + 1;
        }

        questionEnd += 5;
        var reply = new List<byte>();
        if (id is { } forced)
        {
            reply.Add((byte)(forced >> 8));
            reply.Add((byte)forced);
        }
        else
        {
            reply.AddRange(query[..2]);
        }

        reply.AddRange([0x81, 0x80, 0, 1, 0, (byte)answerCount, 0, 0, 0, 0]);
        reply.AddRange(query[12..questionEnd]);
        reply.AddRange(answer);
        return [.. reply];
    }

    private static readonly byte[] ATail = [0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1];

    public static TheoryData<string, byte[]> HostileAnswers => new()
    {
        // Owner name is a pointer to itself (offset of the answer section start is computed by the server: use a pointer forward instead).
        { "pointer to itself", [0xC0, 0xFF, .. ATail] },
        { "pointer past the end", [0xC3, 0xFF, .. ATail] },
        { "label runs past the end", [0x3F, (byte)'a', (byte)'b'] },
        { "record header cut short", [0xC0, 0x0C, 0, 1, 0, 1, 0] },
        { "rdata length past the end", [0xC0, 0x0C, 0, 1, 0, 1, 0, 0, 0, 60, 0, 40, 1, 2, 3, 4] },
        { "A record with five bytes", [0xC0, 0x0C, 0, 1, 0, 1, 0, 0, 0, 60, 0, 5, 1, 2, 3, 4, 5] },
        { "extended label type", [0x40, 0x01, .. ATail] },
    };

    [Theory]
    [MemberData(nameof(HostileAnswers))]
    public async Task HostileAnswersBecomeMalformedResponse(string why, byte[] answer)
    {
        _server.RespondRaw("example.com", query => Reply(query, answer));
        var resolver = new DnsResolver(new DnsResolverOptions { Servers = [_server.EndPoint], Attempts = 1, EnableCache = false });
        var result = await resolver.QueryAsync("example.com", DnsRecordType.A);
        Assert.True(result.Status == DnsStatus.MalformedResponse, why);
    }

    [Fact]
    public async Task APointerLoopInsideTheAnswerIsRejected()
    {
        // Two pointers pointing at each other: offsets are known once the question length is.
        _server.RespondRaw("example.com", query =>
        {
            var headerAndQuestion = 12 + 13 + 4; // "example.com" is 13 wire bytes.
            var first = headerAndQuestion;
            byte[] answer = [0xC0, (byte)(first + 2), 0xC0, (byte)first, .. ATail];
            return Reply(query, answer);
        });
        var resolver = new DnsResolver(new DnsResolverOptions { Servers = [_server.EndPoint], Attempts = 1, EnableCache = false });
        Assert.Equal(DnsStatus.MalformedResponse, (await resolver.QueryAsync("example.com", DnsRecordType.A)).Status);
    }

    [Fact]
    public async Task DatagramsWithAnotherIdAreIgnored()
    {
        _server.RespondRaw("example.com", query => Reply(query, [0xC0, 0x0C, .. ATail], id: (ushort)(((query[0] << 8) | query[1]) ^ 0x5555)));
        var resolver = new DnsResolver(new DnsResolverOptions { Servers = [_server.EndPoint], Attempts = 1, EnableCache = false, Timeout = TimeSpan.FromMilliseconds(300) });
        Assert.Equal(DnsStatus.Timeout, (await resolver.QueryAsync("example.com", DnsRecordType.A)).Status);
    }

    [Fact]
    public async Task AnAnswerToAnotherQuestionIsMalformed()
    {
        _server.Add("other.example", TestDnsRecord.A("192.0.2.1"));
        _server.RespondRaw("example.com", query =>
        {
            byte[] question = [.. TestDnsRecord.EncodeName("other.example"), 0, 1, 0, 1];
            byte[] reply = [query[0], query[1], 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, .. question];
            return reply;
        });
        var resolver = new DnsResolver(new DnsResolverOptions { Servers = [_server.EndPoint], Attempts = 1, EnableCache = false });
        Assert.Equal(DnsStatus.MalformedResponse, (await resolver.QueryAsync("example.com", DnsRecordType.A)).Status);
    }

    [Fact]
    public void EveryPrefixOfAValidMessageParsesOrFailsWithAFormatError()
    {
        byte[] query = DnsMessageWriter.BuildQuery(7, TestDnsRecord.EncodeName("example.com"), DnsRecordType.TXT, 1232, true);
        var full = Reply(query, [0xC0, 0x0C, 0, 16, 0, 1, 0, 0, 0, 60, 0, 6, 2, (byte)'h', (byte)'i', 2, (byte)'y', (byte)'o']);
        var parsed = DnsMessageReader.Parse(full);
        Assert.Equal("hiyo", Assert.IsType<TxtRecord>(Assert.Single(parsed.Answers)).Text);
        for (var length = 0; length < full.Length; length++)
        {
            var prefix = full[..length];
            Assert.Throws<DnsFormatException>(() => DnsMessageReader.Parse(prefix));
        }
    }

    [Fact]
    public void RandomBytesNeverThrowAnythingButFormatErrors()
    {
        var random = new Random(4);
        for (var i = 0; i < 20_000; i++)
        {
            var data = new byte[random.Next(0, 80)];
            random.NextBytes(data);
            try
            {
                DnsMessageReader.Parse(data);
            }
            catch (DnsFormatException)
            {
                // Expected for most inputs.
            }
        }
    }
}
