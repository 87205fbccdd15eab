using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;

namespace HostedMail.IntegrationTests.Billing;

/// <summary>
/// The Stripe API endpoints billing calls, on loopback, with the checks Stripe makes (bearer key,
/// form encoding, an idempotency key on every POST, the expand parameters billing relies on) and
/// Stripe's idempotency (a repeated key gets the first answer). It holds subscriptions the test
/// sets, and builds and signs webhook events as Stripe does: <c>t=</c>, <c>v1=</c> HMAC-SHA256 of
/// <c>"{t}.{body}"</c>. Every request is recorded for the tests' assertions.
/// </summary>
public sealed class FakeStripe : IAsyncDisposable
{
    public const string SecretKey = "sk_test_fake";

    private readonly WebApplication app;
    private readonly ConcurrentDictionary<string, (int Status, string Body)> idempotent = new();
    private readonly ConcurrentDictionary<string, JsonObject> subscriptions = new();
    private readonly ConcurrentDictionary<string, ConcurrentQueue<int>> failures = new();
    private int sequence;

    public sealed record Request(string Method, string Path, string? IdempotencyKey, IReadOnlyDictionary<string, StringValues> Form, IReadOnlyDictionary<string, StringValues> Query);

    public ConcurrentQueue<Request> Requests { get; } = new();

    /// <summary>Assertion failures seen while answering (the client only sees a 400); the tests assert this stays empty.</summary>
    public ConcurrentQueue<string> Violations { get; } = new();

    public Uri BaseAddress { get; }

    private FakeStripe(WebApplication app, Uri baseAddress)
    {
        this.app = app;
        BaseAddress = baseAddress;
    }

