using System.Security.Cryptography;

namespace HostedMail.MailAuth.Dkim;

/// <summary>A domain's DKIM private key with its selector; makes the DNS TXT value to publish.</summary>
public sealed class DkimSigningKey : IDisposable
{
    private readonly RSA _rsa;

    private DkimSigningKey(string domain, string selector, RSA rsa)
    {
        Domain = domain.TrimEnd('.').ToLowerInvariant();
        Selector = selector;
        _rsa = rsa;
    }

    /// <summary>The signing domain (d=).</summary>
    public string Domain { get; }

    /// <summary>The selector (s=).</summary>
    public string Selector { get; }

    /// <summary>Key size in bits.</summary>
    public int KeyBits => _rsa.KeySize;

    /// <summary>Where the public key is published: selector._domainkey.domain.</summary>
    public string DnsName => $"{Selector}._domainkey.{Domain}";

    /// <summary>The TXT record value to publish, "v=DKIM1; k=rsa; p=..." (RFC 6376 section 3.6.1).</summary>
    public string DnsTxtValue => "v=DKIM1; k=rsa; p=" + Convert.ToBase64String(_rsa.ExportSubjectPublicKeyInfo());

    internal RSA Rsa => _rsa;

    /// <summary>Generates a new RSA key; 2048 bits is the current recommendation (RFC 8301 section 3.2).</summary>
    public static DkimSigningKey Generate(string domain, string selector, int bits = 2048)
    {
        if (bits is < 1024 or > 4096)
        {
            throw new ArgumentOutOfRangeException(nameof(bits), "RFC 8301 keys are 1024 to 4096 bits; use 2048.");
        }

        return new DkimSigningKey(domain, selector, RSA.Create(bits));
    }

    /// <summary>Loads a PEM private key (PKCS#1 "RSA PRIVATE KEY" or PKCS#8 "PRIVATE KEY").</summary>
    public static DkimSigningKey FromPem(string domain, string selector, string pem)
    {
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

        return new DkimSigningKey(domain, selector, rsa);
    }

    /// <summary>The private key as PKCS#8 PEM, for storage (encrypt it at rest).</summary>
    public string ExportPrivateKeyPem() => _rsa.ExportPkcs8PrivateKeyPem();

    /// <inheritdoc />
    public void Dispose() => _rsa.Dispose();
}
