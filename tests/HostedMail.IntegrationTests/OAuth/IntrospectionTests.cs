using System.Net;
using System.Text.Json;

namespace HostedMail.IntegrationTests.OAuth;

/// <summary>
/// RFC 7662 introspection for tenants' own confidential (automation) clients: their tenant's
/// tokens are active with the standard fields; another tenant's token, a revoked one and a
/// made-up one are <c>active: false</c>; a public client or a wrong secret is refused
/// (section 2.1: the caller authenticates).
/// </summary>
public sealed class IntrospectionTests(OAuthNode node) : IClassFixture<OAuthNode>
{
    private readonly PortalApiAccess _api = new(node);

    private async Task<(HttpStatusCode Status, JsonElement Json)> IntrospectAsync(string token, params (string Name, string Value)[] client)
    {
        using var http = new HttpClient { BaseAddress = new Uri(node.Issuer) };
        var form = new List<KeyValuePair<string, string>> { new("token", token) };
        form.AddRange(client.Select(c => KeyValuePair.Create(c.Name, c.Value)));
        var response = await http.PostAsync("connect/introspect", new FormUrlEncodedContent(form));
        var body = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(body).RootElement.Clone());
    }

    private async Task<(string ClientId, string Secret)> NewClientAsync(string ownerToken)
    {
        var created = await _api.ApiAsync(HttpMethod.Post, "/api/v1/oauth/clients", ownerToken, new { name = "introspector", role = "read_only" });
        Assert.True(created.Status == HttpStatusCode.Created, created.Body);
        var json = JsonDocument.Parse(created.Body).RootElement;
        return (json.GetProperty("client").GetProperty("clientId").GetString()!, json.GetProperty("clientSecret").GetString()!);
    }

    private static void AssertInactive((HttpStatusCode Status, JsonElement Json) answer)
    {
        Assert.True(answer.Status == HttpStatusCode.OK, answer.Json.ToString());
        Assert.False(answer.Json.GetProperty("active").GetBoolean(), answer.Json.ToString());
        // RFC 7662 section 2.2: nothing else about a token the caller may not see.
        Assert.False(answer.Json.TryGetProperty("sub", out _), answer.Json.ToString());
    }

    [Fact]
    public async Task ATenantClientIntrospectsItsTenantsTokensAndNoOneElses()
    {
        var owner = await _api.NewOwnerAsync("intra", totp: false);
        await node.Cli.OkAsync("domain", "add", "intra.example", "--tenant", "intra", "--verified");
        await node.Cli.OkAsync("mailbox", "create", "dora@intra.example", "--tenant", "intra", "--password", MailNode.Password);
        var ownerToken = await _api.ApiAccessTokenAsync(owner);
        var (clientId, secret) = await NewClientAsync(ownerToken);
        var credentials = new[] { ("client_id", clientId), ("client_secret", secret) };

        using var dora = new OAuthBrowser(node);
        var (doraToken, doraRefresh) = await dora.TokensAsync("dora@intra.example", MailNode.Password);
        var (status, json) = await IntrospectAsync(doraToken, credentials);
        Assert.True(status == HttpStatusCode.OK, json.ToString());
        Assert.True(json.GetProperty("active").GetBoolean(), json.ToString());
        Assert.Equal("dora@intra.example", json.GetProperty("sub").GetString());
        Assert.Equal(OAuthBrowser.ClientId, json.GetProperty("client_id").GetString());
        Assert.True(json.TryGetProperty("iat", out _), json.ToString());
        Assert.Contains("mail", json.GetProperty("scope").GetString()!.Split(' '));
        Assert.Equal(node.Issuer, json.GetProperty("iss").GetString());
        Assert.True(json.GetProperty("exp").GetInt64() > DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        Assert.True(json.GetProperty("iat").GetInt64() <= DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 5);
        Assert.True(json.TryGetProperty("jti", out _), json.ToString());

        // The owner's portal token and the client's own token are the tenant's too.
        var portal = await IntrospectAsync(ownerToken, credentials);
        Assert.True(portal.Json.GetProperty("active").GetBoolean(), portal.Json.ToString());
        Assert.Contains("api", portal.Json.GetProperty("scope").GetString()!.Split(' '));
        var (_, own) = await _api.ClientTokenAsync(clientId, secret);
        Assert.True((await IntrospectAsync(own.GetProperty("access_token").GetString()!, credentials)).Json.GetProperty("active").GetBoolean());
        Assert.True((await IntrospectAsync(doraRefresh, credentials)).Json.GetProperty("active").GetBoolean());

        // Another tenant's token (acme's alice), a made-up one: inactive.
        using var alice = new OAuthBrowser(node);
        var (aliceToken, _) = await alice.TokensAsync("alice@acme.example", MailNode.Password);
        AssertInactive(await IntrospectAsync(aliceToken, credentials));
        AssertInactive(await IntrospectAsync("not-a-token", credentials));

        // Another tenant's client cannot see this tenant's tokens.
        var stranger = await _api.NewOwnerAsync("intrb", totp: false);
        var (strangerId, strangerSecret) = await NewClientAsync(await _api.ApiAccessTokenAsync(stranger));
        AssertInactive(await IntrospectAsync(doraToken, ("client_id", strangerId), ("client_secret", strangerSecret)));

        // Revoked (RFC 7009): inactive at once.
        var revoked = await dora.Http.PostAsync("connect/revoke", new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = doraToken, ["client_id"] = OAuthBrowser.ClientId }));
        Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
        AssertInactive(await IntrospectAsync(doraToken, credentials));
    }

    [Fact]
    public async Task PublicClientsAndWrongSecretsCannotIntrospect()
    {
        using var browser = new OAuthBrowser(node);
        var (token, _) = await browser.TokensAsync("bob@acme.example", MailNode.Password);
        foreach (var caller in new[]
        {
            new[] { ("client_id", OAuthBrowser.ClientId) },
            new[] { ("client_id", "hostedmail-api") },
            new[] { ("client_id", "hmc_doesnotexist"), ("client_secret", "hmcs_wrong") },
            [],
        })
        {
            var (status, json) = await IntrospectAsync(token, caller);
            Assert.True(status is HttpStatusCode.BadRequest or HttpStatusCode.Unauthorized, $"{status} {json}");
            Assert.True(json.TryGetProperty("error", out var error), json.ToString());
            Assert.Contains(error.GetString(), new[] { "invalid_client", "invalid_request", "unauthorized_client" });
            Assert.False(json.TryGetProperty("active", out _), json.ToString());
        }

        // A tenant client with a wrong secret.
        var owner = await _api.NewOwnerAsync("intrc", totp: false);
        var (clientId, _) = await NewClientAsync(await _api.ApiAccessTokenAsync(owner));
        var (wrongStatus, wrong) = await IntrospectAsync(token, ("client_id", clientId), ("client_secret", "hmcs_not-the-secret"));
        Assert.True(wrongStatus == HttpStatusCode.Unauthorized, $"{wrongStatus} {wrong}");
        Assert.Equal("invalid_client", wrong.GetProperty("error").GetString());
    }
}
