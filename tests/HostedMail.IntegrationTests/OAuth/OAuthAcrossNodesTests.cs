using System.Net;
using System.Text;
using System.Text.Json;

namespace HostedMail.IntegrationTests.OAuth;

/// <summary>
/// The authorization server is one service across nodes: a token from node A works on node B, a
/// revocation through node B is refused on node A at the next login, and a signing-key rotation
/// keeps the previous key's tokens valid on both while new ones are signed with the new key.
/// </summary>
public sealed class OAuthAcrossNodesTests(OAuthTwoNodes nodes) : IClassFixture<OAuthTwoNodes>
{
    private const string Alice = "alice@acme.example";
    private const string Bob = "bob@acme.example";

    [Fact]
    public async Task ATokenFromNodeAWorksOnNodeBAndARevocationThroughNodeBIsRefusedOnNodeA()
    {
        using var a = new OAuthBrowser(nodes.NodeA);
        var (access, refresh) = await a.TokensAsync(Alice, MailNode.Password);
        Assert.StartsWith("a OK", await OAuthSasl.ImapXOAuth2Async(nodes.ImapsPortB, Alice, access), StringComparison.Ordinal);
        Assert.StartsWith("a OK", await OAuthSasl.ImapXOAuth2Async(nodes.ImapsPort, Alice, access), StringComparison.Ordinal);

        // RFC 7009: the client revokes its refresh token at node B; its access tokens go with it
        // (OpenIddict revokes the authorization's tokens) and node A refuses the next login.
        using var b = new OAuthBrowser(nodes.NodeB);
        var revoked = await b.Http.PostAsync("connect/revoke", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["token"] = access, ["token_type_hint"] = "access_token", ["client_id"] = OAuthBrowser.ClientId,
        }));
        Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
        Assert.StartsWith("a NO", await OAuthSasl.ImapXOAuth2Async(nodes.ImapsPort, Alice, access), StringComparison.Ordinal);
        Assert.StartsWith("a NO", await OAuthSasl.ImapXOAuth2Async(nodes.ImapsPortB, Alice, access), StringComparison.Ordinal);

        // The refresh token, still alive, gets a new access token from node B that node A accepts.
        var (status, json) = await b.TokenAsync(("grant_type", "refresh_token"), ("refresh_token", refresh), ("client_id", OAuthBrowser.ClientId));
        Assert.True(status == HttpStatusCode.OK, json.ToString());
        var fresh = json.GetProperty("access_token").GetString()!;
        Assert.StartsWith("a OK", await OAuthSasl.ImapXOAuth2Async(nodes.ImapsPort, Alice, fresh), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AGrantRevokedByItsUserOnNodeBIsRefusedOnNodeA()
    {
        using var a = new OAuthBrowser(nodes.NodeA);
        var (access, _) = await a.TokensAsync(Bob, MailNode.Password);
        Assert.StartsWith("a OK", await OAuthSasl.ImapXOAuth2Async(nodes.ImapsPort, Bob, access), StringComparison.Ordinal);

        // The connected-apps page of node B, signed in as Bob: one grant, revoked with its button.
        using var b = new OAuthBrowser(nodes.NodeB);
        var page = await b.SignInAsync("connect/grants", Bob, MailNode.Password);
        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Contains("Revoke", page.Html, StringComparison.Ordinal);
        var response = await b.Http.PostAsync("connect/grants/revoke", new FormUrlEncodedContent(OAuthBrowser.Hidden(page.Html)));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("a NO", await OAuthSasl.ImapXOAuth2Async(nodes.ImapsPort, Bob, access), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AfterTheSigningKeyRotatesOldTokensStillWorkOnBothNodesAndNewOnesUseTheNewKey()
    {
        using var a = new OAuthBrowser(nodes.NodeA);
        using var b = new OAuthBrowser(nodes.NodeB);
        var (before, beforeRefresh) = await a.TokensAsync(Alice, MailNode.Password);
        var (beforeB, _) = await b.TokensAsync(Alice, MailNode.Password);
        var oldKey = KeyId(before);
        Assert.Equal(oldKey, KeyId(beforeB));

        // Twenty minutes later the next rotation period has begun (the clock started ten minutes before it).
        nodes.Clock.Advance(TimeSpan.FromMinutes(20));

        using var a2 = new OAuthBrowser(nodes.NodeA);
        var (after, _) = await a2.TokensAsync(Alice, MailNode.Password);
        var (status, refreshed) = await b.TokenAsync(("grant_type", "refresh_token"), ("refresh_token", beforeRefresh), ("client_id", OAuthBrowser.ClientId));
        Assert.True(status == HttpStatusCode.OK, refreshed.ToString());
        var afterB = refreshed.GetProperty("access_token").GetString()!;
        var newKey = KeyId(after);
        Assert.NotEqual(oldKey, newKey);
        Assert.Equal(newKey, KeyId(afterB));
        var period = (nodes.Clock.GetUtcNow().ToUnixTimeSeconds() / 86400 / 30).ToString(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(newKey, await nodes.QueryAsync("SELECT key_id FROM oauth.signing_keys WHERE purpose = 'sig' AND generation = @g", ("g", long.Parse(period, System.Globalization.CultureInfo.InvariantCulture))));

        // Both nodes publish both keys and accept tokens signed with either, until they expire.
        foreach (var browser in new[] { a, b })
        {
            var (_, jwks) = await browser.GetAsync(".well-known/jwks");
            var kids = JsonDocument.Parse(jwks).RootElement.GetProperty("keys").EnumerateArray().Select(k => k.GetProperty("kid").GetString()).ToList();
            Assert.Contains(oldKey, kids);
            Assert.Contains(newKey, kids);
        }

        foreach (var token in new[] { before, beforeB, after, afterB })
        {
            Assert.StartsWith("a OK", await OAuthSasl.ImapXOAuth2Async(nodes.ImapsPort, Alice, token), StringComparison.Ordinal);
            Assert.StartsWith("a OK", await OAuthSasl.ImapXOAuth2Async(nodes.ImapsPortB, Alice, token), StringComparison.Ordinal);
        }

        // An hour later the old key's tokens have expired; the new key still signs.
        nodes.Clock.Advance(TimeSpan.FromMinutes(61));
        Assert.StartsWith("a NO", await OAuthSasl.ImapXOAuth2Async(nodes.ImapsPort, Alice, before), StringComparison.Ordinal);
        Assert.StartsWith("a NO", await OAuthSasl.ImapXOAuth2Async(nodes.ImapsPortB, Alice, beforeB), StringComparison.Ordinal);
        using var b2 = new OAuthBrowser(nodes.NodeB);
        var (later, _) = await b2.TokensAsync(Alice, MailNode.Password);
        Assert.Equal(newKey, KeyId(later));
    }

    private static string KeyId(string jwt)
    {
        var header = jwt.Split('.')[0].Replace('-', '+').Replace('_', '/');
        header = header.PadRight(header.Length + ((4 - (header.Length % 4)) % 4), '=');
        return JsonDocument.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(header))).RootElement.GetProperty("kid").GetString()!;
    }
}
