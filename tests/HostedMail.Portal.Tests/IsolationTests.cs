using System.Net;
using System.Text.Json;

namespace HostedMail.Portal.Tests;

/// <summary>Tenant A, as an admin session and as an API token with every scope, names tenant B's ids everywhere: 404 and nothing of B's.</summary>
public sealed class IsolationTests(PortalHost host) : IClassFixture<PortalHost>
{
    [Fact]
    public async Task TenantAGetsNotFoundAndNoDataForEveryIdOfTenantB()
    {
        using var b = await host.NewTenantAsync("tenant-b");
        var domainId = await host.AddVerifiedDomainAsync(b, "secret-b.example");
        var mailboxId = (await b.PostJsonAsync("/api/v1/mailboxes", new { address = "ceo@secret-b.example", password = "a long passphrase" }, HttpStatusCode.Created)).GetProperty("id").GetInt64();
        var appId = (await b.PostJsonAsync($"/api/v1/mailboxes/{mailboxId}/app-passwords", new { name = "phone" }, HttpStatusCode.Created)).GetProperty("appPassword").GetProperty("id").GetInt64();
        var aliasId = (await b.PostJsonAsync("/api/v1/aliases", new { address = "board@secret-b.example", targets = new[] { "ceo@secret-b.example" } }, HttpStatusCode.Created)).GetProperty("id").GetInt64();
        var tokenId = (await b.PostJsonAsync("/api/v1/account/tokens", new { name = "b-token", scopes = new[] { "domains:read" } }, HttpStatusCode.Created)).GetProperty("token").GetProperty("id").GetInt64();
        var sessionId = (await b.GetJsonAsync("/api/v1/account/sessions")).GetProperty("items")[0].GetProperty("id").GetInt64();
        var userId = (await b.GetJsonAsync("/api/v1/users")).GetProperty("items")[0].GetProperty("id").GetInt64();
        var dkimSelector = (await b.GetJsonAsync($"/api/v1/domains/{domainId}/dkim")).GetProperty("items")[0].GetProperty("selector").GetString();

        using var a = await host.NewTenantAsync("tenant-a");
        var token = (await a.PostJsonAsync("/api/v1/account/tokens", new { name = "a-all", scopes = new[] { "domains:write", "mailboxes:write", "aliases:write", "audit:read", "tenant:read" } }, HttpStatusCode.Created)).GetProperty("secret").GetString();
        using var aToken = host.NewClient();
        aToken.BearerToken = token;

        var calls = new (HttpMethod Method, string Path, object? Body, bool TokenApplies)[]
        {
            (HttpMethod.Get, $"/api/v1/domains/{domainId}", null, true),
            (HttpMethod.Delete, $"/api/v1/domains/{domainId}", null, true),
            (HttpMethod.Post, $"/api/v1/domains/{domainId}/verify", null, true),
            (HttpMethod.Get, $"/api/v1/domains/{domainId}/records", null, true),
            (HttpMethod.Get, $"/api/v1/domains/{domainId}/zone", null, true),
            (HttpMethod.Get, $"/api/v1/domains/{domainId}/dkim", null, true),
            (HttpMethod.Post, $"/api/v1/domains/{domainId}/dkim/rotate", null, true),
            (HttpMethod.Delete, $"/api/v1/domains/{domainId}/dkim/{dkimSelector}", null, true),
            (HttpMethod.Get, $"/api/v1/mailboxes?domainId={domainId}", null, true),
            (HttpMethod.Get, $"/api/v1/mailboxes/{mailboxId}", null, true),
            (HttpMethod.Patch, $"/api/v1/mailboxes/{mailboxId}", new { enabled = false }, true),
            (HttpMethod.Put, $"/api/v1/mailboxes/{mailboxId}/password", new { password = "hijacked passphrase" }, true),
            (HttpMethod.Delete, $"/api/v1/mailboxes/{mailboxId}", null, true),
            (HttpMethod.Get, $"/api/v1/mailboxes/{mailboxId}/app-passwords", null, true),
            (HttpMethod.Post, $"/api/v1/mailboxes/{mailboxId}/app-passwords", new { name = "evil" }, true),
            (HttpMethod.Delete, $"/api/v1/mailboxes/{mailboxId}/app-passwords/{appId}", null, true),
            (HttpMethod.Get, $"/api/v1/aliases/{aliasId}", null, true),
            (HttpMethod.Put, $"/api/v1/aliases/{aliasId}/targets", new { targets = new[] { "evil@elsewhere.example" } }, true),
            (HttpMethod.Delete, $"/api/v1/aliases/{aliasId}", null, true),
            (HttpMethod.Delete, $"/api/v1/account/tokens/{tokenId}", null, false),
            (HttpMethod.Delete, $"/api/v1/account/sessions/{sessionId}", null, false),
            (HttpMethod.Patch, $"/api/v1/users/{userId}", new { role = "read_only" }, false),
            (HttpMethod.Delete, $"/api/v1/users/{userId}", null, false),
        };

        foreach (var (method, path, body, tokenApplies) in calls)
        {
            var asAdmin = await a.SendAsync(method, path, body);
            var text = await asAdmin.Content.ReadAsStringAsync();
            Assert.True(asAdmin.StatusCode == HttpStatusCode.NotFound, $"{method} {path} as A's admin: {(int)asAdmin.StatusCode} {text}");
            Assert.DoesNotContain("secret-b", text, StringComparison.Ordinal);

            var asToken = await aToken.SendAsync(method, path, body);
            var tokenText = await asToken.Content.ReadAsStringAsync();
            // Account and user endpoints refuse tokens outright (403) before any id is looked at.
            Assert.True(asToken.StatusCode == (tokenApplies ? HttpStatusCode.NotFound : HttpStatusCode.Forbidden), $"{method} {path} with A's token: {(int)asToken.StatusCode} {tokenText}");
            Assert.DoesNotContain("secret-b", tokenText, StringComparison.Ordinal);
        }

        // Lists hold only A's data.
        foreach (var client in new[] { a, aToken })
        {
            foreach (var path in new[] { "/api/v1/domains", "/api/v1/mailboxes", "/api/v1/aliases", "/api/v1/audit", "/api/v1/tenant" })
            {
                var text = (await client.GetJsonAsync(path)).ToString();
                Assert.DoesNotContain("secret-b", text, StringComparison.Ordinal);
                Assert.DoesNotContain("tenant-b", text, StringComparison.Ordinal);
            }
        }

        // B's things are all still there and unchanged.
        Assert.Equal("active", (await b.GetJsonAsync($"/api/v1/mailboxes/{mailboxId}")).GetProperty("state").GetString());
        Assert.Single((await b.GetJsonAsync($"/api/v1/mailboxes/{mailboxId}/app-passwords")).GetProperty("items").EnumerateArray());
        Assert.Equal("ceo@secret-b.example", (await b.GetJsonAsync($"/api/v1/aliases/{aliasId}")).GetProperty("targets")[0].GetString());
        Assert.Single((await b.GetJsonAsync($"/api/v1/domains/{domainId}/dkim")).GetProperty("items").EnumerateArray());
        Assert.Null((await b.GetJsonAsync("/api/v1/account/tokens")).GetProperty("items")[0].GetProperty("revokedAt").GetString());
    }

