using System.Globalization;
using System.Net;
using Stripe;

namespace HostedMail.Billing;

// Implementation notes: every call carries an idempotency key, and a retry (429, 5xx, a broken
// connection) repeats the call with the same key, so Stripe performs it at most once. Stripe.net's
// own retries are off (its SystemNetHttpClient gets 0) so the policy is this file's alone.

/// <summary>The Stripe API calls billing makes, with idempotency keys and retries.</summary>
public sealed class StripeGateway(BillingOptions options, TimeProvider timeProvider, HttpClient? httpClient = null)
{
    private readonly Lazy<StripeClient> client = new(() => new StripeClient(
        apiKey: options.SecretKey ?? throw new InvalidOperationException("Billing:SecretKey is not configured"),
        httpClient: new SystemNetHttpClient(httpClient ?? new HttpClient { Timeout = TimeSpan.FromSeconds(30) }, 0),
        apiBase: options.ApiBase));

    /// <summary>The API version this build of Stripe.net speaks; events of another version are recorded and re-read through the API.</summary>
    public static string ApiVersion => StripeConfiguration.ApiVersion;

    /// <summary>Creates the tenant's customer; the key is derived from the tenant, so two racing requests create one customer.</summary>
    public Task<Customer> CreateCustomerAsync(long tenantId, string name, string? email, CancellationToken cancellationToken) =>
        CallAsync("customer-tenant-" + tenantId.ToString(CultureInfo.InvariantCulture), request => new CustomerService(client.Value).CreateAsync(new CustomerCreateOptions
        {
            Name = name,
            Email = email,
            Metadata = new Dictionary<string, string> { ["tenant_id"] = tenantId.ToString(CultureInfo.InvariantCulture) },
        }, request, cancellationToken));

    public Task<Stripe.Checkout.Session> CreateCheckoutSessionAsync(long tenantId, string customerId, string priceId, long quantity, CancellationToken cancellationToken) =>
        CallAsync(NewKey("checkout"), request => new Stripe.Checkout.SessionService(client.Value).CreateAsync(new Stripe.Checkout.SessionCreateOptions
        {
            Mode = "subscription",
            Customer = customerId,
            ClientReferenceId = tenantId.ToString(CultureInfo.InvariantCulture),
            LineItems = [new Stripe.Checkout.SessionLineItemOptions { Price = priceId, Quantity = quantity }],
            SubscriptionData = new Stripe.Checkout.SessionSubscriptionDataOptions
            {
                Metadata = new Dictionary<string, string> { ["tenant_id"] = tenantId.ToString(CultureInfo.InvariantCulture) },
            },
            SuccessUrl = options.ReturnUrl + "?checkout=success",
            CancelUrl = options.ReturnUrl + "?checkout=canceled",
        }, request, cancellationToken));

    public Task<Stripe.BillingPortal.Session> CreatePortalSessionAsync(string customerId, CancellationToken cancellationToken) =>
        CallAsync(NewKey("portal"), request => new Stripe.BillingPortal.SessionService(client.Value).CreateAsync(new Stripe.BillingPortal.SessionCreateOptions
        {
            Customer = customerId,
            ReturnUrl = options.ReturnUrl.ToString(),
        }, request, cancellationToken));

    /// <summary>The subscription as Stripe holds it now, with its items' prices.</summary>
    public Task<Subscription> GetSubscriptionAsync(string subscriptionId, CancellationToken cancellationToken) =>
        CallAsync(NewKey("get"), request => new SubscriptionService(client.Value).GetAsync(subscriptionId, new SubscriptionGetOptions
        {
            Expand = ["items.data.price"],
        }, request, cancellationToken));

    /// <summary>The customer's newest subscription of any status, or null.</summary>
    public async Task<Subscription?> FindLatestSubscriptionAsync(string customerId, CancellationToken cancellationToken)
    {
        var list = await CallAsync(NewKey("list"), request => new SubscriptionService(client.Value).ListAsync(new SubscriptionListOptions
        {
            Customer = customerId,
            Status = "all",
            Limit = 10,
            Expand = ["data.items.data.price"],
        }, request, cancellationToken));
        return list.Data.OrderByDescending(s => s.Created).FirstOrDefault();
    }

    /// <summary>Sets the seat count (the subscription item's quantity), prorated.</summary>
    public Task<SubscriptionItem> SetQuantityAsync(string subscriptionItemId, long quantity, CancellationToken cancellationToken) =>
        CallAsync(NewKey("seats"), request => new SubscriptionItemService(client.Value).UpdateAsync(subscriptionItemId, new SubscriptionItemUpdateOptions
        {
            Quantity = quantity,
            ProrationBehavior = "create_prorations",
        }, request, cancellationToken));

    /// <summary>The next invoice of the subscription (a preview; nothing is created).</summary>
    public Task<Invoice> PreviewNextInvoiceAsync(string customerId, string subscriptionId, CancellationToken cancellationToken) =>
        CallAsync(NewKey("preview"), request => new InvoiceService(client.Value).CreatePreviewAsync(new InvoiceCreatePreviewOptions
        {
            Customer = customerId,
            Subscription = subscriptionId,
        }, request, cancellationToken));

    private static string NewKey(string purpose) => purpose + "-" + Guid.NewGuid().ToString("N");

    /// <summary>Runs one call, repeating it with the same idempotency key while Stripe answers 429 or 5xx or the connection fails.</summary>
    private async Task<T> CallAsync<T>(string idempotencyKey, Func<RequestOptions, Task<T>> call)
    {
        var request = new RequestOptions { IdempotencyKey = idempotencyKey };
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call(request);
            }
            catch (Exception ex) when (attempt < options.MaxAttempts && Retryable(ex))
            {
                var delay = options.RetryBaseDelay * Math.Pow(2, attempt - 1);
                if (delay > TimeSpan.Zero)
                {
                    await Task.Delay(delay, timeProvider);
                }
            }
        }
    }

    private static bool Retryable(Exception ex) => ex switch
    {
        StripeException s => s.HttpStatusCode == HttpStatusCode.TooManyRequests || (int)s.HttpStatusCode >= 500 || s.HttpStatusCode == 0,
        HttpRequestException => true,
        _ => false,
    };
}

/// <summary>A Stripe call that failed for good, as a message for a person.</summary>
public sealed class BillingUnavailableException(string message, Exception? inner = null) : Exception(message, inner)
{
    public BillingUnavailableException() : this("billing is unavailable") { }

    public BillingUnavailableException(string message) : this(message, null) { }
}
