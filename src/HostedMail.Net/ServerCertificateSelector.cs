using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace HostedMail.Net;

/// <summary>One certificate from configuration: PEM certificate (chain) file and PEM key file.</summary>
public sealed class PemCertificateOptions
{
    /// <summary>Path of the PEM certificate; further certificates in the file are the chain.</summary>
    public string CertificatePath { get; set; } = "";
    /// <summary>Path of the PEM private key (PKCS#8, RSA or EC).</summary>
    public string KeyPath { get; set; } = "";
}

/// <summary>
/// Chooses the server certificate by SNI (RFC 6066 section 3) among loaded certificates: exact
/// DNS names from the subjectAltName, then single-label wildcards, then the first certificate.
/// Immutable snapshots, swapped by <see cref="Reload"/> (ACME renewal) without locking handshakes.
/// </summary>
public sealed class ServerCertificateSelector
{
    private volatile Snapshot _snapshot;

    /// <summary>Uses already loaded certificates (with private keys); the first is the default.</summary>
    public ServerCertificateSelector(IReadOnlyList<X509Certificate2> certificates) => _snapshot = Build(certificates.Select(c => (c, (X509Certificate2Collection?)null)).ToList());

    /// <summary>Loads PEM pairs with <see cref="X509Certificate2.CreateFromPemFile"/>; the first is the default.</summary>
    public static ServerCertificateSelector FromPemFiles(IEnumerable<PemCertificateOptions> files)
    {
        var selector = new ServerCertificateSelector([]);
        selector.Reload(files);
        return selector;
    }

    /// <summary>Whether any certificate is loaded (STARTTLS/implicit TLS possible).</summary>
    public bool HasCertificates => _snapshot.Default is not null;

    /// <summary>Replaces all certificates from PEM files; handshakes already running keep the old ones.</summary>
    public void Reload(IEnumerable<PemCertificateOptions> files)
    {
        var loaded = new List<(X509Certificate2, X509Certificate2Collection?)>();
        foreach (var file in files)
        {
            var certificate = X509Certificate2.CreateFromPemFile(file.CertificatePath, file.KeyPath);
            var chain = new X509Certificate2Collection();
            chain.ImportFromPemFile(file.CertificatePath);
            // The first certificate of the file is the leaf itself; the rest is the chain to send.
            var intermediates = new X509Certificate2Collection();
            foreach (var c in chain.Skip(1))
            {
                intermediates.Add(c);
            }
            loaded.Add((certificate, intermediates));
        }
        _snapshot = Build(loaded);
    }

    /// <summary>The certificate context for <paramref name="serverName"/> (null or unknown name: the default).</summary>
    public SslStreamCertificateContext? Select(string? serverName)
    {
        var snapshot = _snapshot;
        if (!string.IsNullOrEmpty(serverName))
        {
            var name = serverName.TrimEnd('.');
            if (snapshot.Exact.TryGetValue(name, out var exact))
            {
                return exact;
            }
            var dot = name.IndexOf('.', StringComparison.Ordinal);
            if (dot > 0 && snapshot.Wildcard.TryGetValue(name[(dot + 1)..], out var wildcard))
            {
                return wildcard;
            }
        }
        return snapshot.Default;
    }

    /// <summary>Server options for a handshake with the given SNI name.</summary>
    public SslServerAuthenticationOptions CreateOptions(string? serverName) => new()
    {
        ServerCertificateContext = Select(serverName) ?? throw new InvalidOperationException("No TLS certificate is configured."),
        ClientCertificateRequired = false,
        // Mail clients negotiate TLS 1.2 or 1.3; older versions are refused (RFC 8996, RFC 8314 section 4.1).
        EnabledSslProtocols = System.Security.Authentication.SslProtocols.Tls12 | System.Security.Authentication.SslProtocols.Tls13,
    };

    private static Snapshot Build(List<(X509Certificate2 Certificate, X509Certificate2Collection? Chain)> certificates)
    {
        var exact = new Dictionary<string, SslStreamCertificateContext>(StringComparer.OrdinalIgnoreCase);
        var wildcard = new Dictionary<string, SslStreamCertificateContext>(StringComparer.OrdinalIgnoreCase);
        SslStreamCertificateContext? first = null;
        foreach (var (certificate, chain) in certificates)
        {
            var context = SslStreamCertificateContext.Create(certificate, chain, offline: true);
            first ??= context;
            foreach (var name in DnsNames(certificate))
            {
                if (name.StartsWith("*.", StringComparison.Ordinal))
                {
                    wildcard.TryAdd(name[2..], context);
                }
                else
                {
                    exact.TryAdd(name, context);
                }
            }
        }
        return new Snapshot(exact, wildcard, first);
    }

    private static List<string> DnsNames(X509Certificate2 certificate)
    {
        var san = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().FirstOrDefault();
        if (san is not null)
        {
            return san.EnumerateDnsNames().ToList();
        }
        // No subjectAltName: fall back to the subject CN, as old certificates did.
        var cn = certificate.GetNameInfo(X509NameType.DnsName, forIssuer: false);
        return string.IsNullOrEmpty(cn) ? [] : [cn];
    }

    private sealed record Snapshot(
        Dictionary<string, SslStreamCertificateContext> Exact,
        Dictionary<string, SslStreamCertificateContext> Wildcard,
        SslStreamCertificateContext? Default);
}
