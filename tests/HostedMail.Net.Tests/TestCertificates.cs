using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace HostedMail.Net.Tests;

/// <summary>Self-signed certificates made in-process for tests (no files, no openssl).</summary>
public static class TestCertificates
{
    /// <summary>An ECDSA P-256 certificate for the given DNS names, valid from yesterday for a week.</summary>
    public static X509Certificate2 Create(params string[] dnsNames)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={dnsNames[0]}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        foreach (var name in dnsNames)
        {
            san.AddDnsName(name);
        }
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddDays(-1), now.AddDays(7));
    }

    /// <summary>Writes a certificate and its key as PEM files (as configuration would name them).</summary>
    public static PemCertificateOptions WritePem(X509Certificate2 certificate, string directory)
    {
        var name = certificate.GetNameInfo(X509NameType.DnsName, false);
        var certPath = Path.Combine(directory, name + ".crt");
        var keyPath = Path.Combine(directory, name + ".key");
        File.WriteAllText(certPath, certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, certificate.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        return new PemCertificateOptions { CertificatePath = certPath, KeyPath = keyPath };
    }
}
