using System.Net;
using System.Text;
using System.Text.Json;
using HostedMail.Core.Security;

namespace HostedMail.IntegrationTests.OAuth;

/// <summary>
/// Issue 15 item 3: dynamic client registration (RFC 7591) with management (RFC 7592) for public
/// native clients, its abuse cases each refused with RFC 7591 section 3.2.2's error, the per-address
/// rate limit, and the tenant setting that makes such clients wait for an admin's approval.
/// </summary>
public sealed class OAuthRegistrationTests(OAuthAdminNode node) : IClassFixture<OAuthAdminNode>
{
    private const string Alice = "alice@acme.example";

    private static object NativeClient(params string[] redirects) => new
    {
        client_name = "Test Mail",
        redirect_uris = redirects.Length > 0 ? redirects : new[] { "http://127.0.0.1:8123/callback", "com.example.testmail:/oauth2redirect" },
        token_endpoint_auth_method = "none",
        grant_types = new[] { "authorization_code", "refresh_token" },
        response_types = new[] { "code" },
        scope = "mail offline_access",
        application_type = "native",
    };

    private static async Task<(HttpStatusCode Status, JsonElement Json, HttpResponseMessage Response)> PostAsync(HttpClient http, string body, string contentType = "application/json")
    {
        var response = await http.PostAsync("connect/register", new StringContent(body, Encoding.UTF8, contentType));
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone(), response);
    }

    private static Task<(HttpStatusCode Status, JsonElement Json, HttpResponseMessage Response)> RegisterAsync(HttpClient http, object metadata) =>
        PostAsync(http, JsonSerializer.Serialize(metadata));

    private static string AuthorizeUrl(string clientId, string redirectUri, string challenge) =>
        "connect/authorize?response_type=code&client_id=" + Uri.EscapeDataString(clientId) + "&redirect_uri=" + Uri.EscapeDataString(redirectUri)
        + "&scope=" + Uri.EscapeDataString("mail offline_access") + "&state=st4te&code_challenge=" + challenge + "&code_challenge_method=S256";

    private async Task<int> RegistrationsFromAsync(string source) =>
        int.Parse((await node.QueryAsync("SELECT count(*) FROM oauth.client_registrations WHERE registered_from = @from", ("from", source)))!, System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task DiscoveryNamesTheRegistrationEndpoint()
    {
        using var http = node.ClientFrom("127.0.0.1");
        var json = JsonDocument.Parse(await http.GetStringAsync(".well-known/openid-configuration")).RootElement;
        Assert.Equal(node.Issuer + "connect/register", json.GetProperty("registration_endpoint").GetString());
    }

    [Fact]
    public async Task ARegisteredNativeClientCompletesTheCodeFlowWithItsOwnClientIdOnAnyLoopbackPort()
    {
        using var http = node.ClientFrom("127.0.0.21");
        var (status, registered, response) = await RegisterAsync(http, NativeClient());
        Assert.True(status == HttpStatusCode.Created, registered.ToString());
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        var clientId = registered.GetProperty("client_id").GetString()!;
        Assert.Equal("none", registered.GetProperty("token_endpoint_auth_method").GetString());
        Assert.False(registered.TryGetProperty("client_secret", out _));
        Assert.True(registered.GetProperty("registration_access_token").GetString()!.Length >= 40);
        Assert.Equal(node.Issuer + "connect/register/" + clientId, registered.GetProperty("registration_client_uri").GetString());

        // The operator's record: who registered what, from where; the access token only as a hash.
        Assert.Equal("1", await node.QueryAsync("SELECT count(*) FROM oauth.client_registrations WHERE client_id = @id AND registered_from = '127.0.0.21' AND client_name = 'Test Mail'", ("id", clientId)));
        Assert.Equal("0", await node.QueryAsync("SELECT count(*) FROM oauth.client_registrations WHERE registration_token_sha256 = @t", ("t", registered.GetProperty("registration_access_token").GetString()!)));

        // RFC 8252 section 7.3: registered on port 8123, used on another port.
        using var browser = new OAuthBrowser(node);
        var (verifier, challenge) = OAuthBrowser.Pkce();
        const string redirect = "http://127.0.0.1:40999/callback";
        var consent = await browser.SignInAsync(AuthorizeUrl(clientId, redirect, challenge), Alice, MailNode.Password);
        Assert.Equal(HttpStatusCode.OK, consent.Status);
        Assert.Contains("Test Mail (unverified app)", consent.Html, StringComparison.Ordinal);
        var location = await browser.SubmitConsentAsync(consent.Html, "connect/authorize", "allow");
        Assert.StartsWith(redirect + "?", location, StringComparison.Ordinal);
        var code = System.Web.HttpUtility.ParseQueryString(new Uri(location).Query)["code"]!;

        var (tokenStatus, tokens) = await browser.TokenAsync(("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirect),
            ("client_id", clientId), ("code_verifier", verifier));
        Assert.True(tokenStatus == HttpStatusCode.OK, tokens.ToString());
        var check = await node.CheckTokenAsync(tokens.GetProperty("access_token").GetString()!);
        Assert.Equal(MailAccessTokenStatus.Valid, check.Status);
        Assert.Equal(Alice, check.Address);

        // The published client's id cannot redeem this client's refresh token.
        var (wrongClient, wrong) = await browser.TokenAsync(("grant_type", "refresh_token"), ("refresh_token", tokens.GetProperty("refresh_token").GetString()!), ("client_id", OAuthBrowser.ClientId));
        Assert.Equal(HttpStatusCode.BadRequest, wrongClient);
        Assert.Equal("invalid_grant", wrong.GetProperty("error").GetString());
    }

    [Fact]
    public async Task ARedirectTheClientDidNotRegisterIsRefused()
    {
        using var http = node.ClientFrom("127.0.0.22");
        var (_, registered, _) = await RegisterAsync(http, NativeClient("com.example.only:/cb"));
        var clientId = registered.GetProperty("client_id").GetString()!;
        using var browser = new OAuthBrowser(node);
        var (_, challenge) = OAuthBrowser.Pkce();
        var (status, body) = await browser.GetAsync(AuthorizeUrl(clientId, "http://127.0.0.1:8123/callback", challenge));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.DoesNotContain("redirect:", body, StringComparison.Ordinal);
        var (okStatus, okBody) = await browser.GetAsync(AuthorizeUrl(clientId, "com.example.only:/cb", challenge));
        Assert.Equal(HttpStatusCode.OK, okStatus);
        Assert.Contains("Sign in", okBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ManagementReadsUpdatesAndDeletesWithTheRegistrationAccessTokenOnly()
    {
        using var http = node.ClientFrom("127.0.0.23");
        var (_, registered, _) = await RegisterAsync(http, NativeClient());
        var clientId = registered.GetProperty("client_id").GetString()!;
        var accessToken = registered.GetProperty("registration_access_token").GetString()!;
        var uri = registered.GetProperty("registration_client_uri").GetString()!;

        async Task<(HttpStatusCode, JsonElement, HttpResponseMessage)> SendAsync(HttpMethod method, string? token, object? body = null)
        {
            using var request = new HttpRequestMessage(method, uri);
            if (token is not null)
            {
                request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
            }

            if (body is not null)
            {
                request.Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
            }

            var response = await http.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone(), response);
        }

        // RFC 7592 section 3: no token, a wrong token, another client's id: the same 401.
        var (noToken, noTokenJson, noTokenResponse) = await SendAsync(HttpMethod.Get, null);
        Assert.Equal(HttpStatusCode.Unauthorized, noToken);
        Assert.Equal("invalid_token", noTokenJson.GetProperty("error").GetString());
        Assert.Contains("invalid_token", noTokenResponse.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(HttpMethod.Get, accessToken + "x")).Item1);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(HttpMethod.Delete, "wrong")).Item1);

        var (read, readJson, _) = await SendAsync(HttpMethod.Get, accessToken);
        Assert.Equal(HttpStatusCode.OK, read);
        Assert.Equal(clientId, readJson.GetProperty("client_id").GetString());
        Assert.Equal(["http://127.0.0.1:8123/callback", "com.example.testmail:/oauth2redirect"], readJson.GetProperty("redirect_uris").EnumerateArray().Select(e => e.GetString()));

        // An update with another client's id, or with a bad redirect, is refused; a good one replaces the metadata.
        var (mismatch, mismatchJson, _) = await SendAsync(HttpMethod.Put, accessToken, new { client_id = "dyn-other", redirect_uris = new[] { "com.example.testmail:/cb2" } });
        Assert.Equal(HttpStatusCode.BadRequest, mismatch);
        Assert.Equal("invalid_client_metadata", mismatchJson.GetProperty("error").GetString());
        var (badUpdate, badUpdateJson, _) = await SendAsync(HttpMethod.Put, accessToken, new { client_id = clientId, redirect_uris = new[] { "http://evil.example/cb" } });
        Assert.Equal(HttpStatusCode.BadRequest, badUpdate);
        Assert.Equal("invalid_redirect_uri", badUpdateJson.GetProperty("error").GetString());
        var (updated, updatedJson, _) = await SendAsync(HttpMethod.Put, accessToken, new { client_id = clientId, client_name = "Renamed", redirect_uris = new[] { "com.example.testmail:/cb2" } });
        Assert.True(updated == HttpStatusCode.OK, updatedJson.ToString());
        Assert.Equal("Renamed", updatedJson.GetProperty("client_name").GetString());
        using var browser = new OAuthBrowser(node);
        var (_, challenge) = OAuthBrowser.Pkce();
        Assert.Equal(HttpStatusCode.BadRequest, (await browser.GetAsync(AuthorizeUrl(clientId, "com.example.testmail:/oauth2redirect", challenge))).Status);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync(AuthorizeUrl(clientId, "com.example.testmail:/cb2", challenge))).Status);

        // Deleted: the client is gone for the authorization endpoint, its token no longer reads it,
        // and the operator's record stays with the time of deletion.
        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(HttpMethod.Delete, accessToken)).Item1);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(HttpMethod.Get, accessToken)).Item1);
        Assert.Equal(HttpStatusCode.BadRequest, (await browser.GetAsync(AuthorizeUrl(clientId, "com.example.testmail:/cb2", challenge))).Status);
        Assert.Equal("1", await node.QueryAsync("SELECT count(*) FROM oauth.client_registrations WHERE client_id = @id AND deleted_at IS NOT NULL", ("id", clientId)));
    }

    [Theory]
    [InlineData("30", """{"redirect_uris":["http://127.0.0.1/cb"],"token_endpoint_auth_method":"client_secret_basic"}""", "invalid_client_metadata")]
    [InlineData("31", """{"redirect_uris":["http://127.0.0.1/cb"],"token_endpoint_auth_method":"client_secret_post"}""", "invalid_client_metadata")]
    [InlineData("32", """{"redirect_uris":["http://127.0.0.1/cb"],"token_endpoint_auth_method":"private_key_jwt","jwks_uri":"https://app.example/jwks"}""", "invalid_client_metadata")]
    [InlineData("33", """{"redirect_uris":["http://127.0.0.1/cb"],"client_secret":"s3cret"}""", "invalid_client_metadata")]
    [InlineData("34", """{"redirect_uris":["http://app.example/cb"]}""", "invalid_redirect_uri")]
    [InlineData("35", """{"redirect_uris":["http://192.168.1.10:8080/cb"]}""", "invalid_redirect_uri")]
    [InlineData("36", """{"redirect_uris":["https://app.example/cb#fragment"]}""", "invalid_redirect_uri")]
    [InlineData("37", """{"redirect_uris":["http://127.0.0.1:9000/cb#x"]}""", "invalid_redirect_uri")]
    [InlineData("38", """{"redirect_uris":["testmail:/cb"]}""", "invalid_redirect_uri")]
    [InlineData("39", """{"redirect_uris":["javascript:alert(1)"]}""", "invalid_redirect_uri")]
    [InlineData("40", """{"redirect_uris":["/relative/cb"]}""", "invalid_redirect_uri")]
    [InlineData("41", """{"client_name":"no redirect"}""", "invalid_redirect_uri")]
    [InlineData("42", """{"redirect_uris":["http://127.0.0.1/cb"],"grant_types":["implicit"]}""", "invalid_client_metadata")]
    [InlineData("43", """{"redirect_uris":["http://127.0.0.1/cb"],"grant_types":["authorization_code","password"]}""", "invalid_client_metadata")]
    [InlineData("44", """{"redirect_uris":["http://127.0.0.1/cb"],"grant_types":["client_credentials"]}""", "invalid_client_metadata")]
    [InlineData("45", """{"redirect_uris":["http://127.0.0.1/cb"],"response_types":["token"]}""", "invalid_client_metadata")]
    [InlineData("46", """{"redirect_uris":["http://127.0.0.1/cb"],"response_types":["code id_token"]}""", "invalid_client_metadata")]
    [InlineData("47", """{"redirect_uris":["http://127.0.0.1/cb"],"scope":"mail api"}""", "invalid_client_metadata")]
    [InlineData("48", """{"redirect_uris":["http://127.0.0.1/cb"],"application_type":"web"}""", "invalid_client_metadata")]
    [InlineData("49", """{"redirect_uris":"http://127.0.0.1/cb"}""", "invalid_redirect_uri")]
    [InlineData("50", """["not","an","object"]""", "invalid_client_metadata")]
    [InlineData("51", """{"redirect_uris":[""", "invalid_client_metadata")]
    public async Task ARequestANativePublicClientWouldNotMakeIsRefusedWithRfc7591sError(string octet, string body, string error)
    {
        var source = "127.0.1." + octet;
        using var http = node.ClientFrom(source);
        var (status, json, _) = await PostAsync(http, body);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(error, json.GetProperty("error").GetString());
        Assert.False(string.IsNullOrEmpty(json.GetProperty("error_description").GetString()));
        Assert.Equal(0, await RegistrationsFromAsync(source));
    }

    [Fact]
    public async Task MetadataThatIsNotJsonIsRefused()
    {
        using var http = node.ClientFrom("127.0.0.24");
        var (status, json, _) = await PostAsync(http, "redirect_uris=http://127.0.0.1/cb", "application/x-www-form-urlencoded");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("invalid_client_metadata", json.GetProperty("error").GetString());
    }

    [Fact]
    public async Task AFloodOfRegistrationsFromOneAddressIsRefusedWith429WhileOtherAddressesRegister()
    {
        using var flood = node.ClientFrom("127.0.0.60");
        // Refused requests count too: a flood of bad metadata uses up the budget as well.
        for (var i = 0; i < OAuthAdminNode.RegistrationsPerHour - 2; i++)
        {
            Assert.Equal(HttpStatusCode.Created, (await RegisterAsync(flood, NativeClient())).Status);
        }

        Assert.Equal(HttpStatusCode.BadRequest, (await RegisterAsync(flood, new { redirect_uris = new[] { "http://evil.example/" } })).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await RegisterAsync(flood, new { redirect_uris = new[] { "http://127.0.0.1/" }, token_endpoint_auth_method = "client_secret_basic" })).Status);
        var (status, json, response) = await RegisterAsync(flood, NativeClient());
        Assert.Equal(HttpStatusCode.TooManyRequests, status);
        Assert.Equal("too_many_requests", json.GetProperty("error").GetString());
        Assert.True(int.Parse(response.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture) > 0);
        Assert.Equal(OAuthAdminNode.RegistrationsPerHour - 2, await RegistrationsFromAsync("127.0.0.60"));
        // Counted cluster-wide in the shared counters, per address: the next address is unaffected.
        Assert.Equal(OAuthAdminNode.RegistrationsPerHour.ToString(System.Globalization.CultureInfo.InvariantCulture),
            await node.QueryAsync("SELECT hits FROM rate_limit_counters WHERE budget = 'oauth-register' AND key = '127.0.0.60'"));
        using var other = node.ClientFrom("127.0.0.61");
        Assert.Equal(HttpStatusCode.Created, (await RegisterAsync(other, NativeClient())).Status);
    }

    [Fact]
    public async Task WhenTheTenantRequiresApprovalItsUsersSeeTheApprovalPageUntilAnAdminApproves()
    {
        var tenant = await node.TenantAsync("approve", "dana");
        const string dana = "dana@approve.example";
        using var http = node.ClientFrom("127.0.0.25");
        var (_, registered, _) = await RegisterAsync(http, NativeClient());
        var clientId = registered.GetProperty("client_id").GetString()!;

        Assert.False((await tenant.SendAsync(HttpMethod.Get, "api/v1/oauth/settings")).Json.GetProperty("requireClientApproval").GetBoolean());
        var (badSetting, badSettingJson) = await tenant.SendAsync(HttpMethod.Put, "api/v1/oauth/settings", new { });
        Assert.Equal(HttpStatusCode.BadRequest, badSetting);
        Assert.Contains("requireClientApproval", badSettingJson.GetProperty("errors").ToString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await tenant.SendAsync(HttpMethod.Put, "api/v1/oauth/settings", new { requireClientApproval = true })).Status);

        // The user sees a clear page and no consent form; the admins see a pending request.
        using var browser = new OAuthBrowser(node);
        var (_, challenge) = OAuthBrowser.Pkce();
        var url = AuthorizeUrl(clientId, "http://127.0.0.1:8123/callback", challenge);
        var blocked = await browser.SignInAsync(url, dana, MailNode.Password);
        Assert.Equal(HttpStatusCode.Forbidden, blocked.Status);
        Assert.Contains("An administrator must approve this app", blocked.Html, StringComparison.Ordinal);
        Assert.DoesNotContain("value=\"allow\"", blocked.Html, StringComparison.Ordinal);
        // A forged "allow" post (the page's own form with the other decision) is refused the same way.
        var post = OAuthBrowser.Hidden(blocked.Html);
        post["decision"] = "allow";
        var forgedResponse = await browser.Http.PostAsync("connect/authorize", new FormUrlEncodedContent(post));
        Assert.Equal(HttpStatusCode.Forbidden, forgedResponse.StatusCode);
        // Its one button goes back to the app with access_denied.
        var back = await browser.SubmitConsentAsync(blocked.Html, "connect/authorize", "deny");
        Assert.Contains("error=access_denied", back, StringComparison.Ordinal);

        var (_, clients) = await tenant.SendAsync(HttpMethod.Get, "api/v1/oauth/apps");
        var pending = clients.GetProperty("items").EnumerateArray().Single(c => c.GetProperty("clientId").GetString() == clientId);
        Assert.Equal("pending", pending.GetProperty("status").GetString());
        Assert.Equal(dana, pending.GetProperty("requestedBy").GetString());
        Assert.Equal("Test Mail", pending.GetProperty("clientName").GetString());

        // Unknown clients and bad decisions are refused as problems.
        var (unknown, unknownJson) = await tenant.SendAsync(HttpMethod.Put, "api/v1/oauth/apps/dyn-nope/approval", new { status = "approved" });
        Assert.Equal(HttpStatusCode.NotFound, unknown);
        Assert.Equal("not found", unknownJson.GetProperty("title").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, (await tenant.SendAsync(HttpMethod.Put, $"api/v1/oauth/apps/{clientId}/approval", new { status = "maybe" })).Status);

        var (approved, approvedJson) = await tenant.SendAsync(HttpMethod.Put, $"api/v1/oauth/apps/{clientId}/approval", new { status = "approved" });
        Assert.Equal(HttpStatusCode.OK, approved);
        Assert.Equal("approved", approvedJson.GetProperty("status").GetString());
        // The decision is in the tenant's audit log, naming who made it.
        var approval = Assert.Single(await tenant.AuditAsync("oauth-app.approve"));
        Assert.Equal(clientId, approval.GetProperty("target").GetString());
        Assert.Contains("owner@approve-owner.example", approval.GetProperty("actor").GetString(), StringComparison.Ordinal);
        Assert.Equal("Test Mail", approval.GetProperty("details").GetProperty("name").GetString());
        var consent = await browser.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, consent.Status);
        Assert.Contains("Allow access?", consent.Html, StringComparison.Ordinal);
        var location = await browser.SubmitConsentAsync(consent.Html, "connect/authorize", "allow");
        Assert.Contains("code=", location, StringComparison.Ordinal);

        // Denying later ends the grants already given and shows the "not allowed" page.
        var (verifier2, challenge2) = OAuthBrowser.Pkce();
        var url2 = AuthorizeUrl(clientId, "http://127.0.0.1:8123/callback", challenge2);
        var consent2 = await browser.GetAsync(url2);
        var location2 = await browser.SubmitConsentAsync(consent2.Html, "connect/authorize", "allow");
        var code2 = System.Web.HttpUtility.ParseQueryString(new Uri(location2).Query)["code"]!;
        var (_, tokens) = await browser.TokenAsync(("grant_type", "authorization_code"), ("code", code2), ("redirect_uri", "http://127.0.0.1:8123/callback"),
            ("client_id", clientId), ("code_verifier", verifier2));
        var access = tokens.GetProperty("access_token").GetString()!;
        Assert.Equal(MailAccessTokenStatus.Valid, (await node.CheckTokenAsync(access)).Status);
        Assert.Equal(HttpStatusCode.OK, (await tenant.SendAsync(HttpMethod.Put, $"api/v1/oauth/apps/{clientId}/approval", new { status = "denied" })).Status);
        Assert.Equal(MailAccessTokenStatus.Invalid, (await node.CheckTokenAsync(access)).Status);
        var refusal = Assert.Single(await tenant.AuditAsync("oauth-app.deny"));
        Assert.Equal(clientId, refusal.GetProperty("target").GetString());
        Assert.Contains("owner@approve-owner.example", refusal.GetProperty("actor").GetString(), StringComparison.Ordinal);
        // Both consents since the approval made a grant (the first code was never redeemed).
        Assert.Equal("2", refusal.GetProperty("details").GetProperty("revoked_grants").GetString());
        var denied = await browser.GetAsync(AuthorizeUrl(clientId, "http://127.0.0.1:8123/callback", OAuthBrowser.Pkce().Challenge));
        Assert.Equal(HttpStatusCode.Forbidden, denied.Status);
        Assert.Contains("This app is not allowed", denied.Html, StringComparison.Ordinal);

        // The published client is never gated, and another tenant (no setting) is not affected.
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync(OAuthBrowser.AuthorizeUrl(OAuthBrowser.Pkce().Challenge))).Status);
        using var aliceBrowser = new OAuthBrowser(node);
        var other = await aliceBrowser.SignInAsync(AuthorizeUrl(clientId, "http://127.0.0.1:8123/callback", OAuthBrowser.Pkce().Challenge), Alice, MailNode.Password);
        Assert.Equal(HttpStatusCode.OK, other.Status);
        Assert.Contains("Allow access?", other.Html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AutodiscoverAndTheAppleProfileNameTheOAuthServerInACommentTheirFormatsHaveNoFieldFor()
    {
        using var http = node.ClientFrom("127.0.0.1");
        var request = "<Autodiscover xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006\"><Request><EMailAddress>alice@acme.example</EMailAddress>"
            + "<AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema></Request></Autodiscover>";
        var autodiscover = await (await http.PostAsync("autodiscover/autodiscover.xml", new StringContent(request, Encoding.UTF8, "text/xml"))).Content.ReadAsStringAsync();
        var comment = $"Discovery: {node.Issuer}.well-known/openid-configuration";
        Assert.Contains(comment, autodiscover, StringComparison.Ordinal);
        Assert.NotNull(System.Xml.Linq.XDocument.Parse(autodiscover).Root);
        var profile = await http.GetStringAsync("api/v1/autoconfig/apple.mobileconfig?emailaddress=alice%40acme.example");
        Assert.Contains(comment, profile, StringComparison.Ordinal);
        Assert.Contains("<string>EmailAuthPassword</string>", profile, StringComparison.Ordinal);
    }
}
