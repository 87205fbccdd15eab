using System.Globalization;
using System.Security.Cryptography;
using Orleans;

namespace HostedMail.Core.Domains;

/// <summary>A domain's DKIM private key (PEM) and the selector it is published under.</summary>
[GenerateSerializer]
[Alias("HostedMail.DkimKey")]
public sealed record DkimKey(long TenantId, long DomainId, string DomainName, string Selector, string PrivateKeyPem, DateTimeOffset CreatedAt);

/// <summary>DKIM key persistence.</summary>
public interface IDkimKeyStore
{
    /// <summary>The newest active key of the domain, if any.</summary>
    Task<DkimKey?> FindActiveAsync(long tenantId, long domainId, CancellationToken cancellationToken);

    /// <summary>Every active key of the domain, newest first (rotation keeps the old one active until retired).</summary>
    Task<IReadOnlyList<DkimKey>> ListActiveAsync(long tenantId, long domainId, CancellationToken cancellationToken);

    /// <summary>Stores the key unless the domain already has an active one; returns the active key either way.</summary>
    Task<DkimKey> AddIfNoneActiveAsync(long tenantId, long domainId, string selector, string privateKeyPem, CancellationToken cancellationToken);
}

/// <summary>
/// Gives each domain a DKIM key, created on first use (RSA-2048, RFC 8301 section 3.2) so adding a
/// domain stays fast and a key exists by the time mail is signed or records are shown.
/// </summary>
public sealed class DkimKeyService(IDkimKeyStore store, TimeProvider timeProvider)
{
    public async Task<DkimKey> GetOrCreateAsync(long tenantId, long domainId, CancellationToken cancellationToken = default)
    {
        var existing = await store.FindActiveAsync(tenantId, domainId, cancellationToken);
        if (existing is not null)
        {
            return existing;
        }

        return await store.AddIfNoneActiveAsync(tenantId, domainId, NewSelector(), NewPrivateKeyPem(), cancellationToken);
    }

    /// <summary>A new RSA private key as PKCS#8 PEM: 2048 bits (RFC 8301 section 3.2: signers SHOULD use at least 2048).</summary>
    public static string NewPrivateKeyPem()
    {
        using var rsa = RSA.Create(2048);
        return rsa.ExportPkcs8PrivateKeyPem();
    }

    /// <summary>The domain's active keys, newest first; creates the first key when there is none.</summary>
    public async Task<IReadOnlyList<DkimKey>> ListActiveAsync(long tenantId, long domainId, CancellationToken cancellationToken = default)
    {
        var keys = await store.ListActiveAsync(tenantId, domainId, cancellationToken);
        return keys.Count > 0 ? keys : [await GetOrCreateAsync(tenantId, domainId, cancellationToken)];
    }

    /// <summary>The selector for a key added by rotation: this month's name, with a letter when it is taken (a second rotation in a month).</summary>
    public string RotationSelector(IReadOnlySet<string> existing)
    {
        var baseName = NewSelector();
        return existing.Contains(baseName) ? Enumerable.Range('b', 25).Select(c => baseName + (char)c).First(s => !existing.Contains(s)) : baseName;
    }

    /// <summary>"hm" and the year and month: readable, and a rotation the next month gets a new name.</summary>
    private string NewSelector() => "hm" + timeProvider.GetUtcNow().ToString("yyyyMM", CultureInfo.InvariantCulture);
}
