using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace HostedMail.IntegrationTests.OAuth;

/// <summary>
/// What a browser without JavaScript does on the authorization pages: follows the forms (sign-in,
/// consent, device code) with cookies, never following the final redirect to the client.
/// </summary>
internal sealed partial class OAuthBrowser : IDisposable
{
    public const string ClientId = "hostedmail-mail";
    public const string RedirectUri = "http://127.0.0.1:53682/";

    private readonly HttpClient _http;

    public OAuthBrowser(OAuthNode node)
        : this(new Uri(node.Issuer))
    {
    }

    /// <summary>A browser talking to one node of several (they share the issuer, not the address).</summary>
    public OAuthBrowser(Uri node)
    {
        _http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer(), UseCookies = true })
        {
            BaseAddress = node,
        };
    }

    public HttpClient Http => _http;

    public void Dispose() => _http.Dispose();

    public static (string Verifier, string Challenge) Pkce()
    {
        var verifier = Base64Url(RandomNumberGenerator.GetBytes(32));
        return (verifier, Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))));
    }

    public static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static string AuthorizeUrl(string challenge, string? method = "S256", string redirectUri = RedirectUri, string scope = "mail offline_access")
    {
        var query = new List<string>
        {
            "response_type=code", "client_id=" + ClientId, "redirect_uri=" + Uri.EscapeDataString(redirectUri),
            "scope=" + Uri.EscapeDataString(scope), "state=st4te",
        };
        if (challenge.Length > 0)
        {
            query.Add("code_challenge=" + challenge);
        }

        if (method is not null)
        {
            query.Add("code_challenge_method=" + method);
        }

        return "connect/authorize?" + string.Join('&', query);
    }

    /// <summary>Signs in on the page <paramref name="path"/> shows, then returns the page after the sign-in.</summary>
    public async Task<(HttpStatusCode Status, string Html)> SignInAsync(string path, string username, string password)
    {
        var page = await GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Contains("Sign in", page.Html, StringComparison.Ordinal);
        var fields = Hidden(page.Html);
        fields["username"] = username;
        fields["password"] = password;
        var posted = await _http.PostAsync("connect/login", new FormUrlEncodedContent(fields));
        if (posted.StatusCode != HttpStatusCode.Redirect)
        {
            return (posted.StatusCode, await posted.Content.ReadAsStringAsync());
        }

        return await GetAsync(posted.Headers.Location!.OriginalString);
    }

    /// <summary>Code + PKCE through sign-in and consent; the redirect's code.</summary>
    public async Task<string> AuthorizeAsync(string username, string password, string challenge)
    {
        var consent = await SignInAsync(AuthorizeUrl(challenge), username, password);
        Assert.Equal(HttpStatusCode.OK, consent.Status);
        Assert.Contains("Allow access?", consent.Html, StringComparison.Ordinal);
        var location = await SubmitConsentAsync(consent.Html, "connect/authorize", "allow");
        Assert.StartsWith(RedirectUri, location, StringComparison.Ordinal);
        var query = System.Web.HttpUtility.ParseQueryString(new Uri(location).Query);
        Assert.Equal("st4te", query["state"]);
        return query["code"] ?? throw new InvalidOperationException("no code in " + location);
    }

    public async Task<string> SubmitConsentAsync(string html, string action, string decision)
    {
        var fields = Hidden(html);
        fields["decision"] = decision;
        var response = await _http.PostAsync(action, new FormUrlEncodedContent(fields));
        Assert.True(response.StatusCode == HttpStatusCode.Redirect, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return response.Headers.Location!.OriginalString;
    }

    public async Task<(HttpStatusCode Status, JsonElement Json)> TokenAsync(params (string Name, string Value)[] form)
    {
        var response = await _http.PostAsync("connect/token", new FormUrlEncodedContent(form.Select(f => KeyValuePair.Create(f.Name, f.Value))));
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    public async Task<JsonElement> ExchangeCodeAsync(string code, string verifier)
    {
        var (status, json) = await TokenAsync(("grant_type", "authorization_code"), ("code", code), ("redirect_uri", RedirectUri), ("client_id", ClientId), ("code_verifier", verifier));
        Assert.True(status == HttpStatusCode.OK, json.ToString());
        return json;
    }

    /// <summary>The whole code flow for one mailbox: its access and refresh tokens.</summary>
    public async Task<(string AccessToken, string RefreshToken)> TokensAsync(string username, string password)
    {
        var (verifier, challenge) = Pkce();
        var code = await AuthorizeAsync(username, password, challenge);
        var json = await ExchangeCodeAsync(code, verifier);
        return (json.GetProperty("access_token").GetString()!, json.GetProperty("refresh_token").GetString()!);
    }

    public async Task<(HttpStatusCode Status, string Html)> GetAsync(string path)
    {
        var response = await _http.GetAsync(path);
        return (response.StatusCode, response.StatusCode == HttpStatusCode.Redirect
            ? "redirect:" + response.Headers.Location!.OriginalString
            : await response.Content.ReadAsStringAsync());
    }

    public static Dictionary<string, string> Hidden(string html) =>
        HiddenInput().Matches(html).ToDictionary(m => WebUtility.HtmlDecode(m.Groups[1].Value), m => WebUtility.HtmlDecode(m.Groups[2].Value));

    [GeneratedRegex("<input type=\"hidden\" name=\"([^\"]*)\" value=\"([^\"]*)\">")]
    private static partial Regex HiddenInput();
}