    [Fact]
    public async Task RolesLimitWhatAUserMayDo()
    {
        using var owner = await host.NewTenantAsync("roles");
        await PortalClient.ExpectProblemAsync(await owner.PostAsync("/api/v1/users", new { email = "viewer@roles.example", role = "superuser" }), HttpStatusCode.BadRequest, "role");
        var viewer = await owner.PostJsonAsync("/api/v1/users", new { email = "viewer@roles.example", role = "read_only" }, HttpStatusCode.Created);
        await owner.PostJsonAsync("/api/v1/users", new { email = "admin@roles.example", role = "admin" }, HttpStatusCode.Created);
        await owner.PostJsonAsync("/api/v1/users", new { email = "money@roles.example", role = "billing" }, HttpStatusCode.Created);

        async Task<PortalClient> Join(string email)
        {
            var token = host.Mail.TokenFor(email);
            var client = host.NewClient();
            await PortalClient.ExpectAsync(await client.PostAsync("/api/v1/auth/password-reset/confirm", new { token, newPassword = "a chosen passphrase" }), HttpStatusCode.NoContent);
            await client.LoginAsync(email, "a chosen passphrase");
            return client;
        }

        using var readOnly = await Join("viewer@roles.example");
        await readOnly.GetJsonAsync("/api/v1/domains");
        await readOnly.GetJsonAsync("/api/v1/audit");
        await PortalClient.ExpectProblemAsync(await readOnly.PostAsync("/api/v1/domains", new { name = "ro.example" }), HttpStatusCode.Forbidden);
        await PortalClient.ExpectProblemAsync(await readOnly.GetAsync("/api/v1/users"), HttpStatusCode.Forbidden);

        using var billing = await Join("money@roles.example");
        await billing.GetJsonAsync("/api/v1/tenant");
        await PortalClient.ExpectProblemAsync(await billing.GetAsync("/api/v1/mailboxes"), HttpStatusCode.Forbidden);

        using var admin = await Join("admin@roles.example");
        await admin.PostJsonAsync("/api/v1/domains", new { name = "admin.example" }, HttpStatusCode.Created);
        await PortalClient.ExpectProblemAsync(await admin.PostAsync("/api/v1/users", new { email = "boss@roles.example", role = "owner" }), HttpStatusCode.Forbidden);
        var ownerId = (await owner.GetJsonAsync("/api/v1/auth/session")).GetProperty("user").GetProperty("id").GetInt64();
        await PortalClient.ExpectProblemAsync(await admin.DeleteAsync($"/api/v1/users/{ownerId}"), HttpStatusCode.Forbidden);
        await PortalClient.ExpectProblemAsync(await owner.PatchAsync($"/api/v1/users/{ownerId}", new { role = "admin" }), HttpStatusCode.Conflict);

        var promoted = await PortalClient.ExpectAsync(await admin.PatchAsync($"/api/v1/users/{viewer.GetProperty("id").GetInt64()}", new { role = "admin" }), HttpStatusCode.OK);
        Assert.Equal("admin", promoted.GetProperty("role").GetString());
        await PortalClient.ExpectAsync(await owner.DeleteAsync($"/api/v1/users/{viewer.GetProperty("id").GetInt64()}"), HttpStatusCode.NoContent);
        await PortalClient.ExpectProblemAsync(await readOnly.GetAsync("/api/v1/domains"), HttpStatusCode.Unauthorized);
    }
}
