using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using HostedMail.MailAuth.Dkim;

namespace HostedMail.Core.Domains;

/// <summary>
/// Who the service itself is when it sends mail (portal confirmations, password resets,
/// invitations, alerts): the sender address, the names the node uses on the wire, and the
/// addresses it sends from.
/// </summary>
/// <param name="SenderAddress">The From and envelope sender of portal mail (<c>Portal:MailFrom</c>); its domain is the service domain.</param>
/// <param name="MailHostname">The node's mail name (<c>Mail:Hostname</c>): MX target and client host name.</param>
/// <param name="HeloName">The name the node gives in EHLO when it sends (<c>Smtp:Hostname</c>, else <c>Mail:Hostname</c>).</param>
/// <param name="SpfInclude">The domain tenants include in their SPF (<c>Mail:SpfInclude</c>).</param>
/// <param name="PublicAddresses">The addresses mail leaves from (<c>Mail:PublicAddresses</c>); empty means the HELO name's A/AAAA records.</param>
public sealed record ServiceMailIdentity(string SenderAddress, string MailHostname, string HeloName, string SpfInclude, IReadOnlyList<IPAddress> PublicAddresses)
{
    public string SenderDomain => SenderAddress[(SenderAddress.LastIndexOf('@') + 1)..].TrimEnd('.').ToLowerInvariant();
}

/// <summary>A DKIM key of the service domain.</summary>
public sealed record ServiceDkimKey(string Domain, string Selector, string PrivateKeyPem, DateTimeOffset CreatedAt);

/// <summary>Persistence of the service domain's DKIM keys (no tenant owns them).</summary>
public interface IServiceDkimKeyStore
{
    /// <summary>The newest active key of the domain, if any.</summary>
    Task<ServiceDkimKey?> FindActiveAsync(string domain, CancellationToken cancellationToken);

    /// <summary>Stores the key unless the domain already has an active one; returns the active key either way (two nodes racing end with one key).</summary>
    Task<ServiceDkimKey> AddIfNoneActiveAsync(string domain, string selector, string privateKeyPem, CancellationToken cancellationToken);
}

/// <summary>
/// Signs the service's own mail with the service domain's DKIM key (RFC 6376), created on first
/// use like a tenant domain's key (RSA-2048, RFC 8301 section 3.2) and kept in the database so
/// every node signs with the same key. The operator publishes its public key (<c>hostedmail dns-records</c>).
/// </summary>
public sealed class ServiceDkim(IServiceDkimKeyStore store, ServiceMailIdentity identity, TimeProvider timeProvider)
{
    private readonly DkimSigner signer = new(timeProvider);
    private ServiceDkimKey? cached;

    public string Domain => identity.SenderDomain;

    public async Task<ServiceDkimKey> GetOrCreateKeyAsync(CancellationToken cancellationToken = default)
    {
        if (cached is { } key)
        {
            return key;
        }

        var found = await store.FindActiveAsync(Domain, cancellationToken);
        if (found is null)
        {
            using var rsa = RSA.Create(2048);
            var selector = "hm" + timeProvider.GetUtcNow().ToString("yyyyMM", CultureInfo.InvariantCulture);
            found = await store.AddIfNoneActiveAsync(Domain, selector, rsa.ExportPkcs8PrivateKeyPem(), cancellationToken);
        }

        return cached = found;
    }

    /// <summary>The DKIM record to publish: its name (<c>selector._domainkey.domain</c>) and TXT value.</summary>
    public async Task<(string Name, string Value)> PublicRecordAsync(CancellationToken cancellationToken = default)
    {
        var key = await GetOrCreateKeyAsync(cancellationToken);
        using var signingKey = DkimSigningKey.FromPem(key.Domain, key.Selector, key.PrivateKeyPem);
        return (signingKey.DnsName, signingKey.DnsTxtValue);
    }

    /// <summary>The message with a DKIM-Signature of the service domain prepended.</summary>
    public async Task<byte[]> SignAsync(byte[] message, CancellationToken cancellationToken = default)
    {
        var key = await GetOrCreateKeyAsync(cancellationToken);
        using var signingKey = DkimSigningKey.FromPem(key.Domain, key.Selector, key.PrivateKeyPem);
        return signer.SignedCopy(message, signingKey);
    }
}
