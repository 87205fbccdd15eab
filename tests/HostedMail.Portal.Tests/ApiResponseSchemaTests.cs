using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace HostedMail.Portal.Tests;

/// <summary>
/// The OpenAPI document declares every answer of <c>/api/v1</c> (the web client's response types are
/// generated from it, web/src/api/schema.d.ts), and real answers match what it declares.
/// </summary>
public sealed partial class ApiResponseSchemaTests(PortalHost host) : IClassFixture<PortalHost>
{
    private async Task<JsonElement> DocumentAsync()
    {
        using var http = new HttpClient { BaseAddress = host.BaseAddress };
        return await http.GetFromJsonAsync<JsonElement>("/api/v1/openapi.json");
    }

    [Fact]
    public async Task EveryApiEndpointIsDocumentedWithItsSuccessAnswer()
    {
        var document = await DocumentAsync();
        var paths = document.GetProperty("paths");
        var documented = new HashSet<string>(StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (var path in paths.EnumerateObject().Where(p => p.Name.StartsWith("/api/v1/", StringComparison.Ordinal)))
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                var name = operation.Name.ToUpperInvariant() + " " + path.Name.TrimEnd('/');
                documented.Add(name);
                var success = operation.Value.GetProperty("responses").EnumerateObject().Where(r => r.Name.StartsWith('2')).ToList();
                if (success.Count == 0)
                {
                    problems.Add(name + ": no 2xx response");
                }

                foreach (var response in success)
                {
                    var hasContent = response.Value.TryGetProperty("content", out var content) && content.EnumerateObject().Any();
                    if (response.Name is "202" or "204")
                    {
                        // No body is written with these (RFC 9110 section 15.3.5 for 204).
                        if (hasContent)
                        {
                            problems.Add($"{name}: {response.Name} declares a body");
                        }
                    }
                    else if (!hasContent || !content.EnumerateObject().All(c => c.Value.TryGetProperty("schema", out var s) && (s.TryGetProperty("$ref", out _) || s.TryGetProperty("type", out _))))
                    {
                        problems.Add($"{name}: {response.Name} has no response schema (add .Produces<T>() to the endpoint)");
                    }
                }
            }
        }

