using HostedMail.Core.Accounts;
using HostedMail.Core.Audit;
using HostedMail.Core.OAuth;
using HostedMail.Identity.Tokens;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace HostedMail.Identity.OAuth;

/// <summary>
/// A tenant's confidential clients for its own automation: made, listed and deleted by the
/// tenant's admins through the portal API. The secret is shown once; OpenIddict keeps only its
/// hash. A client may use the client credentials grant and the api scope, and introspect its
/// tenant's tokens (<see cref="TenantIntrospectionHandler"/>), nothing else.
/// </summary>
public sealed class TenantOAuthClientService(IOpenIddictApplicationManager applications, ITenantOAuthClientStore store, TimeProvider time)
{
    // Implementation notes:
    // - The OpenIddict application is made first and removed again when the tenant's row cannot be
    //   written, so no client exists without a tenant; a row without its application (a failure
    //   between the two deletes) gets no token, because the token endpoint authenticates the client
    //   against the application.
    // - Deleting the application deletes its tokens (OpenIddict's store), and the API reads a
    //   token's entry on every request: the client's tokens stop working at once on every node.
    public const string ClientIdPrefix = "hmc_";

    public Task<IReadOnlyList<TenantOAuthClient>> ListAsync(long tenantId, CancellationToken cancellationToken = default) =>
        store.ListAsync(tenantId, cancellationToken);

    /// <summary>Makes a client acting as <paramref name="roleName"/> (admin, billing or read_only) in the tenant; the secret is in this answer only.</summary>
    public async Task<(TenantOAuthClient Client, string Secret)> CreateAsync(long tenantId, string? name, string? roleName, Actor actor, CancellationToken cancellationToken = default)
    {
        var errors = new Dictionary<string, string>();
        var cleanName = (name ?? string.Empty).Trim();
        if (cleanName.Length is 0 or > 100 || cleanName.Any(char.IsControl))
        {
            errors["name"] = "name must be 1 to 100 printable characters";
        }

        var role = PortalRoles.Parse(roleName);
        if (role is null or PortalRole.Owner)
        {
            // Owners manage owners; a machine never becomes one.
            errors["role"] = "role must be admin, billing or read_only";
        }

        if (errors.Count > 0)
        {
            throw new FieldValidationException(errors);
        }

        var clientId = SecretTokens.New(10, ClientIdPrefix);
        var secret = SecretTokens.New(32, "hmcs_");
        var descriptor = new OpenIddictApplicationDescriptor
        {
            ClientId = clientId,
            ClientSecret = secret,
            ClientType = ClientTypes.Confidential,
            ApplicationType = ApplicationTypes.Web,
            ConsentType = ConsentTypes.Systematic,
            DisplayName = cleanName,
            Permissions =
            {
                Permissions.Endpoints.Token,
                Permissions.Endpoints.Revocation,
                Permissions.Endpoints.Introspection,
                Permissions.GrantTypes.ClientCredentials,
                Permissions.Prefixes.Scope + ApiOAuth.ApiScope,
            },
        };
        var application = await applications.CreateAsync(descriptor, cancellationToken);
        var client = new TenantOAuthClient(tenantId, clientId, cleanName, role!.Value, time.GetUtcNow(), actor.Name);
        try
        {
            await store.AddAsync(client, new AuditEntry(tenantId, actor, "oauth-client.create", clientId,
                new Dictionary<string, string> { ["name"] = cleanName, ["role"] = client.Role.Name() }), cancellationToken);
        }
        catch
        {
            await applications.DeleteAsync(application, CancellationToken.None);
            throw;
        }

        return (client, secret);
    }

    /// <summary>Deletes the tenant's client and every token it holds; false when the tenant has no such client.</summary>
    public async Task<bool> DeleteAsync(long tenantId, string clientId, Actor actor, CancellationToken cancellationToken = default)
    {
        if (!await store.DeleteAsync(tenantId, clientId, new AuditEntry(tenantId, actor, "oauth-client.delete", clientId), cancellationToken))
        {
            return false;
        }

        if (await applications.FindByClientIdAsync(clientId, cancellationToken) is { } application)
        {
            await applications.DeleteAsync(application, cancellationToken);
        }

        return true;
    }
}
