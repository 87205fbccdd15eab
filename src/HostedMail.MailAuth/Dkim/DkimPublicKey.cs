using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Parameters;

namespace HostedMail.MailAuth.Dkim;

/// <summary>A parsed DKIM key record (RFC 6376 section 3.6.1, RFC 8463 section 4) or the reason it is unusable.</summary>
internal sealed class DkimPublicKey : IDisposable
{
    public RSA? Rsa { get; private init; }
    public Ed25519PublicKeyParameters? Ed25519 { get; private init; }
    public int KeyBits => Rsa?.KeySize ?? (Ed25519 is null ? 0 : 256);
    public string? Error { get; private init; }
    public bool Testing { get; private init; }
    public bool Strict { get; private init; }

    private static DkimPublicKey Fail(string error) => new() { Error = error };

    public static DkimPublicKey Parse(string record, string algorithm, DkimVerifierOptions options)
    {
        if (!DkimTagList.TryParse(record, out var tags, out var error))
        {
            return Fail($"malformed key record: {error}");
        }

        if (tags.TryGetValue("v", out var version) && version != "DKIM1")
        {
            return Fail($"key record version v={version} is not DKIM1");
        }

        var keyType = tags.GetValueOrDefault("k", "rsa");
        var wantedType = algorithm.Split('-')[0];
        if (!keyType.Equals(wantedType, StringComparison.OrdinalIgnoreCase))
        {
            return Fail($"key type k={keyType} does not match a={algorithm}");
        }

        if (tags.TryGetValue("h", out var hashes) && !hashes.Split(':').Any(h => h.Trim().Equals(algorithm.Split('-')[1], StringComparison.OrdinalIgnoreCase)))
        {
            return Fail($"key does not allow hash {algorithm.Split('-')[1]} (h={hashes})");
        }

        if (tags.TryGetValue("s", out var services) && !services.Split(':').Any(s => s.Trim() is "*" or "email"))
        {
            return Fail($"key is not for email (s={services})");
        }

        if (!tags.TryGetValue("p", out var p))
        {
            return Fail("key record has no p=");
        }

        p = DkimTagList.StripWhitespace(p);
        if (p.Length == 0)
        {
            // Section 3.6.1: an empty p= means the key has been revoked.
            return Fail("key revoked");
        }

        var flags = tags.GetValueOrDefault("t", string.Empty).Split(':').Select(f => f.Trim()).ToList();
        if (keyType.Equals("ed25519", StringComparison.OrdinalIgnoreCase))
        {
            return ParseEd25519(p, flags);
        }

        // 4096-bit RSA is about 736 base64 characters; refuse to import anything far beyond the limit.
        if (p.Length > options.MaxRsaKeyBits / 4 || !DkimVerifier.TryBase64(p, out var der))
        {
            return Fail(p.Length > options.MaxRsaKeyBits / 4 ? "key too large" : "p= is not valid base64");
        }

        var rsa = RSA.Create();
        try
        {
            try
            {
                rsa.ImportSubjectPublicKeyInfo(der, out _);
            }
            catch (CryptographicException)
            {
                // Some publishers put a bare PKCS#1 RSAPublicKey in p=.
                rsa.ImportRSAPublicKey(der, out _);
            }
        }
        catch (CryptographicException)
        {
            rsa.Dispose();
            return Fail("p= is not an RSA public key");
        }

        if (rsa.KeySize < options.MinRsaKeyBits || rsa.KeySize > options.MaxRsaKeyBits)
        {
            var bits = rsa.KeySize;
            rsa.Dispose();
            return Fail($"RSA key of {bits} bits is outside {options.MinRsaKeyBits}..{options.MaxRsaKeyBits} (RFC 8301 section 3.2)");
        }

        return new DkimPublicKey { Rsa = rsa, Testing = flags.Contains("y"), Strict = flags.Contains("s") };
    }

    /// <summary>RFC 8463 section 4: p= is the base64 of the raw 32-byte Ed25519 public key (RFC 8032 section 5.1.5), not SPKI.</summary>
    private static DkimPublicKey ParseEd25519(string p, List<string> flags)
    {
        // 32 bytes are 44 base64 characters; anything longer (an SPKI of 44 bytes, say) is the wrong length anyway.
        if (p.Length > 64 || !DkimVerifier.TryBase64(p, out var raw))
        {
            return Fail(p.Length > 64 ? "Ed25519 key is not 32 bytes" : "p= is not valid base64");
        }

        if (raw.Length != Ed25519PublicKeyParameters.KeySize)
        {
            return Fail($"Ed25519 key is {raw.Length} bytes, not 32 (RFC 8463 section 4 publishes the raw key, not SPKI)");
        }

        Ed25519PublicKeyParameters key;
        try
        {
            // The constructor decodes the point (RFC 8032 section 5.1.3) and refuses bytes that are none.
            key = new Ed25519PublicKeyParameters(raw);
        }
        catch (ArgumentException)
        {
            return Fail("p= is not a valid Ed25519 public key");
        }

        return new DkimPublicKey { Ed25519 = key, Testing = flags.Contains("y"), Strict = flags.Contains("s") };
    }

    public void Dispose() => Rsa?.Dispose();
}
