using System.Net;
using System.Text.Json;

namespace HostedMail.IntegrationTests.OAuth;

/// <summary>
/// Issue 15: the authorization server on a real node, driven like a browser without JavaScript
/// follows its forms, and the probes RFC 9700 says must be refused.
/// </summary>
public sealed class OAuthFlowTests(OAuthNode node) : IClassFixture<OAuthNode>
{
    private const string Alice = "alice@acme.example";

    [Fact]
    public async Task DiscoveryAdvertisesCodeWithS256DeviceRevocationAndIntrospectionButNoImplicitOrPassword()
    {
        using var browser = new OAuthBrowser(node);
        var (status, body) = await browser.GetAsync(".well-known/openid-configuration");
        Assert.Equal(HttpStatusCode.OK, status);
        var json = JsonDocument.Parse(body).RootElement;
        Assert.Equal(node.Issuer, json.GetProperty("issuer").GetString());
        Assert.Equal(node.Issuer + "connect/authorize", json.GetProperty("authorization_endpoint").GetString());
        Assert.Equal(node.Issuer + "connect/device", json.GetProperty("device_authorization_endpoint").GetString());
        Assert.Equal(node.Issuer + "connect/revoke", json.GetProperty("revocation_endpoint").GetString());
        Assert.Equal(node.Issuer + "connect/introspect", json.GetProperty("introspection_endpoint").GetString());
        Assert.Equal(["S256"], json.GetProperty("code_challenge_methods_supported").EnumerateArray().Select(e => e.GetString()));
        var grants = json.GetProperty("grant_types_supported").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Contains("authorization_code", grants);
        Assert.Contains("urn:ietf:params:oauth:grant-type:device_code", grants);
        Assert.DoesNotContain("password", grants);
        Assert.DoesNotContain("implicit", grants);
        Assert.Equal(["code"], json.GetProperty("response_types_supported").EnumerateArray().Select(e => e.GetString()));

        var (jwksStatus, jwks) = await browser.GetAsync(".well-known/jwks");
        Assert.Equal(HttpStatusCode.OK, jwksStatus);
        var keys = JsonDocument.Parse(jwks).RootElement.GetProperty("keys").EnumerateArray().ToList();
        Assert.NotEmpty(keys);
        Assert.All(keys, k => Assert.False(k.TryGetProperty("d", out _), "a private key part is published"));
        // The keys are the ones in PostgreSQL, sealed: the table never holds a bare PKCS#8 key.
        Assert.Equal("0", await node.QueryAsync("SELECT count(*) FROM oauth.signing_keys WHERE protected_private_key LIKE 'MII%'"));
        Assert.NotEqual("0", await node.QueryAsync("SELECT count(*) FROM oauth.signing_keys WHERE purpose = 'sig'"));
    }

