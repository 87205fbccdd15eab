using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using HostedMail.Core.Accounts;
using HostedMail.Core.Audit;
using HostedMail.Identity.Accounts;
using HostedMail.Identity.OAuth;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace HostedMail.IntegrationTests.OAuth;

/// <summary>
/// Portal accounts on a node with the authorization server: made through the portal's own
/// services (sign-up, confirmation, TOTP enrolment), signed in on the authorization pages for the
/// api scope, and their tokens used on /api/v1.
/// </summary>
internal sealed class PortalApiAccess(OAuthNode node)
{
    public const string ApiRedirectUri = "http://127.0.0.1:53690/";

    public sealed record Owner(long TenantId, long UserId, string Email, byte[]? TotpSecret, IReadOnlyList<string> RecoveryCodes);

    /// <summary>A new tenant with a confirmed owner; with <paramref name="totp"/> the owner has two-factor authentication on.</summary>
    public async Task<Owner> NewOwnerAsync(string tenantName, bool totp)
    {
        var accounts = node.Services.GetRequiredService<AccountService>();
        var email = "owner@" + tenantName + ".example";
        var signUp = await accounts.SignUpAsync(tenantName, null, email, MailNode.Password, null, IPAddress.Loopback);
        Assert.True(await accounts.ConfirmEmailAsync(signUp.ConfirmationToken, IPAddress.Loopback));
        var user = (await accounts.GetUserAsync(signUp.TenantId, signUp.Owner.UserId))!;
        if (!totp)
        {
            return new Owner(signUp.TenantId, user.UserId, email, null, []);
        }

        var enrolment = await accounts.BeginTotpAsync(user);
        var secret = Base32Decode(enrolment.Secret);
        // The step before now: sign-in then uses the current one, which is later (RFC 6238 section 5.2).
        var codes = await accounts.EnableTotpAsync(user, Totp.Code(secret, Totp.StepAt(DateTimeOffset.UtcNow) - 1), new Actor("test"));
        return new Owner(signUp.TenantId, user.UserId, email, secret, codes);
    }

    public static string CurrentCode(byte[] secret) => Totp.Code(secret, Totp.StepAt(DateTimeOffset.UtcNow));

    public static string AuthorizeUrl(string challenge, string scope = "api offline_access", string clientId = ApiOAuth.ApiToolsClientId) =>
        "connect/authorize?response_type=code&client_id=" + clientId + "&redirect_uri=" + Uri.EscapeDataString(ApiRedirectUri)
        + "&scope=" + Uri.EscapeDataString(scope) + "&state=st4te&code_challenge=" + challenge + "&code_challenge_method=S256";

    /// <summary>Posts the portal sign-in form shown at <paramref name="html"/>; the page after it (a redirect is followed once).</summary>
    public static async Task<(HttpStatusCode Status, string Html)> PostPortalSignInAsync(OAuthBrowser browser, string html, string email, string password, string? totp = null, string? recovery = null)
    {
        Assert.Contains("<form method=\"post\" action=\"/connect/login/portal\">", html, StringComparison.Ordinal);
        var fields = OAuthBrowser.Hidden(html);
        fields["username"] = email;
        fields["password"] = password;
        fields["totp_code"] = totp ?? "";
        fields["recovery_code"] = recovery ?? "";
        var posted = await browser.Http.PostAsync("connect/login/portal", new FormUrlEncodedContent(fields));
        if (posted.StatusCode != HttpStatusCode.Redirect)
        {
            return (posted.StatusCode, await posted.Content.ReadAsStringAsync());
        }

        return await browser.GetAsync(posted.Headers.Location!.OriginalString);
    }

