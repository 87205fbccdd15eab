using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace HostedMail.Portal.Tests;

/// <summary>docs/api.md against the running API: every endpoint it documents exists with that method.</summary>
public sealed partial class ApiDocumentationTests(PortalHost host) : IClassFixture<PortalHost>
{
    [Fact]
    public async Task EveryDocumentedEndpointIsInTheOpenApiDocument()
    {
        using var http = new HttpClient { BaseAddress = host.BaseAddress };
        var openApi = await http.GetFromJsonAsync<JsonElement>("/api/v1/openapi.json");
        var served = new HashSet<string>(StringComparer.Ordinal);
        foreach (var path in openApi.GetProperty("paths").EnumerateObject())
        {
            foreach (var method in path.Value.EnumerateObject())
            {
                served.Add(method.Name.ToUpperInvariant() + " " + path.Name.TrimEnd('/'));
            }
        }

        var text = await File.ReadAllTextAsync(Path.Combine(RepositoryRoot(), "docs", "api.md"));
        var endpoints = text[text.IndexOf("## Endpoints", StringComparison.Ordinal)..text.IndexOf("## Client configuration", StringComparison.Ordinal)];
        var documented = new List<string>();
        foreach (Match m in Endpoint().Matches(endpoints))
        {
            var path = "/api/v1" + m.Groups["path"].Value.Split('?')[0].TrimEnd('/');
            documented.AddRange(m.Groups["methods"].Value.Split('/').Select(method => method + " " + path));
        }

        Assert.True(documented.Count > 40, $"only {documented.Count} endpoints found in docs/api.md");
        var missing = documented.Where(d => !served.Contains(d)).ToList();
        Assert.True(missing.Count == 0, "documented but not served: " + string.Join(", ", missing));
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "HostedMail.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("HostedMail.sln not found above " + AppContext.BaseDirectory);
    }

    // `GET /domains/{id}`, `GET/PATCH/DELETE /mailboxes/{id}`, `POST /aliases {address, targets}`; "..." elisions are skipped.
    [GeneratedRegex(@"`(?<methods>(?:GET|POST|PUT|PATCH|DELETE)(?:/(?:GET|POST|PUT|PATCH|DELETE))*) (?<path>/[A-Za-z0-9_\-/{}?=&<>.]*)")]
    private static partial Regex Endpoint();
}