    [Fact]
    public async Task TheSignInAndConsentPagesAreFormsWithoutScriptUnderTheStrictCsp()
    {
        using var browser = new OAuthBrowser(node);
        var (_, challenge) = OAuthBrowser.Pkce();
        var response = await browser.Http.GetAsync(OAuthBrowser.AuthorizeUrl(challenge));
        var html = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("<form method=\"post\" action=\"/connect/login\">", html, StringComparison.Ordinal);
        Assert.Contains("name=\"csrf\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("style=", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("script-src 'self'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
    }

    [Fact]
    public async Task TheConsentPagesCspAllowsTheFormsRedirectToTheClientAndNothingElse()
    {
        using var browser = new OAuthBrowser(node);
        var (_, challenge) = OAuthBrowser.Pkce();
        await browser.SignInAsync(OAuthBrowser.AuthorizeUrl(challenge), Alice, MailNode.Password);
        var consent = await browser.Http.GetAsync(OAuthBrowser.AuthorizeUrl(challenge));
        var csp = consent.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("form-action 'self' http://127.0.0.1:53682;", csp, StringComparison.Ordinal);
        Assert.Contains("script-src 'self';", csp, StringComparison.Ordinal);
        var login = await new OAuthBrowser(node).Http.GetAsync(OAuthBrowser.AuthorizeUrl(challenge));
        Assert.Contains("form-action 'self';", login.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ThunderbirdAutoconfigOffersOAuth2BesidePasswordWithTheServersEndpoints()
    {
        using var browser = new OAuthBrowser(node);
        var (status, body) = await browser.GetAsync("mail/config-v1.1.xml?emailaddress=alice%40acme.example");
        Assert.Equal(HttpStatusCode.OK, status);
        var xml = System.Xml.Linq.XDocument.Parse(body).Root!;
        var oauth = xml.Element("oAuth2")!;
        Assert.Equal("127.0.0.1", oauth.Element("issuer")!.Value);
        Assert.Equal("mail offline_access", oauth.Element("scope")!.Value);
        Assert.Equal(node.Issuer + "connect/authorize", oauth.Element("authURL")!.Value);
        Assert.Equal(node.Issuer + "connect/token", oauth.Element("tokenURL")!.Value);
        Assert.Equal(OAuthBrowser.ClientId, oauth.Element("clientId")!.Value);
        var servers = xml.Element("emailProvider")!.Elements().Where(e => e.Name.LocalName is "incomingServer" or "outgoingServer").ToList();
        Assert.Equal(4, servers.Count);
        Assert.All(servers, s => Assert.Equal(["password-cleartext", "OAuth2"], s.Elements("authentication").Select(a => a.Value)));
    }

    [Fact]
    public async Task ALoginFormWithoutItsCsrfTokenIsRefused()
    {
        using var browser = new OAuthBrowser(node);
        var (_, challenge) = OAuthBrowser.Pkce();
        var page = await browser.GetAsync(OAuthBrowser.AuthorizeUrl(challenge));
        var fields = OAuthBrowser.Hidden(page.Html);
        fields.Remove("csrf");
        fields["username"] = Alice;
        fields["password"] = MailNode.Password;
        var response = await browser.Http.PostAsync("connect/login", new FormUrlEncodedContent(fields));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task AWrongPasswordShowsTheFormAgainAndIsCountedLikeAFailedMailLogin()
    {
        using var browser = new OAuthBrowser(node);
        var (_, challenge) = OAuthBrowser.Pkce();
        var (status, html) = await browser.SignInAsync(OAuthBrowser.AuthorizeUrl(challenge), "bob@acme.example", "wrong password");
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Contains("Wrong address or password.", html, StringComparison.Ordinal);
        Assert.Contains("name=\"csrf\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CodeFlowWithPkceGivesAMailTokenAndACodeIsRedeemedOnce()
    {
        using var browser = new OAuthBrowser(node);
        var (verifier, challenge) = OAuthBrowser.Pkce();
        var code = await browser.AuthorizeAsync(Alice, MailNode.Password, challenge);
        var json = await browser.ExchangeCodeAsync(code, verifier);
        Assert.Equal("Bearer", json.GetProperty("token_type").GetString());
        Assert.Contains("mail", json.GetProperty("scope").GetString()!.Split(' '));
        Assert.True(json.TryGetProperty("refresh_token", out _));

        // RFC 6749 section 4.1.2: a code is used once.
        var (status, again) = await browser.TokenAsync(("grant_type", "authorization_code"), ("code", code), ("redirect_uri", OAuthBrowser.RedirectUri),
            ("client_id", OAuthBrowser.ClientId), ("code_verifier", verifier));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("invalid_grant", again.GetProperty("error").GetString());
    }

    [Fact]
    public async Task AWrongCodeVerifierIsRefused()
    {
        using var browser = new OAuthBrowser(node);
        var (_, challenge) = OAuthBrowser.Pkce();
        var code = await browser.AuthorizeAsync(Alice, MailNode.Password, challenge);
        var (status, json) = await browser.TokenAsync(("grant_type", "authorization_code"), ("code", code), ("redirect_uri", OAuthBrowser.RedirectUri),
            ("client_id", OAuthBrowser.ClientId), ("code_verifier", OAuthBrowser.Pkce().Verifier));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("invalid_grant", json.GetProperty("error").GetString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("plain")]
    public async Task AnAuthorizationRequestWithoutS256PkceIsRefused(string? method)
    {
        using var browser = new OAuthBrowser(node);
        var (verifier, challenge) = OAuthBrowser.Pkce();
        var url = method is null ? OAuthBrowser.AuthorizeUrl("", method: null) : OAuthBrowser.AuthorizeUrl(verifier, method);
        var (status, body) = await browser.GetAsync(url);
        // Refused before anyone signs in: no sign-in page, no code.
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("error:invalid_request", body, StringComparison.Ordinal);
        Assert.Contains("code_challenge", body, StringComparison.Ordinal);
        _ = challenge;
    }

    [Theory]
    [InlineData("http://127.0.0.1:53682/other")]
    [InlineData("http://127.0.0.1.evil.example/")]
    [InlineData("https://evil.example/")]
    [InlineData("http://127.0.0.1:53682/?x=1")]
    [InlineData("hostedmail:/oauth2redirect/x")]
    public async Task ARedirectUriThatIsNotRegisteredExactlyIsRefusedWithoutRedirecting(string redirectUri)
    {
        using var browser = new OAuthBrowser(node);
        var (_, challenge) = OAuthBrowser.Pkce();
        var (status, body) = await browser.GetAsync(OAuthBrowser.AuthorizeUrl(challenge, redirectUri: redirectUri));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.DoesNotContain("redirect:", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ALoopbackRedirectMatchesOnAnyPort()
    {
        using var browser = new OAuthBrowser(node);
        var (_, challenge) = OAuthBrowser.Pkce();
        var (status, html) = await browser.GetAsync(OAuthBrowser.AuthorizeUrl(challenge, redirectUri: "http://127.0.0.1:40123/"));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("Sign in", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ImplicitAndPasswordGrantsAreRefused()
    {
        using var browser = new OAuthBrowser(node);
        var (_, challenge) = OAuthBrowser.Pkce();
        var implicitFlow = await browser.GetAsync(OAuthBrowser.AuthorizeUrl(challenge).Replace("response_type=code", "response_type=token", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.BadRequest, implicitFlow.Status);
        Assert.Contains("error:unsupported_response_type", implicitFlow.Html, StringComparison.Ordinal);
        var (status, json) = await browser.TokenAsync(("grant_type", "password"), ("username", Alice), ("password", MailNode.Password), ("client_id", OAuthBrowser.ClientId));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("unsupported_grant_type", json.GetProperty("error").GetString());
    }

    [Fact]
    public async Task DenyingConsentSendsAccessDeniedToTheClient()
    {
        using var browser = new OAuthBrowser(node);
        var (_, challenge) = OAuthBrowser.Pkce();
        var consent = await browser.SignInAsync(OAuthBrowser.AuthorizeUrl(challenge), Alice, MailNode.Password);
        Assert.Contains("Read, send and fetch your mail", consent.Html, StringComparison.Ordinal);
        Assert.Contains("Mail clients", consent.Html, StringComparison.Ordinal);
        var location = await browser.SubmitConsentAsync(consent.Html, "connect/authorize", "deny");
        Assert.StartsWith(OAuthBrowser.RedirectUri, location, StringComparison.Ordinal);
        Assert.Contains("error=access_denied", location, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARefreshTokenIsRotatedAndItsReuseRevokesTheChain()
    {
        using var browser = new OAuthBrowser(node);
        var (access, refresh) = await browser.TokensAsync(Alice, MailNode.Password);
        var (status, rotated) = await browser.TokenAsync(("grant_type", "refresh_token"), ("refresh_token", refresh), ("client_id", OAuthBrowser.ClientId));
        Assert.Equal(HttpStatusCode.OK, status);
        var newRefresh = rotated.GetProperty("refresh_token").GetString()!;
        var newAccess = rotated.GetProperty("access_token").GetString()!;
        Assert.NotEqual(refresh, newRefresh);
        Assert.StartsWith("a OK", await OAuthSasl.ImapXOAuth2Async(node.ImapsPort, Alice, newAccess), StringComparison.Ordinal);

        // RFC 9700 section 4.14.2: the old refresh token again is reuse: refused, and the whole
        // chain with it (the new refresh token and the access tokens issued from it).
        var (reuseStatus, reuse) = await browser.TokenAsync(("grant_type", "refresh_token"), ("refresh_token", refresh), ("client_id", OAuthBrowser.ClientId));
        Assert.Equal(HttpStatusCode.BadRequest, reuseStatus);
        Assert.Equal("invalid_grant", reuse.GetProperty("error").GetString());
        var (afterStatus, after) = await browser.TokenAsync(("grant_type", "refresh_token"), ("refresh_token", newRefresh), ("client_id", OAuthBrowser.ClientId));
        Assert.Equal(HttpStatusCode.BadRequest, afterStatus);
        Assert.Equal("invalid_grant", after.GetProperty("error").GetString());
        Assert.StartsWith("a NO", await OAuthSasl.ImapXOAuth2Async(node.ImapsPort, Alice, newAccess), StringComparison.Ordinal);
        Assert.StartsWith("a NO", await OAuthSasl.ImapXOAuth2Async(node.ImapsPort, Alice, access), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheDeviceFlowGivesATokenOnceTheUserApprovesTheCode()
    {
        using var browser = new OAuthBrowser(node);
        var device = await browser.Http.PostAsync("connect/device", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["client_id"] = OAuthBrowser.ClientId,
            ["scope"] = "mail offline_access",
        }));
        var start = JsonDocument.Parse(await device.Content.ReadAsStringAsync()).RootElement;
        Assert.True(device.IsSuccessStatusCode, start.ToString());
        var deviceCode = start.GetProperty("device_code").GetString()!;
        var userCode = start.GetProperty("user_code").GetString()!;
        Assert.Equal(node.Issuer + "connect/verify", start.GetProperty("verification_uri").GetString());

        // RFC 8628 section 3.5: polling before approval says authorization_pending.
        var (pendingStatus, pending) = await browser.TokenAsync(("grant_type", "urn:ietf:params:oauth:grant-type:device_code"), ("device_code", deviceCode), ("client_id", OAuthBrowser.ClientId));
        Assert.Equal(HttpStatusCode.BadRequest, pendingStatus);
        Assert.Equal("authorization_pending", pending.GetProperty("error").GetString());

        var codeForm = await browser.SignInAsync("connect/verify", Alice, MailNode.Password);
        Assert.Contains("Enter the code", codeForm.Html, StringComparison.Ordinal);
        var consent = await browser.GetAsync("connect/verify?user_code=" + Uri.EscapeDataString(userCode));
        Assert.Equal(HttpStatusCode.OK, consent.Status);
        Assert.Contains("Allow access?", consent.Html, StringComparison.Ordinal);
        Assert.Equal("connect/verified", (await browser.SubmitConsentAsync(consent.Html, "connect/verify", "allow")).TrimStart('/'));

        var (status, tokens) = await browser.TokenAsync(("grant_type", "urn:ietf:params:oauth:grant-type:device_code"), ("device_code", deviceCode), ("client_id", OAuthBrowser.ClientId));
        Assert.Equal(HttpStatusCode.OK, status);
        var access = tokens.GetProperty("access_token").GetString()!;
        Assert.StartsWith("a OK", await OAuthSasl.ImapXOAuth2Async(node.ImapsPort, Alice, access), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AWrongDeviceCodeIsAskedForAgain()
    {
        using var browser = new OAuthBrowser(node);
        await browser.SignInAsync("connect/verify", Alice, MailNode.Password);
        var (status, html) = await browser.GetAsync("connect/verify?user_code=WRONG-CODE");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("not valid or has expired", html, StringComparison.Ordinal);
    }
}
