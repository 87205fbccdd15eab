using System.Buffers;
using System.Text;

namespace HostedMail.Net.Tests;

/// <summary>
/// PROXY headers and SASL responses come from the network before anyone is authenticated:
/// arbitrary and mutated bytes must give a status, never an exception (seeded: CI replays the
/// same cases; HOSTEDMAIL_FUZZ_SEED explores others).
/// </summary>
public sealed class ParserFuzzTests
{
    private static readonly int Seed = int.TryParse(Environment.GetEnvironmentVariable("HOSTEDMAIL_FUZZ_SEED"), out var seed) ? seed : 20261205;

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
        var random = new Random(Seed);
        for (var i = 0; i < 30_000; i++)
        {
            var bytes = i % 4 == 0 ? RandomBytes(random) : Mutate(random, ProxySamples[random.Next(ProxySamples.Length)]);
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
        var random = new Random(Seed);
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
                    _ => Encoding.Latin1.GetString(Mutate(random, Encoding.ASCII.GetBytes(samples[random.Next(samples.Length)]))),
                };
                var step = exchange.Begin(initial);
                for (var round = 0; round < 3 && step.Kind == SaslStepKind.Challenge; round++)
                {
                    var line = random.Next(2) == 0 ? RandomBytes(random) : Mutate(random, Encoding.ASCII.GetBytes(samples[random.Next(samples.Length)]));
                    step = exchange.Respond(line);
                }

                Assert.True(Enum.IsDefined(step.Kind));
            }
        }
    }

    private static byte[] RandomBytes(Random random)
    {
        var bytes = new byte[random.Next(0, 120)];
        random.NextBytes(bytes);
        return bytes;
    }

    private static byte[] Mutate(Random random, byte[] sample)
    {
        var bytes = new List<byte>(sample);
        for (var n = random.Next(1, 5); n > 0; n--)
        {
            var at = bytes.Count == 0 ? 0 : random.Next(bytes.Count);
            switch (random.Next(4))
            {
                case 0 when bytes.Count > 0:
                    bytes[at] = (byte)random.Next(256);
                    break;
                case 1:
                    bytes.Insert(at, (byte)random.Next(256));
                    break;
                case 2 when bytes.Count > 0:
                    bytes.RemoveAt(at);
                    break;
                default:
                    bytes = bytes.Take(at).ToList();
                    break;
            }
        }

        return [.. bytes];
    }
}
