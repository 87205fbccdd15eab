using System.Security.Cryptography;

namespace HostedMail.MailAuth.Dkim;

/// <summary>A parsed DKIM key record (RFC 6376 section 3.6.1) or the reason it is unusable.</summary>
internal sealed class DkimPublicKey
{
    public RSA? Rsa { get; private init; }
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

        var flags = tags.GetValueOrDefault("t", string.Empty).Split(':').Select(f => f.Trim()).ToList();
        return new DkimPublicKey { Rsa = rsa, Testing = flags.Contains("y"), Strict = flags.Contains("s") };
    }
}
