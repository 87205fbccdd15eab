using Microsoft.EntityFrameworkCore;

namespace HostedMail.Identity.OAuth;

/// <summary>
/// HostedMail's own OAuth records beside OpenIddict's (migration 0093, schema <c>oauth</c>):
/// dynamic client registrations, tenants' OAuth settings and client approvals, and the grant
/// ledger tying each authorization to its tenant and mailbox. A context of its own so that
/// <see cref="OAuthDbContext"/> stays OpenIddict's model.
/// </summary>
public sealed class OAuthRecordsDbContext(DbContextOptions<OAuthRecordsDbContext> options) : DbContext(options)
{
    public DbSet<ClientRegistrationRow> ClientRegistrations => Set<ClientRegistrationRow>();

    public DbSet<TenantOAuthSettingsRow> TenantSettings => Set<TenantOAuthSettingsRow>();

    public DbSet<ClientApprovalRow> ClientApprovals => Set<ClientApprovalRow>();

    public DbSet<GrantRow> Grants => Set<GrantRow>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.HasDefaultSchema(OAuthDbContext.Schema);
        modelBuilder.Entity<ClientRegistrationRow>(e =>
        {
            e.ToTable("client_registrations");
            e.HasKey(r => r.ClientId);
        });
        modelBuilder.Entity<TenantOAuthSettingsRow>(e =>
        {
            e.ToTable("tenant_settings");
            e.HasKey(r => r.TenantId);
        });
        modelBuilder.Entity<ClientApprovalRow>(e =>
        {
            e.ToTable("client_approvals");
            e.HasKey(r => new { r.TenantId, r.ClientId });
        });
        modelBuilder.Entity<GrantRow>(e =>
        {
            e.ToTable("grants");
            e.HasKey(r => r.AuthorizationId);
        });

        foreach (var entity in modelBuilder.Model.GetEntityTypes())
        {
            foreach (var property in entity.GetProperties())
            {
                property.SetColumnName(OAuthDbContext.SnakeCase(property.Name));
            }
        }
    }
}

/// <summary>One dynamic registration (RFC 7591) and who made it from where; kept after deletion.</summary>
public sealed class ClientRegistrationRow
{
    public string ClientId { get; set; } = "";

    public string? ClientName { get; set; }

    /// <summary>The redirect URIs as the client sent them, JSON array.</summary>
    public string RedirectUris { get; set; } = "[]";

    public string? SoftwareId { get; set; }

    public string? SoftwareVersion { get; set; }

    public DateTimeOffset RegisteredAt { get; set; }

    /// <summary>The client address as rate limits count it (IPv6 by /64).</summary>
    public string RegisteredFrom { get; set; } = "";

    public string? UserAgent { get; set; }

    /// <summary>Base64url SHA-256 of the registration access token (RFC 7592 section 1.2).</summary>
    public string RegistrationTokenSha256 { get; set; } = "";

    public DateTimeOffset? UpdatedAt { get; set; }

    public DateTimeOffset? DeletedAt { get; set; }
}

/// <summary>A tenant's OAuth settings; no row means the defaults.</summary>
public sealed class TenantOAuthSettingsRow
{
    public long TenantId { get; set; }

    public bool RequireClientApproval { get; set; }
}

/// <summary>A dynamically registered client as one tenant decided (or has yet to decide) about it.</summary>
public sealed class ClientApprovalRow
{
    public const string Pending = "pending";
    public const string Approved = "approved";
    public const string Denied = "denied";

    public long TenantId { get; set; }

    public string ClientId { get; set; } = "";

    public string Status { get; set; } = Pending;

    /// <summary>The mailbox that first asked to use the client.</summary>
    public string? RequestedBy { get; set; }

    public DateTimeOffset? RequestedAt { get; set; }

    public string? DecidedBy { get; set; }

    public DateTimeOffset? DecidedAt { get; set; }
}

/// <summary>Which tenant and mailbox gave an authorization (OpenIddict's row has only the address as subject).</summary>
public sealed class GrantRow
{
    public string AuthorizationId { get; set; } = "";

    public long TenantId { get; set; }

    public long MailboxId { get; set; }

    public string Address { get; set; } = "";

    public string ClientId { get; set; } = "";

    public DateTimeOffset CreatedAt { get; set; }
}
