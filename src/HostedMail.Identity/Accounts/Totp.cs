using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using HostedMail.Identity.Tokens;

namespace HostedMail.Identity.Accounts;

/// <summary>Time-based one-time passwords (RFC 6238) with HMAC-SHA1, 30-second steps and 6 digits, the profile every authenticator app supports.</summary>
public static class Totp
{
    public const int Digits = 6;
    public static readonly TimeSpan Step = TimeSpan.FromSeconds(30);

    /// <summary>A new 160-bit shared key (RFC 4226 section 4 recommends 160 bits).</summary>
    public static byte[] NewSecret() => RandomNumberGenerator.GetBytes(20);

    public static long StepAt(DateTimeOffset time) => time.ToUnixTimeSeconds() / (long)Step.TotalSeconds;

    /// <summary>The code for one time step (RFC 4226 section 5.3 dynamic truncation).</summary>
    public static string Code(byte[] secret, long step)
    {
        Span<byte> counter = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(counter, step);
        Span<byte> hash = stackalloc byte[20];
#pragma warning disable CA5350 // RFC 6238 TOTP with HMAC-SHA1 is what authenticator apps implement; HMAC-SHA1 is not broken.
        HMACSHA1.HashData(secret, counter, hash);
#pragma warning restore CA5350
        var offset = hash[^1] & 0x0F;
        var binary = (BinaryPrimitives.ReadInt32BigEndian(hash[offset..]) & 0x7FFFFFFF) % 1_000_000;
        return binary.ToString("D6", CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// The step that <paramref name="code"/> matches within one step either side of now (RFC 6238
    /// section 5.2 allows for clock drift), or null.
    /// </summary>
    public static long? Match(byte[] secret, string? code, DateTimeOffset now)
    {
        var clean = (code ?? string.Empty).Replace(" ", string.Empty, StringComparison.Ordinal);
        if (clean.Length != Digits || !clean.All(char.IsAsciiDigit))
        {
            return null;
        }

        var current = StepAt(now);
        for (var step = current - 1; step <= current + 1; step++)
        {
            if (CryptographicOperations.FixedTimeEquals(System.Text.Encoding.ASCII.GetBytes(Code(secret, step)), System.Text.Encoding.ASCII.GetBytes(clean)))
            {
                return step;
            }
        }

        return null;
    }

    /// <summary>The otpauth URI authenticator apps read from a QR code (Google Authenticator key URI format).</summary>
    public static string KeyUri(string issuer, string account, byte[] secret) =>
        $"otpauth://totp/{Uri.EscapeDataString(issuer)}:{Uri.EscapeDataString(account)}?secret={SecretTokens.Base32(secret)}&issuer={Uri.EscapeDataString(issuer)}&algorithm=SHA1&digits={Digits}&period={(int)Step.TotalSeconds}";
}
