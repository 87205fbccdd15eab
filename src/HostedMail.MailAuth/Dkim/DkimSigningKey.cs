using System.Security.Cryptography;
using Org.BouncyCastle.Asn1.EdEC;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;

namespace HostedMail.MailAuth.Dkim;

/// <summary>The kind of a DKIM key: the k= tag of its record (RFC 6376 section 3.6.1, RFC 8463 section 4).</summary>
public enum DkimKeyType
{
    /// <summary>RSA, signing rsa-sha256 (RFC 6376, RFC 8301).</summary>
    Rsa,

    /// <summary>Ed25519, signing ed25519-sha256 (RFC 8463).</summary>
    Ed25519,
}

/// <summary>A domain's DKIM private key (RSA or Ed25519) with its selector; makes the DNS TXT value to publish.</summary>
public sealed class DkimSigningKey : IDisposable
{
    private readonly RSA? _rsa;
    private readonly Ed25519PrivateKeyParameters? _ed25519;

    private DkimSigningKey(string domain, string selector, RSA? rsa, Ed25519PrivateKeyParameters? ed25519)
    {
        Domain = domain.TrimEnd('.').ToLowerInvariant();
        Selector = selector;
        _rsa = rsa;
        _ed25519 = ed25519;
    }

    /// <summary>The signing domain (d=).</summary>
    public string Domain { get; }

    /// <summary>The selector (s=).</summary>
    public string Selector { get; }

    /// <summary>RSA or Ed25519.</summary>
    public DkimKeyType KeyType => _rsa is null ? DkimKeyType.Ed25519 : DkimKeyType.Rsa;

    /// <summary>The a= value this key signs with: rsa-sha256 or ed25519-sha256.</summary>
    public string Algorithm => KeyType == DkimKeyType.Rsa ? "rsa-sha256" : "ed25519-sha256";

    /// <summary>Key size in bits (256 for Ed25519).</summary>
    public int KeyBits => _rsa?.KeySize ?? 256;

    /// <summary>Where the public key is published: selector._domainkey.domain.</summary>
    public string DnsName => $"{Selector}._domainkey.{Domain}";

    /// <summary>
    /// The TXT record value to publish (RFC 6376 section 3.6.1): "v=DKIM1; k=rsa; p=" + SubjectPublicKeyInfo, or
    /// "v=DKIM1; k=ed25519; p=" + the raw 32-byte public key, which RFC 8463 section 4 uses instead of SPKI.
    /// </summary>
    public string DnsTxtValue => _rsa is not null
        ? "v=DKIM1; k=rsa; p=" + Convert.ToBase64String(_rsa.ExportSubjectPublicKeyInfo())
        : "v=DKIM1; k=ed25519; p=" + Convert.ToBase64String(_ed25519!.GeneratePublicKey().GetEncoded());

    /// <summary>Generates a new RSA key; 2048 bits is the current recommendation (RFC 8301 section 3.2).</summary>
    public static DkimSigningKey Generate(string domain, string selector, int bits = 2048)
    {
        if (bits is < 1024 or > 4096)
        {
            throw new ArgumentOutOfRangeException(nameof(bits), "RFC 8301 keys are 1024 to 4096 bits; use 2048.");
        }

        return new DkimSigningKey(domain, selector, RSA.Create(bits), null);
    }

    /// <summary>
    /// Generates a new Ed25519 key (RFC 8463). Many receivers still verify RSA only, so publish it beside an RSA
    /// key and sign with both (RFC 8463 section 1; <see cref="DkimSigner.Sign(ReadOnlyMemory{byte}, IReadOnlyList{DkimSigningKey}, DkimSignOptions?)"/>).
    /// </summary>
    public static DkimSigningKey GenerateEd25519(string domain, string selector) =>
        new(domain, selector, null, new Ed25519PrivateKeyParameters(new SecureRandom()));

    /// <summary>An Ed25519 key from its 32-byte private seed (RFC 8032 section 5.1.5; the form dkimpy and RFC 8463 appendix A use).</summary>
    public static DkimSigningKey FromEd25519Seed(string domain, string selector, ReadOnlySpan<byte> seed)
    {
        if (seed.Length != Ed25519PrivateKeyParameters.KeySize)
        {
            throw new ArgumentException($"An Ed25519 private key is {Ed25519PrivateKeyParameters.KeySize} bytes, not {seed.Length}.", nameof(seed));
        }

        return new DkimSigningKey(domain, selector, null, new Ed25519PrivateKeyParameters(seed));
    }

    /// <summary>
    /// Loads a PEM private key: RSA as PKCS#1 "RSA PRIVATE KEY" or PKCS#8 "PRIVATE KEY", Ed25519 as PKCS#8 "PRIVATE KEY"
    /// (RFC 8410 section 7, what <c>openssl genpkey -algorithm ed25519</c> writes).
    /// </summary>
    public static DkimSigningKey FromPem(string domain, string selector, string pem)
    {
        if (TryReadEd25519Pkcs8(pem, out var ed25519))
        {
            return new DkimSigningKey(domain, selector, null, ed25519);
        }

        var rsa = RSA.Create();
        try
        {
            rsa.ImportFromPem(pem);
        }
        catch
        {
            rsa.Dispose();
            throw;
        }

        return new DkimSigningKey(domain, selector, rsa, null);
    }

    /// <summary>The private key as PKCS#8 PEM, for storage (encrypt it at rest); Ed25519 per RFC 8410.</summary>
    public string ExportPrivateKeyPem()
    {
        if (_rsa is not null)
        {
            return _rsa.ExportPkcs8PrivateKeyPem();
        }

        var der = PrivateKeyInfoFactory.CreatePrivateKeyInfo(_ed25519).GetDerEncoded();
        return new string(System.Security.Cryptography.PemEncoding.Write("PRIVATE KEY", der));
    }

    /// <summary>The signature over the canonicalised header data (RFC 6376 section 3.7), per a=.</summary>
    internal byte[] SignHeaderData(ReadOnlySpan<byte> data)
    {
        if (_rsa is not null)
        {
            return _rsa.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        }

        // RFC 8463 section 3: PureEdDSA Ed25519 (not Ed25519ph) over the SHA-256 hash of the header data,
        // i.e. the 32 hash bytes are the Ed25519 "message".
        var signer = new Ed25519Signer();
        signer.Init(true, _ed25519);
        signer.BlockUpdate(SHA256.HashData(data));
        return signer.GenerateSignature();
    }

    /// <inheritdoc />
    public void Dispose() => _rsa?.Dispose();

    private static bool TryReadEd25519Pkcs8(string pem, out Ed25519PrivateKeyParameters? key)
    {
        key = null;
        if (!System.Security.Cryptography.PemEncoding.TryFind(pem, out var fields) || pem[fields.Label] is not "PRIVATE KEY")
        {
            return false;
        }

        byte[] der;
        PrivateKeyInfo info;
        try
        {
            der = Convert.FromBase64String(pem[fields.Base64Data]);
            info = PrivateKeyInfo.GetInstance(der);
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or InvalidOperationException or IOException)
        {
            // Not parseable here: let the RSA importer report it in its own words.
            return false;
        }

        if (!EdECObjectIdentifiers.id_Ed25519.Equals(info.PrivateKeyAlgorithm.Algorithm))
        {
            return false;
        }

        key = (Ed25519PrivateKeyParameters)PrivateKeyFactory.CreateKey(info);
        return true;
    }
}