    /// <summary>The code flow for the api scope through the portal sign-in and consent: the token answer.</summary>
    public async Task<JsonElement> ApiTokensAsync(Owner owner, string? recoveryCode = null)
    {
        using var browser = new OAuthBrowser(node);
        var (verifier, challenge) = OAuthBrowser.Pkce();
        var page = await browser.GetAsync(AuthorizeUrl(challenge));
        Assert.Equal(HttpStatusCode.OK, page.Status);
        var consent = await PostPortalSignInAsync(browser, page.Html, owner.Email, MailNode.Password,
            owner.TotpSecret is null || recoveryCode is not null ? null : CurrentCode(owner.TotpSecret), recoveryCode);
        Assert.True(consent.Status == HttpStatusCode.OK, consent.Html);
        Assert.Contains("wants to act in the portal as <strong>" + owner.Email + "</strong>", consent.Html, StringComparison.Ordinal);
        Assert.Contains("Manage your tenant through the portal API", consent.Html, StringComparison.Ordinal);
        var location = await browser.SubmitConsentAsync(consent.Html, "connect/authorize", "allow");
        Assert.StartsWith(ApiRedirectUri, location, StringComparison.Ordinal);
        var code = System.Web.HttpUtility.ParseQueryString(new Uri(location).Query)["code"]!;
        var (status, json) = await browser.TokenAsync(("grant_type", "authorization_code"), ("code", code), ("redirect_uri", ApiRedirectUri),
            ("client_id", ApiOAuth.ApiToolsClientId), ("code_verifier", verifier));
        Assert.True(status == HttpStatusCode.OK, json.ToString());
        return json;
    }

    public async Task<string> ApiAccessTokenAsync(Owner owner) => (await ApiTokensAsync(owner)).GetProperty("access_token").GetString()!;

    /// <summary>A client-credentials token (or the error answer).</summary>
    public async Task<(HttpStatusCode Status, JsonElement Json)> ClientTokenAsync(string clientId, string secret, string? scope = "api")
    {
        using var browser = new OAuthBrowser(node);
        var form = new List<(string, string)> { ("grant_type", "client_credentials"), ("client_id", clientId), ("client_secret", secret) };
        if (scope is not null)
        {
            form.Add(("scope", scope));
        }

        return await browser.TokenAsync([.. form]);
    }

    /// <summary>Calls the portal API with a bearer token: the status and the body.</summary>
    public async Task<(HttpStatusCode Status, string Body, HttpResponseMessage Response)> ApiAsync(HttpMethod method, string path, string token, object? body = null)
    {
        using var http = new HttpClient { BaseAddress = new Uri(node.Issuer) };
        using var request = new HttpRequestMessage(method, path.TrimStart('/'));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null)
        {
            request.Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
        }

        var response = await http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), response);
    }

    /// <summary>
    /// A token signed with the node's own current key from <paramref name="model"/>'s claims, with
    /// changes: what an attacker cannot make, used to prove each check on its own (an expired
    /// token that is otherwise perfect, another audience, another tenant).
    /// </summary>
    public async Task<string> ForgeAsync(string model, Action<Dictionary<string, object>> change, DateTime? expires = null, string? audience = null)
    {
        var original = new JsonWebToken(model);
        var claims = new Dictionary<string, object>();
        foreach (var claim in original.Claims.Where(c => c.Type is not ("aud" or "exp" or "nbf" or "iat" or "iss")))
        {
            claims[claim.Type] = claim.Value;
        }

        change(claims);
        var key = (await node.Services.GetRequiredService<SigningKeyRing>().LoadAsync(SigningKeyRing.SigningPurpose, CancellationToken.None))[0];
        var end = expires ?? DateTime.UtcNow.AddMinutes(30);
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = node.Issuer,
            Audience = audience ?? original.Audiences.Single(),
            Claims = claims,
            IssuedAt = end.AddHours(-1),
            NotBefore = end.AddHours(-1),
            Expires = end,
            TokenType = "at+jwt",
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.RsaSha256),
        });
    }

    public async Task<long> DomainIdAsync(string name) =>
        long.Parse((await node.QueryAsync("SELECT domain_id FROM domains WHERE name = @n", ("n", name)))!, CultureInfo.InvariantCulture);

    private static byte[] Base32Decode(string text)
    {
        const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        var bytes = new List<byte>();
        int buffer = 0, bits = 0;
        foreach (var c in text.TrimEnd('=').ToUpperInvariant())
        {
            buffer = (buffer << 5) | Alphabet.IndexOf(c, StringComparison.Ordinal);
            bits += 5;
            if (bits >= 8)
            {
                bytes.Add((byte)(buffer >> (bits - 8)));
                bits -= 8;
                buffer &= (1 << bits) - 1;
            }
        }

        return [.. bytes];
    }
}
