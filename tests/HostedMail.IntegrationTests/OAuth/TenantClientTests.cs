using System.Net;
using System.Text.Json;
using HostedMail.Identity.OAuth;

namespace HostedMail.IntegrationTests.OAuth;

/// <summary>
/// Issue 15 item 3: a tenant's confidential clients for its own automation. Made through the
/// portal API, they get tokens with the client credentials grant and act on their own tenant with
/// the role their admin chose, never on another tenant.
/// </summary>
public sealed class TenantClientTests(OAuthNode node) : IClassFixture<OAuthNode>
{
    private readonly PortalApiAccess _api = new(node);

    private async Task<(string ClientId, string Secret)> CreateClientAsync(string ownerToken, string role)
    {
        var created = await _api.ApiAsync(HttpMethod.Post, "/api/v1/oauth/clients", ownerToken, new { name = "nightly sync", role });
        Assert.True(created.Status == HttpStatusCode.Created, created.Body);
        var json = JsonDocument.Parse(created.Body).RootElement;
        Assert.Equal(node.Issuer + "connect/token", json.GetProperty("tokenEndpoint").GetString());
        return (json.GetProperty("client").GetProperty("clientId").GetString()!, json.GetProperty("clientSecret").GetString()!);
    }

    private async Task<string> ClientAccessAsync(string clientId, string secret)
    {
        var (status, json) = await _api.ClientTokenAsync(clientId, secret);
        Assert.True(status == HttpStatusCode.OK, json.ToString());
        // RFC 6749 section 5.1: "scope" may be left out when it is the one asked for.
        Assert.True(!json.TryGetProperty("scope", out var scope) || scope.GetString() == "api", json.ToString());
        Assert.False(json.TryGetProperty("refresh_token", out _));
        return json.GetProperty("access_token").GetString()!;
    }

