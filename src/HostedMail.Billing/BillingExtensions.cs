using HostedMail.Core.Billing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace HostedMail.Billing;

/// <summary>Wires billing into a node: <see cref="AddBilling"/> on the services, <see cref="MapStripeWebhook"/> on the app.</summary>
public static class BillingExtensions
{
    /// <summary>The webhook endpoint Stripe is given (docs/billing.md).</summary>
    public const string WebhookPath = "/api/v1/billing/stripe/webhook";

    /// <summary>Registers billing; needs the Core services and stores. <paramref name="runWorker"/>: the dunning worker (nodes, not operator commands).</summary>
    public static IServiceCollection AddBilling(this IServiceCollection services, IConfiguration configuration, bool runWorker = true)
    {
        var options = BillingOptions.FromConfiguration(configuration);
        services.AddLogging();
        services.TryAddSingleton(options);
        services.TryAddSingleton(options.Dunning);
        services.TryAddSingleton(_ => BillingPlans.Read(configuration.GetSection("Plans")));
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new StripeGateway(sp.GetRequiredService<BillingOptions>(), sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<IBillingNotifier, LoggingBillingNotifier>();
        services.TryAddSingleton<BillingStanding>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ISubmissionPolicy, BillingStanding>(sp => sp.GetRequiredService<BillingStanding>()));
        services.TryAddSingleton<IMailboxCountObserver, SeatObserver>();
        services.TryAddSingleton<SubscriptionSync>();
        services.TryAddSingleton<StripeWebhookProcessor>();
        services.TryAddSingleton<NextInvoiceCache>();
        services.TryAddSingleton<TenantBilling>();
        services.TryAddSingleton<DunningWorker>();
        if (runWorker && options.DunningWorkerEnabled)
        {
            services.AddHostedService<DunningHostedService>();
        }

        return services;
    }

    /// <summary>
    /// <c>POST /api/v1/billing/stripe/webhook</c>: no session, no CSRF token, no API token; the
    /// <c>Stripe-Signature</c> header is the authentication. The raw body is verified as received.
    /// </summary>
    public static IEndpointRouteBuilder MapStripeWebhook(this IEndpointRouteBuilder app)
    {
        app.MapPost(WebhookPath, async (HttpContext http, StripeWebhookProcessor processor, BillingOptions options) =>
        {
            if (http.Request.ContentLength > options.MaxWebhookBytes)
            {
                return Results.Text("event too large\n", statusCode: StatusCodes.Status413PayloadTooLarge);
            }

            using var buffer = new MemoryStream();
            var chunk = new byte[16 * 1024];
            int read;
            while ((read = await http.Request.Body.ReadAsync(chunk, http.RequestAborted)) > 0)
            {
                if (buffer.Length + read > options.MaxWebhookBytes)
                {
                    return Results.Text("event too large\n", statusCode: StatusCodes.Status413PayloadTooLarge);
                }

                buffer.Write(chunk, 0, read);
            }

            var result = await processor.ReceiveAsync(buffer.ToArray(), http.Request.Headers["Stripe-Signature"].ToString(), http.RequestAborted);
            return Results.Text(result.Message + "\n", statusCode: result.StatusCode);
        }).AllowAnonymous().WithTags("Billing")
            // Stripe reads only the status; the text says what was done, for Stripe's event log.
            .Produces<string>(StatusCodes.Status200OK, "text/plain")
            .Produces<string>(StatusCodes.Status400BadRequest, "text/plain")
            .Produces<string>(StatusCodes.Status409Conflict, "text/plain")
            .Produces<string>(StatusCodes.Status413PayloadTooLarge, "text/plain")
            .Produces<string>(StatusCodes.Status500InternalServerError, "text/plain")
            .WithSummary("Stripe's webhook endpoint: authenticated by the Stripe-Signature header alone (docs/billing.md).");
        return app;
    }
}