        // The routes themselves, so an endpoint left out of the document is noticed too.
        var routes = host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api/v1/", StringComparison.Ordinal) == true && e.Metadata.GetMetadata<IExcludeFromDescriptionMetadata>() is not { ExcludeFromDescription: true })
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? []).Select(m => m + " " + RouteConstraint().Replace(e.RoutePattern.RawText!, "}").TrimEnd('/')))
            .Where(r => !r.EndsWith(" /api/v1/{documentName}/openapi.json", StringComparison.Ordinal))
            .ToList();
        Assert.True(routes.Count > 40, $"only {routes.Count} /api/v1 routes found");
        problems.AddRange(routes.Where(r => !documented.Contains(r)).Select(r => r + ": mapped but not in the OpenAPI document"));
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public async Task AnswersMatchTheSchemasTheDocumentDeclares()
    {
        var document = await DocumentAsync();
        using var client = await host.NewTenantAsync("schemas");
        var domainId = await host.AddVerifiedDomainAsync(client, "schemas.example");
        await client.PostJsonAsync("/api/v1/domains", new { name = "pending-schemas.example" }, HttpStatusCode.Created);
        var mailbox = await client.PostJsonAsync("/api/v1/mailboxes", new { address = "ann@schemas.example", password = "a long passphrase", displayName = "Ann" }, HttpStatusCode.Created);
        var mailboxId = mailbox.GetProperty("id").GetInt64();
        await client.PostJsonAsync("/api/v1/aliases", new { address = "info@schemas.example", targets = new[] { "ann@schemas.example" } }, HttpStatusCode.Created);
        await client.PostJsonAsync($"/api/v1/mailboxes/{mailboxId}/app-passwords", new { name = "phone" }, HttpStatusCode.Created);

        var failures = new List<string>();
        Check(document, "post", "/api/v1/mailboxes", "201", mailbox, failures);
        foreach (var (template, path) in new[]
        {
            ("/api/v1/auth/session", "/api/v1/auth/session"),
            ("/api/v1/account", "/api/v1/account"),
            ("/api/v1/account/sessions", "/api/v1/account/sessions"),
            ("/api/v1/tenant", "/api/v1/tenant"),
            ("/api/v1/billing", "/api/v1/billing"),
            ("/api/v1/users", "/api/v1/users"),
            ("/api/v1/domains", "/api/v1/domains"),
            ("/api/v1/domains/{id}", $"/api/v1/domains/{domainId}"),
            ("/api/v1/domains/{id}/records", $"/api/v1/domains/{domainId}/records"),
            ("/api/v1/domains/{id}/dkim", $"/api/v1/domains/{domainId}/dkim"),
            ("/api/v1/mailboxes", "/api/v1/mailboxes"),
            ("/api/v1/mailboxes/{id}/app-passwords", $"/api/v1/mailboxes/{mailboxId}/app-passwords"),
            ("/api/v1/aliases", "/api/v1/aliases"),
            ("/api/v1/audit", "/api/v1/audit"),
            ("/api/v1/audit/actions", "/api/v1/audit/actions"),
        })
        {
            Check(document, "get", template, "200", await client.GetJsonAsync(path), failures);
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public async Task TheSchemaCheckRejectsAnAnswerOfAnotherShape()
    {
        var document = await DocumentAsync();
        var schema = ResponseSchema(document, "get", "/api/v1/mailboxes/{id}", "200");
        var valid = JsonDocument.Parse("""{"id":1,"domainId":2,"address":"a@b.example","displayName":null,"quotaBytes":10,"usedBytes":0,"state":"active","createdAt":"2026-11-23T12:00:00+00:00"}""").RootElement;
        var errors = new List<string>();
        Validate(document, schema, valid, "$", errors);
        Assert.Empty(errors);

        foreach (var wrong in new[]
        {
            """{"id":1,"domainId":2,"address":"a@b.example","displayName":null,"quotaBytes":10,"usedBytes":0,"state":"on","createdAt":"2026-11-23T12:00:00+00:00"}""",
            """{"id":1,"domainId":2,"address":"a@b.example","displayName":null,"quotaBytes":10,"usedBytes":0,"state":"active","createdAt":"2026-11-23T12:00:00+00:00","extra":1}""",
            """{"id":"1","domainId":2,"address":"a@b.example","displayName":null,"quotaBytes":10,"usedBytes":0,"state":"active","createdAt":"2026-11-23T12:00:00+00:00"}""",
            """{"id":1,"address":"a@b.example","displayName":null,"quotaBytes":10,"usedBytes":0,"state":"active","createdAt":"2026-11-23T12:00:00+00:00"}""",
            """{"items":[],"total":0}""",
        })
        {
            errors.Clear();
            Validate(document, schema, JsonDocument.Parse(wrong).RootElement, "$", errors);
            Assert.True(errors.Count > 0, "accepted: " + wrong);
        }
    }

    private static void Check(JsonElement document, string method, string template, string status, JsonElement body, List<string> failures)
    {
        var errors = new List<string>();
        Validate(document, ResponseSchema(document, method, template, status), body, "$", errors);
        failures.AddRange(errors.Select(e => $"{method.ToUpperInvariant()} {template}: {e}"));
    }

    private static JsonElement ResponseSchema(JsonElement document, string method, string template, string status)
    {
        var paths = document.GetProperty("paths");
        var path = paths.TryGetProperty(template, out var p) ? p : paths.GetProperty(template + "/");
        return path.GetProperty(method).GetProperty("responses").GetProperty(status).GetProperty("content").GetProperty("application/json").GetProperty("schema");
    }

    // A small JSON Schema check of what the OpenAPI document uses ($ref, type, properties,
    // required, items, enum, additionalProperties, oneOf/anyOf/allOf). Stricter than JSON
    // Schema on one point: a member the schema does not name is an error, since every property
    // of the DTO is declared and anything else means another object was written.
    private static void Validate(JsonElement document, JsonElement schema, JsonElement value, string at, List<string> errors)
    {
        if (schema.TryGetProperty("$ref", out var reference))
        {
            var name = reference.GetString()!["#/components/schemas/".Length..];
            Validate(document, document.GetProperty("components").GetProperty("schemas").GetProperty(name), value, at, errors);
            return;
        }

        foreach (var (keyword, all) in new[] { ("oneOf", false), ("anyOf", false), ("allOf", true) })
        {
            if (schema.TryGetProperty(keyword, out var branches))
            {
                var results = branches.EnumerateArray().Select(b =>
                {
                    var branchErrors = new List<string>();
                    Validate(document, b, value, at, branchErrors);
                    return branchErrors;
                }).ToList();
                if (all ? results.Any(r => r.Count > 0) : results.All(r => r.Count > 0))
                {
                    errors.Add($"{at}: matches no {keyword} branch ({string.Join("; ", results.SelectMany(r => r))})");
                }
            }
        }

        if (schema.TryGetProperty("enum", out var allowed) && !allowed.EnumerateArray().Any(a => JsonElement.DeepEquals(a, value)))
        {
            errors.Add($"{at}: {value.GetRawText()} is not one of {allowed.GetRawText()}");
        }

        if (!schema.TryGetProperty("type", out var typeElement))
        {
            return;
        }

        var types = typeElement.ValueKind == JsonValueKind.Array ? typeElement.EnumerateArray().Select(t => t.GetString()!).ToList() : [typeElement.GetString()!];
        var actual = value.ValueKind switch
        {
            JsonValueKind.Object => "object",
            JsonValueKind.Array => "array",
            JsonValueKind.String => "string",
            JsonValueKind.Number => value.TryGetInt64(out _) ? "integer" : "number",
            JsonValueKind.True or JsonValueKind.False => "boolean",
            _ => "null",
        };
        if (!types.Contains(actual) && !(actual == "integer" && types.Contains("number")))
        {
            errors.Add($"{at}: {actual} where the schema says {string.Join(" | ", types)}");
            return;
        }

        if (actual == "array" && schema.TryGetProperty("items", out var items))
        {
            var i = 0;
            foreach (var item in value.EnumerateArray())
            {
                Validate(document, items, item, $"{at}[{i++}]", errors);
            }
        }

        if (actual != "object")
        {
            return;
        }

        var properties = schema.TryGetProperty("properties", out var p) ? p : default;
        if (schema.TryGetProperty("required", out var required))
        {
            foreach (var name in required.EnumerateArray().Select(r => r.GetString()!).Where(r => !value.TryGetProperty(r, out _)))
            {
                errors.Add($"{at}: required member {name} is missing");
            }
        }

        foreach (var member in value.EnumerateObject())
        {
            if (properties.ValueKind == JsonValueKind.Object && properties.TryGetProperty(member.Name, out var propertySchema))
            {
                Validate(document, propertySchema, member.Value, $"{at}.{member.Name}", errors);
            }
            else if (schema.TryGetProperty("additionalProperties", out var additional) && additional.ValueKind == JsonValueKind.Object)
            {
                Validate(document, additional, member.Value, $"{at}.{member.Name}", errors);
            }
            else
            {
                errors.Add($"{at}: member {member.Name} is not in the schema");
            }
        }
    }

    // {id:long} in a route pattern is {id} in the document.
    [GeneratedRegex(@":[^}]+\}")]
    private static partial Regex RouteConstraint();
}
