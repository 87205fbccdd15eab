using HostedMail.Testing.Properties;
using System.Buffers;
using FsCheck;
using FsCheck.Fluent;
using HostedMail.Smtp.Protocol;

namespace HostedMail.Smtp.Tests;

public class PropertyTests
{
    private static readonly Config Config = PropertyRuns.Config(3000);

    // Tokens that steer random input into the grammar's corners instead of pure noise.
    private static readonly string[] Tokens =
    [
        "MAIL FROM:", "RCPT TO:", "EHLO ", "AUTH PLAIN ", "BDAT ", "DATA", "<", ">", "<>", "@", "\"", "\\", ".", ",", ":",
        "[", "]", "IPv6:", " ", "SIZE=", "BODY=", "NOTIFY=", "ORCPT=rfc822;", "+2B", "=", "\r\n", "\r", "\n", "\0", "ü", "\u00ff",
        "a", "example.com", "postmaster", "-", "12345678901234567890",
    ];

    private static Gen<byte[]> Input =>
        Gen.Frequency(
            (1, ArbMap.Default.GeneratorFor<byte[]>()),
            (3, Gen.Elements(Tokens).ListOf().Select(parts => System.Text.Encoding.UTF8.GetBytes(string.Concat(parts)))));

    [Fact]
    public void ArbitraryBytesNeverThrowFromTheCommandParser()
    {
        Prop.ForAll(Input.ToArbitrary(), bytes =>
        {
            var reader = new SequenceReader<byte>(Sequences.Split(bytes, bytes.Length / 3, bytes.Length / 2));
            var guard = 0;
            while (SmtpCommandParser.TryParse(ref reader, SmtpProtocolLimits.Default, out _, out _) is SmtpParseStatus.Complete or SmtpParseStatus.SyntaxError)
            {
                if (++guard > bytes.Length + 1)
                {
                    return false; // no progress would mean an endless session loop
                }
            }
            return true;
        }).Check(Config);
    }

    [Fact]
    public void ArbitraryBytesNeverThrowFromTheDataDecoderAndSplittingChangesNothing()
    {
        Prop.ForAll(Input.ToArbitrary(), bytes =>
        {
            var whole = Run(new ReadOnlySequence<byte>(bytes));
            var split = Run(Sequences.ByteByByte(bytes));
            return whole == split;
        }).Check(Config);

        static (string, bool, SmtpDataViolation, long) Run(ReadOnlySequence<byte> input)
        {
            var decoder = new SmtpDataDecoder(1 << 20);
            var output = new ArrayBufferWriter<byte>();
            var reader = new SequenceReader<byte>(input);
            decoder.Decode(ref reader, output);
            return (Convert.ToBase64String(output.WrittenSpan), decoder.IsComplete, decoder.Violations, reader.Consumed);
        }
    }
}
