using System.Security.Cryptography;
using System.Text;

namespace HostedMail.Identity.Tokens;

/// <summary>
/// Random secrets handed to people once (session cookies, API tokens, app passwords, mailed
/// tokens, recovery codes) and the SHA-256 they are stored under. A value with 100+ random bits
/// needs no slow hash: guessing it is infeasible either way, and the lookup stays one index probe.
/// </summary>
public static class SecretTokens
{
    private const string Base32Alphabet = "abcdefghijklmnopqrstuvwxyz234567";

    /// <summary>A random token of <paramref name="bytes"/> bytes in lower-case base32, with an optional prefix.</summary>
    public static string New(int bytes, string prefix = "") => prefix + Base32(RandomNumberGenerator.GetBytes(bytes)).ToLowerInvariant();

    public static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));

    /// <summary>RFC 4648 section 6 base32, upper case without padding (the form authenticator apps expect).</summary>
    public static string Base32(ReadOnlySpan<byte> data)
    {
        var sb = new StringBuilder((data.Length * 8 + 4) / 5);
        int buffer = 0, bits = 0;
        foreach (var b in data)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                sb.Append(Base32Alphabet[(buffer >> (bits - 5)) & 31]);
                bits -= 5;
            }
        }

        if (bits > 0)
        {
            sb.Append(Base32Alphabet[(buffer << (5 - bits)) & 31]);
        }

        return sb.ToString().ToUpperInvariant();
    }
}
