using System.Text;
using Microsoft.EntityFrameworkCore;

namespace HostedMail.Identity.OAuth;

/// <summary>
/// OpenIddict's applications, authorizations, scopes and tokens, and the shared signing keys, in
/// schema <c>oauth</c>. The tables come from migration 0080 (never from EF migrations at run
/// time); this model only names them, in snake_case like every other table.
/// </summary>
public sealed class OAuthDbContext(DbContextOptions<OAuthDbContext> options) : DbContext(options)
{
    public const string Schema = "oauth";

    /// <summary>Token signing keys every node publishes and signs with (<see cref="SigningKeyRing"/>).</summary>
    public DbSet<SigningKeyRow> SigningKeys => Set<SigningKeyRow>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        base.OnModelCreating(modelBuilder);
        modelBuilder.UseOpenIddict();
        modelBuilder.Entity<SigningKeyRow>(e =>
        {
            e.ToTable("signing_keys");
            e.HasKey(k => k.KeyId);
            e.HasIndex(k => new { k.Purpose, k.Generation }).IsUnique();
        });

        foreach (var entity in modelBuilder.Model.GetEntityTypes())
        {
            var table = entity.GetTableName()!;
            entity.SetSchema(Schema);
            entity.SetTableName(table.StartsWith("OpenIddict", StringComparison.Ordinal) ? SnakeCase(table["OpenIddict".Length..]) : SnakeCase(table));
            foreach (var property in entity.GetProperties())
            {
                property.SetColumnName(SnakeCase(property.Name));
            }

            foreach (var key in entity.GetKeys())
            {
                key.SetName(SnakeCase(key.GetName()!));
            }

            foreach (var foreignKey in entity.GetForeignKeys())
            {
                foreignKey.SetConstraintName(SnakeCase(foreignKey.GetConstraintName()!));
            }

            foreach (var index in entity.GetIndexes())
            {
                index.SetDatabaseName(SnakeCase(index.GetDatabaseName()!));
            }
        }
    }

    internal static string SnakeCase(string name)
    {
        var sb = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                if (i > 0 && name[i - 1] != '_' && !char.IsUpper(name[i - 1]))
                {
                    sb.Append('_');
                }

                sb.Append(char.ToLowerInvariant(c));
            }
            else
            {
                sb.Append(c);
            }
        }

        return sb.ToString();
    }
}

/// <summary>One RSA key of the ring; <see cref="ProtectedPrivateKey"/> is the PKCS#8 key sealed by Data Protection.</summary>
public sealed class SigningKeyRow
{
    /// <summary>The JWK "kid".</summary>
    public string KeyId { get; set; } = "";

    /// <summary>"sig" (signs access tokens, published in the JWKS) or "enc" (encrypts codes, refresh tokens and device codes; never published).</summary>
    public string Purpose { get; set; } = "";

    /// <summary>Rotation period number (unix days / rotation days): unique per purpose, so two nodes starting at once create one key.</summary>
    public long Generation { get; set; }

    public string ProtectedPrivateKey { get; set; } = "";

    public DateTimeOffset CreatedAt { get; set; }
}
