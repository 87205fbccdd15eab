using System.Buffers;
using System.Text;
using HostedMail.Testing.Properties;

namespace HostedMail.Net.Tests;

/// <summary>
/// PROXY headers and SASL responses come from the network before anyone is authenticated:
/// arbitrary and mutated bytes must give a status, never an exception (seeded: CI replays the
/// same cases; HOSTEDMAIL_FUZZ_SEED explores others).
/// </summary>
public sealed class ParserFuzzTests
{
    private static readonly byte[][] ProxySamples =
    [
        Encoding.ASCII.GetBytes("PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\n"),
        Encoding.ASCII.GetBytes("PROXY TCP6 2001:db8::1 2001:db8::2 1 2\r\n"),
        Encoding.ASCII.GetBytes("PROXY UNKNOWN\r\n"),
        [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A, 0x21, 0x11, 0x00, 0x0C, 192, 0, 2, 1, 198, 51, 100, 2, 0xDC, 0x04, 0x01, 0xBB],
        [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A, 0x20, 0x00, 0x00, 0x00],
    ];

    [Fact]
    public void ProxyHeadersNeverThrowAndConsumeOnlyWhatTheyParsed()
    {
        var random = new Random(FuzzInput.Seed);
        for (var i = 0; i < 30_000; i++)
        {
            var bytes = i % 4 == 0 ? FuzzInput.RandomBytes(random, 120) : FuzzInput.Mutate(random, ProxySamples[random.Next(ProxySamples.Length)]);
            var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(bytes));
            var status = ProxyProtocolParser.TryParse(ref reader, out var header);
            Assert.True(reader.Consumed <= bytes.Length);
            if (status == ProxyParseStatus.Complete)
            {
                Assert.NotNull(header);
            }
        }
    }

    [Fact]
    public void SaslResponsesNeverThrow()
    {
        var random = new Random(FuzzInput.Seed);
        string[] samples = ["AGFsaWNlAHB3", "YWxpY2U=", "cGFzc3dvcmQ=", "*", "=", "bj1hbGljZSxhdXRoPUJlYXJlciB0b2tlbgEB", "dXNlcj1hbGljZQFhdXRoPUJlYXJlciB0b2tlbgEB"];
        foreach (var name in SaslMechanismRegistry.Default.Names)
        {
            for (var i = 0; i < 3_000; i++)
            {
                Assert.True(SaslMechanismRegistry.Default.TryCreate(name, out var mechanism));
                var exchange = new SaslServerExchange(mechanism);
                var initial = random.Next(3) switch
                {
                    0 => null,
                    1 => samples[random.Next(samples.Length)],
                    _ => Encoding.Latin1.GetString(FuzzInput.Mutate(random, Encoding.ASCII.GetBytes(samples[random.Next(samples.Length)]))),
                };
                var step = exchange.Begin(initial);
                for (var round = 0; round < 3 && step.Kind == SaslStepKind.Challenge; round++)
                {
                    var line = random.Next(2) == 0 ? FuzzInput.RandomBytes(random, 120) : FuzzInput.Mutate(random, Encoding.ASCII.GetBytes(samples[random.Next(samples.Length)]));
                    step = exchange.Respond(line);
                }

                Assert.True(Enum.IsDefined(step.Kind));
            }
        }
    }
}
