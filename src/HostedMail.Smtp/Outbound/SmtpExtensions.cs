using System.Globalization;
using HostedMail.Smtp.Protocol;

namespace HostedMail.Smtp.Outbound;

/// <summary>What a server advertised in its EHLO reply (RFC 5321 section 4.1.1.1, one keyword per line after the first).</summary>
internal sealed record SmtpExtensions(
    bool Pipelining,
    bool EightBitMime,
    bool SmtpUtf8,
    bool Chunking,
    bool Dsn,
    bool StartTls,
    bool RequireTls,
    long? Size,
    IReadOnlyList<string> AuthMechanisms)
{
    public static SmtpExtensions None { get; } = new(false, false, false, false, false, false, false, null, []);

    public static SmtpExtensions Parse(SmtpReply ehlo)
    {
        var result = None;
        foreach (var line in ehlo.Lines.Skip(1))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 0)
            {
                continue;
            }

            result = parts[0].ToUpperInvariant() switch
            {
                "PIPELINING" => result with { Pipelining = true },
                "8BITMIME" => result with { EightBitMime = true },
                "SMTPUTF8" => result with { SmtpUtf8 = true },
                "CHUNKING" => result with { Chunking = true },
                "DSN" => result with { Dsn = true },
                "STARTTLS" => result with { StartTls = true },
                "REQUIRETLS" => result with { RequireTls = true },
                // RFC 1870 section 4: SIZE 0 (or no number) means no fixed limit; null means not advertised.
                "SIZE" => result with { Size = parts.Length > 1 && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var size) ? size : 0 },
                "AUTH" => result with { AuthMechanisms = parts.Skip(1).Select(p => p.ToUpperInvariant()).ToArray() },
                _ => result,
            };
        }

        return result;
    }
}