    [Fact]
    public async Task AnAdminMakesAClientWhoseSecretIsShownOnceAndStoredHashedAndItsTokenActsWithTheChosenRole()
    {
        var owner = await _api.NewOwnerAsync("ccrole", totp: false);
        var ownerToken = await _api.ApiAccessTokenAsync(owner);
        await node.Cli.OkAsync("domain", "add", "ccrole.example", "--tenant", "ccrole", "--verified");
        var (clientId, secret) = await CreateClientAsync(ownerToken, "read_only");

        // Listed without its secret; at rest only OpenIddict's hash.
        var list = await _api.ApiAsync(HttpMethod.Get, "/api/v1/oauth/clients", ownerToken);
        Assert.Contains(clientId, list.Body, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, list.Body, StringComparison.Ordinal);
        var stored = await node.QueryAsync("SELECT client_secret FROM oauth.applications WHERE client_id = @c", ("c", clientId));
        Assert.False(string.IsNullOrEmpty(stored));
        Assert.DoesNotContain(secret, stored!, StringComparison.Ordinal);
        Assert.Equal("read_only", await node.QueryAsync("SELECT role FROM tenant_oauth_clients WHERE client_id = @c", ("c", clientId)));
        Assert.Equal("1", await node.QueryAsync("SELECT count(*) FROM audit_log WHERE tenant_id = @t AND action = 'oauth-client.create' AND target = @c",
            ("t", owner.TenantId), ("c", clientId)));

        var access = await ClientAccessAsync(clientId, secret);
        var domains = await _api.ApiAsync(HttpMethod.Get, "/api/v1/domains", access);
        Assert.Equal(HttpStatusCode.OK, domains.Status);
        Assert.Contains("ccrole.example", domains.Body, StringComparison.Ordinal);
        // read_only: no changes, and a client never manages clients, users or accounts.
        Assert.Equal(HttpStatusCode.Forbidden, (await _api.ApiAsync(HttpMethod.Post, "/api/v1/domains", access, new { name = "second.example" })).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await _api.ApiAsync(HttpMethod.Get, "/api/v1/oauth/clients", access)).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await _api.ApiAsync(HttpMethod.Get, "/api/v1/account", access)).Status);

        // An admin client may change things; its audit entries name the client.
        var (adminId, adminSecret) = await CreateClientAsync(ownerToken, "admin");
        var adminAccess = await ClientAccessAsync(adminId, adminSecret);
        var mailbox = await _api.ApiAsync(HttpMethod.Post, "/api/v1/mailboxes", adminAccess, new { address = "robot@ccrole.example", password = MailNode.Password });
        Assert.True(mailbox.Status == HttpStatusCode.Created, mailbox.Body);
        Assert.Equal("oauth-client:" + adminId, await node.QueryAsync("SELECT actor FROM audit_log WHERE tenant_id = @t AND action = 'mailbox.create'", ("t", owner.TenantId)));
        Assert.Equal(HttpStatusCode.Forbidden, (await _api.ApiAsync(HttpMethod.Delete, "/api/v1/oauth/clients/" + clientId, adminAccess)).Status);
    }

    [Fact]
    public async Task AClientOfOneTenantCanNeverActOnAnother()
    {
        var ownerA = await _api.NewOwnerAsync("cctenanta", totp: false);
        var ownerB = await _api.NewOwnerAsync("cctenantb", totp: false);
        await node.Cli.OkAsync("domain", "add", "cctenanta.example", "--tenant", "cctenanta", "--verified");
        await node.Cli.OkAsync("domain", "add", "cctenantb.example", "--tenant", "cctenantb", "--verified");
        var tokenA = await _api.ApiAccessTokenAsync(ownerA);
        var tokenB = await _api.ApiAccessTokenAsync(ownerB);
        var (clientA, secretA) = await CreateClientAsync(tokenA, "admin");
        var (clientB, secretB) = await CreateClientAsync(tokenB, "admin");
        var accessA = await ClientAccessAsync(clientA, secretA);

        var listed = await _api.ApiAsync(HttpMethod.Get, "/api/v1/domains", accessA);
        Assert.Contains("cctenanta.example", listed.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("cctenantb.example", listed.Body, StringComparison.Ordinal);
        var domainB = await _api.DomainIdAsync("cctenantb.example");
        Assert.Equal(HttpStatusCode.NotFound, (await _api.ApiAsync(HttpMethod.Get, $"/api/v1/domains/{domainB}", accessA)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await _api.ApiAsync(HttpMethod.Delete, $"/api/v1/domains/{domainB}", accessA)).Status);
        Assert.Equal("1", await node.QueryAsync("SELECT count(*) FROM domains WHERE domain_id = @d", ("d", domainB)));

        // A's owner cannot delete B's client: it answers like no client at all, and B's client still works.
        Assert.Equal(HttpStatusCode.NotFound, (await _api.ApiAsync(HttpMethod.Delete, "/api/v1/oauth/clients/" + clientB, tokenA)).Status);
        Assert.Equal(HttpStatusCode.OK, (await _api.ApiAsync(HttpMethod.Get, "/api/v1/domains", await ClientAccessAsync(clientB, secretB))).Status);

        // A token of A's client that claims B's tenant (signed with the real key) is refused: the
        // tenant comes from the client's record, not from the token alone.
        var forged = await _api.ForgeAsync(accessA, c => c[OAuthServerOptions.TenantClaim] = ownerB.TenantId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(HttpStatusCode.Unauthorized, (await _api.ApiAsync(HttpMethod.Get, "/api/v1/domains", forged)).Status);

        // A's client secret does not authenticate B's client id.
        var (crossStatus, cross) = await _api.ClientTokenAsync(clientB, secretA);
        Assert.Equal(HttpStatusCode.Unauthorized, crossStatus);
        Assert.Equal("invalid_client", cross.GetProperty("error").GetString());
    }

    [Fact]
    public async Task ADeletedClientsTokensStopAtOnceAndItGetsNoNewOnes()
    {
        var owner = await _api.NewOwnerAsync("ccdelete", totp: false);
        var ownerToken = await _api.ApiAccessTokenAsync(owner);
        var (clientId, secret) = await CreateClientAsync(ownerToken, "admin");
        var access = await ClientAccessAsync(clientId, secret);
        Assert.Equal(HttpStatusCode.OK, (await _api.ApiAsync(HttpMethod.Get, "/api/v1/tenant", access)).Status);

        Assert.Equal(HttpStatusCode.NoContent, (await _api.ApiAsync(HttpMethod.Delete, "/api/v1/oauth/clients/" + clientId, ownerToken)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _api.ApiAsync(HttpMethod.Get, "/api/v1/tenant", access)).Status);
        var (status, json) = await _api.ClientTokenAsync(clientId, secret);
        Assert.NotEqual(HttpStatusCode.OK, status);
        Assert.Equal("invalid_client", json.GetProperty("error").GetString());
        Assert.Equal("1", await node.QueryAsync("SELECT count(*) FROM audit_log WHERE tenant_id = @t AND action = 'oauth-client.delete' AND target = @c",
            ("t", owner.TenantId), ("c", clientId)));

        // Both are in the tenant's audit log as the API shows it, naming the owner who acted.
        var audit = await _api.ApiAsync(HttpMethod.Get, "/api/v1/audit?limit=200", ownerToken);
        Assert.Equal(HttpStatusCode.OK, audit.Status);
        var entries = JsonDocument.Parse(audit.Body).RootElement.GetProperty("items").EnumerateArray()
            .Where(e => e.GetProperty("target").GetString() == clientId).ToList();
        Assert.Equal(["oauth-client.delete", "oauth-client.create"], entries.Select(e => e.GetProperty("action").GetString()));
        Assert.All(entries, e => Assert.Contains(owner.Email, e.GetProperty("actor").GetString(), StringComparison.Ordinal));
        Assert.Equal("admin", entries[1].GetProperty("details").GetProperty("role").GetString());
    }

    [Fact]
    public async Task ClientsAskOnlyForTheApiScopeAndNeverForOwnerOrAWrongSecret()
    {
        var owner = await _api.NewOwnerAsync("ccrules", totp: false);
        var ownerToken = await _api.ApiAccessTokenAsync(owner);
        var asOwner = await _api.ApiAsync(HttpMethod.Post, "/api/v1/oauth/clients", ownerToken, new { name = "root", role = "owner" });
        Assert.Equal(HttpStatusCode.BadRequest, asOwner.Status);
        Assert.Contains("role", asOwner.Body, StringComparison.Ordinal);

        var (clientId, secret) = await CreateClientAsync(ownerToken, "admin");
        var (mailStatus, mail) = await _api.ClientTokenAsync(clientId, secret, "mail");
        Assert.Equal(HttpStatusCode.BadRequest, mailStatus);
        // OpenIddict answers a scope the client is not permitted with invalid_request.
        Assert.Contains(mail.GetProperty("error").GetString(), new[] { "invalid_request", "invalid_scope" });
        Assert.Contains("scope", mail.GetProperty("error_description").GetString(), StringComparison.Ordinal);
        var (wrongStatus, wrong) = await _api.ClientTokenAsync(clientId, secret + "x");
        Assert.Equal(HttpStatusCode.Unauthorized, wrongStatus);
        Assert.Equal("invalid_client", wrong.GetProperty("error").GetString());
        // Without a scope parameter the client gets its one scope (RFC 6749 section 3.3).
        var (defaultStatus, defaulted) = await _api.ClientTokenAsync(clientId, secret, scope: null);
        Assert.Equal(HttpStatusCode.OK, defaultStatus);
        Assert.Equal("api", defaulted.GetProperty("scope").GetString());

        // The published public client cannot use the client credentials grant.
        using var publicBrowser = new OAuthBrowser(node);
        var (publicStatus, publicAnswer) = await publicBrowser.TokenAsync(("grant_type", "client_credentials"), ("client_id", ApiOAuth.ApiToolsClientId));
        // Refused before the client type is even looked at: client credentials need a client secret.
        Assert.Equal(HttpStatusCode.BadRequest, publicStatus);
        Assert.Contains(publicAnswer.GetProperty("error").GetString(), new[] { "invalid_request", "unauthorized_client" });
        Assert.False(publicAnswer.TryGetProperty("access_token", out _));
        // With a made-up secret the public client is refused for being public.
        var (secretStatus, secretAnswer) = await publicBrowser.TokenAsync(("grant_type", "client_credentials"), ("client_id", ApiOAuth.ApiToolsClientId), ("client_secret", "guess"));
        Assert.NotEqual(HttpStatusCode.OK, secretStatus);
        Assert.Contains(secretAnswer.GetProperty("error").GetString(), new[] { "unauthorized_client", "invalid_client" });
    }
}
