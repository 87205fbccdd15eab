using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;

namespace HostedMail.Identity.OAuth;

/// <summary>
/// The RSA keys every node signs access tokens with and encrypts codes and refresh tokens with,
/// kept in <c>oauth.signing_keys</c> so a token issued by one node is accepted by all.
/// </summary>
/// <remarks>
/// Implementation notes: a key belongs to a rotation period ("generation", unix day / period).
/// A node makes sure the current and the next generation exist (a unique index on purpose and
/// generation lets two nodes starting at once race safely: the loser reads the winner's key), signs
/// with the current one and accepts the previous two and the next: a node started in the next
/// period signs with a key the older nodes already know. Private keys are sealed with the node's
/// Data Protection (whose key ring is shared in PostgreSQL, encrypted under the operator's key), so
/// the table alone gives nothing away.
/// </remarks>
public sealed class SigningKeyRing(IServiceScopeFactory scopes, IDataProtectionProvider protection, OAuthServerOptions options, OAuthClock time)
{
    public const string SigningPurpose = "sig";
    public const string EncryptionPurpose = "enc";

    private readonly IDataProtector _protector = protection.CreateProtector("HostedMail.Identity.OAuth.SigningKeys.v1");

    /// <summary>Keys of one purpose, the one to use first, then the others still accepted.</summary>
    public Task<IReadOnlyList<RsaSecurityKey>> LoadAsync(string purpose, CancellationToken cancellationToken) =>
        LoadAsync(purpose, CurrentGeneration(), cancellationToken);

    /// <summary>Keys of one purpose as of rotation period <paramref name="current"/>: its key first, then the others still accepted.</summary>
    public async Task<IReadOnlyList<RsaSecurityKey>> LoadAsync(string purpose, long current, CancellationToken cancellationToken)
    {
        await EnsureAsync(purpose, current, cancellationToken);
        await EnsureAsync(purpose, current + 1, cancellationToken);
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<OAuthDbContext>();
        var rows = await db.SigningKeys.AsNoTracking()
            .Where(k => k.Purpose == purpose && k.Generation >= current - 2 && k.Generation <= current + 1)
            .ToListAsync(cancellationToken);
        return rows
            .OrderBy(k => k.Generation == current ? 0 : 1)
            .ThenByDescending(k => k.Generation)
            .Select(Open)
            .ToList();
    }

    /// <summary>The rotation period now: when it changes, OpenIddict's options are built again (<see cref="SigningKeyRotation"/>).</summary>
    public long CurrentGeneration() => Generation(time.GetUtcNow());

    internal long Generation(DateTimeOffset now) => now.ToUnixTimeSeconds() / 86400 / Math.Max(1, options.KeyRotationDays);

    private async Task EnsureAsync(string purpose, long generation, CancellationToken cancellationToken)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<OAuthDbContext>();
        if (await db.SigningKeys.AnyAsync(k => k.Purpose == purpose && k.Generation == generation, cancellationToken))
        {
            return;
        }

        using var rsa = RSA.Create(2048);
        db.SigningKeys.Add(new SigningKeyRow
        {
            KeyId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12)),
            Purpose = purpose,
            Generation = generation,
            ProtectedPrivateKey = _protector.Protect(Convert.ToBase64String(rsa.ExportPkcs8PrivateKey())),
            CreatedAt = time.GetUtcNow(),
        });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // Another node created this generation's key first (unique index): use theirs.
        }
    }

    private RsaSecurityKey Open(SigningKeyRow row)
    {
        var rsa = RSA.Create();
        rsa.ImportPkcs8PrivateKey(Convert.FromBase64String(_protector.Unprotect(row.ProtectedPrivateKey)), out _);
        return new RsaSecurityKey(rsa) { KeyId = row.KeyId };
    }
}