    public static async Task<FakeStripe> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        FakeStripe? fake = null;
        app.Run(context => fake!.HandleAsync(context));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        fake = new FakeStripe(app, new Uri(address));
        return fake;
    }

    /// <summary>The next <paramref name="statuses"/> answers to requests whose path starts with <paramref name="pathPrefix"/> are these errors.</summary>
    public void FailNext(string pathPrefix, params int[] statuses) =>
        failures[pathPrefix] = new ConcurrentQueue<int>(statuses);

    public IReadOnlyList<Request> RequestsTo(string method, string pathPrefix) =>
        Requests.Where(r => r.Method == method && r.Path.StartsWith(pathPrefix, StringComparison.Ordinal)).ToList();

    /// <summary>Sets the subscription Stripe holds (what a GET answers).</summary>
    public JsonObject SetSubscription(string id, string customer, string priceId, string status, long quantity, long? tenantId, DateTimeOffset periodEnd)
    {
        var subscription = new JsonObject
        {
            ["id"] = id,
            ["object"] = "subscription",
            ["customer"] = customer,
            ["status"] = status,
            ["cancel_at_period_end"] = false,
            ["created"] = periodEnd.AddMonths(-1).ToUnixTimeSeconds(),
            ["metadata"] = tenantId is { } t ? new JsonObject { ["tenant_id"] = t.ToString(CultureInfo.InvariantCulture) } : new JsonObject(),
            ["items"] = new JsonObject
            {
                ["object"] = "list",
                ["has_more"] = false,
                ["url"] = "/v1/subscription_items?subscription=" + id,
                ["data"] = new JsonArray(new JsonObject
                {
                    ["id"] = "si_" + id,
                    ["object"] = "subscription_item",
                    ["quantity"] = quantity,
                    ["current_period_end"] = periodEnd.ToUnixTimeSeconds(),
                    ["price"] = new JsonObject
                    {
                        ["id"] = priceId,
                        ["object"] = "price",
                        ["recurring"] = new JsonObject { ["interval"] = priceId.EndsWith("_y", StringComparison.Ordinal) ? "year" : "month", ["interval_count"] = 1 },
                    },
                }),
            },
        };
        subscriptions[id] = subscription;
        return (JsonObject)subscription.DeepClone();
    }

    public JsonObject Subscription(string id) => (JsonObject)subscriptions[id].DeepClone();

    /// <summary>An event as Stripe sends it (JSON text), for the API version <paramref name="apiVersion"/> (Stripe.net's own by default).</summary>
    public static string Event(string id, string type, JsonObject dataObject, DateTimeOffset created, string? apiVersion = null) => new JsonObject
    {
        ["id"] = id,
        ["object"] = "event",
        ["api_version"] = apiVersion ?? Stripe.StripeConfiguration.ApiVersion,
        ["created"] = created.ToUnixTimeSeconds(),
        ["livemode"] = false,
        ["pending_webhooks"] = 1,
        ["request"] = new JsonObject { ["id"] = null, ["idempotency_key"] = null },
        ["type"] = type,
        ["data"] = new JsonObject { ["object"] = dataObject.DeepClone() },
    }.ToJsonString();

    public static JsonObject CheckoutSession(string customer, string? clientReferenceId, string subscription) => new()
    {
        ["id"] = "cs_test_" + Guid.NewGuid().ToString("N")[..10],
        ["object"] = "checkout.session",
        ["mode"] = "subscription",
        ["customer"] = customer,
        ["client_reference_id"] = clientReferenceId,
        ["subscription"] = subscription,
        ["status"] = "complete",
        ["payment_status"] = "paid",
    };

    public static JsonObject Invoice(string customer, string subscription, long amountDue) => new()
    {
        ["id"] = "in_" + Guid.NewGuid().ToString("N")[..10],
        ["object"] = "invoice",
        ["customer"] = customer,
        ["amount_due"] = amountDue,
        ["currency"] = "eur",
        ["parent"] = new JsonObject
        {
            ["type"] = "subscription_details",
            ["subscription_details"] = new JsonObject { ["subscription"] = subscription },
        },
    };

    /// <summary>The Stripe-Signature header for <paramref name="body"/>, computed here independently of the code under test.</summary>
    public static string Sign(string body, DateTimeOffset at, params string[] secrets)
    {
        var t = at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var parts = new List<string> { "t=" + t };
        foreach (var secret in secrets)
        {
            parts.Add("v1=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(t + "." + body))));
        }

        return string.Join(',', parts);
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var form = new Dictionary<string, StringValues>();
        if (HttpMethods.IsPost(request.Method))
        {
            if (request.ContentType?.StartsWith("application/x-www-form-urlencoded", StringComparison.Ordinal) != true)
            {
                Violations.Enqueue($"{request.Path}: content type {request.ContentType}, not a form");
            }

            using var reader = new StreamReader(request.Body, Encoding.UTF8);
            form = QueryHelpers.ParseQuery(await reader.ReadToEndAsync());
        }

        var key = request.Headers["Idempotency-Key"].ToString();
        var recorded = new Request(request.Method, request.Path.Value ?? string.Empty, key.Length > 0 ? key : null, form, QueryHelpers.ParseQuery(request.QueryString.Value));
        Requests.Enqueue(recorded);
        if (request.Headers.Authorization.ToString() != "Bearer " + SecretKey)
        {
            Violations.Enqueue($"{request.Path}: authorization {request.Headers.Authorization}");
            await WriteAsync(context, 401, Error("invalid_request_error", "bad key"));
            return;
        }

        if (HttpMethods.IsPost(request.Method) && key.Length == 0)
        {
            Violations.Enqueue($"{request.Path}: POST without an Idempotency-Key");
        }

        foreach (var (prefix, queue) in failures)
        {
            if (recorded.Path.StartsWith(prefix, StringComparison.Ordinal) && queue.TryDequeue(out var status))
            {
                await WriteAsync(context, status, Error("api_error", "injected failure"));
                return;
            }
        }

        // Stripe's idempotency: the same key on a POST gets the first answer again, without a second effect.
        if (HttpMethods.IsPost(request.Method) && key.Length > 0 && idempotent.TryGetValue(key, out var earlier))
        {
            await WriteAsync(context, earlier.Status, earlier.Body);
            return;
        }

        var (code, body) = Answer(recorded);
        if (HttpMethods.IsPost(request.Method) && key.Length > 0)
        {
            idempotent.TryAdd(key, (code, body));
        }

        await WriteAsync(context, code, body);
    }

    private (int Status, string Body) Answer(Request r)
    {
        var n = Interlocked.Increment(ref sequence).ToString(CultureInfo.InvariantCulture);
        switch (r.Method, r.Path)
        {
            case ("POST", "/v1/customers"):
                return (200, new JsonObject
                {
                    ["id"] = "cus_" + n,
                    ["object"] = "customer",
                    ["name"] = r.Form.GetValueOrDefault("name").ToString(),
                    ["metadata"] = new JsonObject { ["tenant_id"] = r.Form.GetValueOrDefault("metadata[tenant_id]").ToString() },
                }.ToJsonString());
            case ("POST", "/v1/checkout/sessions"):
                Require(r, "mode", "subscription");
                Require(r, "line_items[0][price]");
                Require(r, "line_items[0][quantity]");
                Require(r, "customer");
                Require(r, "client_reference_id");
                Require(r, "subscription_data[metadata][tenant_id]");
                Require(r, "success_url");
                return (200, new JsonObject { ["id"] = "cs_test_" + n, ["object"] = "checkout.session", ["url"] = "https://checkout.stripe.test/c/pay/cs_test_" + n }.ToJsonString());
            case ("POST", "/v1/billing_portal/sessions"):
                Require(r, "customer");
                Require(r, "return_url");
                return (200, new JsonObject { ["id"] = "bps_" + n, ["object"] = "billing_portal.session", ["url"] = "https://billing.stripe.test/p/session/" + n }.ToJsonString());
            case ("POST", "/v1/invoices/create_preview"):
                return (200, new JsonObject { ["id"] = "upcoming_" + n, ["object"] = "invoice", ["amount_due"] = 2400, ["currency"] = "eur", ["period_end"] = 1798761600 }.ToJsonString());
            case ("GET", "/v1/subscriptions"):
            {
                var customer = r.Query.GetValueOrDefault("customer").ToString();
                var data = new JsonArray(subscriptions.Values.Where(s => (string?)s["customer"] == customer).Select(s => (JsonNode)s.DeepClone()).ToArray());
                return (200, new JsonObject { ["object"] = "list", ["url"] = "/v1/subscriptions", ["has_more"] = false, ["data"] = data }.ToJsonString());
            }
        }

        if (r.Method == "GET" && r.Path.StartsWith("/v1/subscriptions/", StringComparison.Ordinal))
        {
            if (r.Query.GetValueOrDefault("expand[0]").ToString() != "items.data.price")
            {
                Violations.Enqueue($"{r.Path}: GET without expand[]=items.data.price");
            }

            return subscriptions.TryGetValue(r.Path["/v1/subscriptions/".Length..], out var subscription)
                ? (200, subscription.ToJsonString())
                : (404, Error("invalid_request_error", "No such subscription"));
        }

        if (r.Method == "POST" && r.Path.StartsWith("/v1/subscription_items/", StringComparison.Ordinal))
        {
            var itemId = r.Path["/v1/subscription_items/".Length..];
            var quantity = long.Parse(r.Form.GetValueOrDefault("quantity").ToString(), CultureInfo.InvariantCulture);
            foreach (var subscription in subscriptions.Values)
            {
                var item = subscription["items"]!["data"]![0]!.AsObject();
                if ((string?)item["id"] == itemId)
                {
                    item["quantity"] = quantity;
                    return (200, item.ToJsonString());
                }
            }

            return (404, Error("invalid_request_error", "No such subscription item"));
        }

        Violations.Enqueue($"unexpected {r.Method} {r.Path}");
        return (404, Error("invalid_request_error", "Unrecognized request URL"));
    }

    private void Require(Request r, string field, string? value = null)
    {
        if (!r.Form.TryGetValue(field, out var sent) || (value is not null && sent.ToString() != value))
        {
            Violations.Enqueue($"{r.Path}: form field {field} is '{sent}', expected {value ?? "a value"}");
        }
    }

    private static string Error(string type, string message) =>
        new JsonObject { ["error"] = new JsonObject { ["type"] = type, ["message"] = message } }.ToJsonString();

    private static Task WriteAsync(HttpContext context, int status, string body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        context.Response.Headers["Request-Id"] = "req_" + Guid.NewGuid().ToString("N")[..12];
        return context.Response.WriteAsync(body);
    }
}
