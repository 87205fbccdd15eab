using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace HostedMail.Portal.Tests;

/// <summary>An HTTP client with a cookie jar that sends the CSRF token with changes, as the SPA will.</summary>
internal sealed class PortalClient : IDisposable
{
    private readonly HttpClient _http;

    public PortalClient(PortalHost host)
    {
        Cookies = new CookieContainer();
        _http = new HttpClient(new HttpClientHandler { CookieContainer = Cookies, UseCookies = true }) { BaseAddress = host.BaseAddress };
    }

    public CookieContainer Cookies { get; }

    public string? Csrf { get; set; }

    public string? BearerToken { get; set; }

    public long TenantId { get; set; }

    public async Task LoginAsync(string email, string password, string? totpCode = null)
    {
        var response = await PostAsync("/api/v1/auth/login", new { email, password, totpCode });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Csrf = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("csrfToken").GetString();
    }

    public Task<HttpResponseMessage> GetAsync(string path) => SendAsync(HttpMethod.Get, path, null);

    public Task<HttpResponseMessage> PostAsync(string path, object? body) => SendAsync(HttpMethod.Post, path, body);

    public Task<HttpResponseMessage> PutAsync(string path, object? body) => SendAsync(HttpMethod.Put, path, body);

    public Task<HttpResponseMessage> PatchAsync(string path, object? body) => SendAsync(HttpMethod.Patch, path, body);

    public Task<HttpResponseMessage> DeleteAsync(string path) => SendAsync(HttpMethod.Delete, path, null);

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, object? body, bool withCsrf = true)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        if (withCsrf && Csrf is not null && method != HttpMethod.Get)
        {
            request.Headers.Add("X-CSRF-Token", Csrf);
        }

        if (BearerToken is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", BearerToken);
        }

        return await _http.SendAsync(request);
    }

    public async Task<JsonElement> GetJsonAsync(string path, HttpStatusCode expected = HttpStatusCode.OK) => await ExpectAsync(await GetAsync(path), expected);

    public async Task<JsonElement> PostJsonAsync(string path, object? body, HttpStatusCode expected) => await ExpectAsync(await PostAsync(path, body), expected);

    public static async Task<JsonElement> ExpectAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Asserts an RFC 9457 problem with this status; returns it.</summary>
    public static async Task<JsonElement> ExpectProblemAsync(HttpResponseMessage response, HttpStatusCode expected, string? field = null)
    {
        var problem = await ExpectAsync(response, expected);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal((int)expected, problem.GetProperty("status").GetInt32());
        if (field is not null)
        {
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"no error for field {field}: {problem}");
        }

        return problem;
    }

    public void Dispose() => _http.Dispose();
}
