using System.Globalization;
using System.Text;
using System.Text.Json;
using HostedMail.Core.Billing;
using Microsoft.Extensions.Logging;
using Stripe;

namespace HostedMail.Billing;

/// <summary>What the webhook endpoint answers: 2xx tells Stripe the event is taken, 4xx that it is refused, 5xx to send it again.</summary>
public sealed record WebhookResult(int StatusCode, string Message);

// Implementation notes:
// - Verify, then store, then apply. IBillingEventStore.TryClaimAsync is an INSERT ... ON CONFLICT
//   DO NOTHING: of two nodes receiving one event at once, one applies it; a replay applies nothing.
// - Out of order: subscription events carry the subscription's state at the event's creation.
//   An event older than the state held, or of another API version than Stripe.net speaks, is
//   not trusted as is: the subscription is fetched from the API and that (current) state applied.
// - A tenant is found only through the Stripe customer we created for it; an event naming
//   another tenant (client_reference_id, metadata) than its customer's is refused and recorded.

/// <summary>Receives Stripe webhook events.</summary>
public sealed partial class StripeWebhookProcessor(
    BillingOptions options,
    IBillingEventStore events,
    ISubscriptionStore subscriptions,
    SubscriptionSync sync,
    StripeGateway stripe,
    IBillingNotifier notifier,
    TimeProvider timeProvider,
    ILogger<StripeWebhookProcessor> logger)
{
    public async Task<WebhookResult> ReceiveAsync(byte[] body, string? signatureHeader, CancellationToken cancellationToken)
    {
        if (StripeSignature.Problem(body, signatureHeader, options.WebhookSecrets, options.SignatureTolerance, timeProvider.GetUtcNow()) is { } problem)
        {
            LogRefused(logger, problem);
            return new WebhookResult(400, "signature refused: " + problem);
        }

        string id, type;
        string? apiVersion;
        DateTimeOffset created;
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            id = root.GetProperty("id").GetString() ?? throw new FormatException("no id");
            type = root.GetProperty("type").GetString() ?? throw new FormatException("no type");
            apiVersion = root.TryGetProperty("api_version", out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            created = DateTimeOffset.FromUnixTimeSeconds(root.GetProperty("created").GetInt64());
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or ArgumentOutOfRangeException)
        {
            return new WebhookResult(400, "not a Stripe event: " + ex.Message);
        }

        if (!await events.TryClaimAsync(id, type, apiVersion, created, Encoding.UTF8.GetString(body), cancellationToken))
        {
            return new WebhookResult(200, $"event {id} was received before; not applied again");
        }

        return await ApplyClaimedAsync(id, type, apiVersion, created, Encoding.UTF8.GetString(body), cancellationToken);
    }

    /// <summary>Applies a stored event again (the operator's replay); the outcome is recorded as for a new one.</summary>
    public async Task<WebhookResult> ReplayAsync(string eventId, CancellationToken cancellationToken)
    {
        var stored = await events.GetAsync(eventId, cancellationToken) ?? throw Core.HostedMailException.NotFound($"no stored event '{eventId}'");
        if (!await events.ClaimForReplayAsync(eventId, cancellationToken))
        {
            return new WebhookResult(409, $"event {eventId} is being applied right now");
        }

        return await ApplyClaimedAsync(stored.EventId, stored.Type, stored.ApiVersion, stored.CreatedAt, stored.Payload, cancellationToken);
    }

    private async Task<WebhookResult> ApplyClaimedAsync(string id, string type, string? apiVersion, DateTimeOffset created, string json, CancellationToken cancellationToken)
    {
        var otherVersion = apiVersion is not null && apiVersion != StripeGateway.ApiVersion;
        if (otherVersion)
        {
            LogOtherVersion(logger, id, apiVersion!, StripeGateway.ApiVersion);
        }

        try
        {
            var (status, tenantId, detail) = await ApplyAsync(type, created, json, otherVersion, cancellationToken);
            if (otherVersion)
            {
                detail = $"api version {apiVersion} differs from {StripeGateway.ApiVersion} (objects re-read from the API); " + detail;
            }

            await events.FinishAsync(id, status, tenantId, detail, timeProvider.GetUtcNow(), cancellationToken);
            return new WebhookResult(200, $"event {id}: {status}: {detail}");
        }
        catch (Exception ex) when (ex is StripeException or HttpRequestException or BillingUnavailableException or Core.HostedMailException or InvalidOperationException or JsonException or Newtonsoft.Json.JsonException)
        {
            // Recorded as failed: Stripe sends it again (we answer 5xx) and the retry claims it again.
            LogFailed(logger, id, ex.Message);
            await events.FinishAsync(id, "failed", null, ex.Message, timeProvider.GetUtcNow(), CancellationToken.None);
            return new WebhookResult(500, $"event {id} failed: {ex.Message}");
        }
    }

    private async Task<(string Status, long? TenantId, string Detail)> ApplyAsync(string type, DateTimeOffset created, string json, bool otherVersion, CancellationToken cancellationToken)
    {
        if (!Handled(type))
        {
            return ("ignored", null, $"{type} is not an event billing acts on");
        }

        Event stripeEvent;
        try
        {
            stripeEvent = EventUtility.ParseEvent(json, throwOnApiVersionMismatch: false);
        }
        catch (Exception ex) when (ex is StripeException or Newtonsoft.Json.JsonException or JsonException or InvalidCastException)
        {
            return ("ignored", null, "the event's object could not be read: " + ex.Message);
        }

        switch (stripeEvent.Data?.Object)
        {
            case Stripe.Checkout.Session session:
            {
                var (tenantId, refusal) = await TenantOfAsync(session.CustomerId, session.ClientReferenceId, session.Metadata, cancellationToken);
                if (tenantId is null)
                {
                    return ("ignored", null, refusal!);
                }

                if (session.SubscriptionId is not { Length: > 0 } subscriptionId)
                {
                    return ("ignored", tenantId, "the checkout session has no subscription");
                }

                return ("applied", tenantId, await ApplyFetchedAsync(tenantId.Value, subscriptionId, cancellationToken));
            }

            case Subscription subscription:
            {
                var (tenantId, refusal) = await TenantOfAsync(subscription.CustomerId, null, subscription.Metadata, cancellationToken);
                if (tenantId is null)
                {
                    return ("ignored", null, refusal!);
                }

                if (type == "customer.subscription.trial_will_end")
                {
                    var trialEnd = subscription.TrialEnd is { } t ? t.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : "soon";
                    await notifier.NotifyAdminsAsync(tenantId.Value, "Your HostedMail trial ends soon",
                        $"The trial of your subscription ends on {trialEnd}. Add a payment method in the portal's billing page to keep your plan.\n", cancellationToken);
                    return ("applied", tenantId, "admins told that the trial ends " + trialEnd);
                }

                var held = await subscriptions.GetAsync(tenantId.Value, cancellationToken);
                if (otherVersion || created < held.StateAt)
                {
                    return ("applied", tenantId, "older than the state held or another version; fetched: " + await ApplyFetchedAsync(tenantId.Value, subscription.Id, cancellationToken));
                }

                return ("applied", tenantId, await sync.ApplyAsync(tenantId.Value, sync.ToUpdate(subscription, created), cancellationToken));
            }

            case Invoice invoice:
            {
                var (tenantId, refusal) = await TenantOfAsync(invoice.CustomerId, null, null, cancellationToken);
                if (tenantId is null)
                {
                    return ("ignored", null, refusal!);
                }

                var subscriptionId = invoice.Parent?.SubscriptionDetails?.SubscriptionId;
                if (type == "invoice.upcoming")
                {
                    var when = invoice.NextPaymentAttempt ?? invoice.PeriodEnd;
                    await notifier.NotifyAdminsAsync(tenantId.Value, "Your next HostedMail invoice",
                        string.Create(CultureInfo.InvariantCulture, $"Your next invoice of {invoice.AmountDue / 100m:0.00} {invoice.Currency?.ToUpperInvariant()} will be charged on {when:yyyy-MM-dd}.\n"), cancellationToken);
                    return ("applied", tenantId, "admins told of the upcoming invoice");
                }

                if (subscriptionId is null)
                {
                    return ("ignored", tenantId, "the invoice belongs to no subscription");
                }

                // invoice.paid / invoice.payment_failed: the subscription's own status (active, past_due) decides; read it now.
                return ("applied", tenantId, await ApplyFetchedAsync(tenantId.Value, subscriptionId, cancellationToken));
            }

            default:
                return ("ignored", null, "the event's object is not a checkout session, subscription or invoice");
        }
    }

    private async Task<string> ApplyFetchedAsync(long tenantId, string subscriptionId, CancellationToken cancellationToken)
    {
        var current = await stripe.GetSubscriptionAsync(subscriptionId, cancellationToken);
        var (owner, refusal) = await TenantOfAsync(current.CustomerId, null, current.Metadata, cancellationToken);
        if (owner != tenantId)
        {
            throw new BillingUnavailableException($"subscription {subscriptionId} does not belong to tenant {tenantId}: {refusal ?? "customer of tenant " + owner}");
        }

        // The API's answer is the state now: newer than anything an event carried.
        return await sync.ApplyAsync(tenantId, sync.ToUpdate(current, timeProvider.GetUtcNow(), fetched: true), cancellationToken);
    }

    /// <summary>The tenant whose customer this is; refused when the event names another tenant.</summary>
    private async Task<(long? TenantId, string? Refusal)> TenantOfAsync(string? customerId, string? clientReferenceId, Dictionary<string, string>? metadata, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(customerId) || await subscriptions.FindTenantByCustomerAsync(customerId, cancellationToken) is not { } tenantId)
        {
            return (null, $"unknown customer '{customerId}': no tenant has it");
        }

        var claimed = clientReferenceId ?? (metadata is not null && metadata.TryGetValue("tenant_id", out var m) ? m : null);
        if (claimed is not null && claimed != tenantId.ToString(CultureInfo.InvariantCulture))
        {
            return (null, $"refused: the event names tenant {claimed}, but customer {customerId} belongs to tenant {tenantId}");
        }

        return (tenantId, null);
    }

    private static bool Handled(string type) => type is "checkout.session.completed" or "customer.subscription.created" or "customer.subscription.updated"
        or "customer.subscription.deleted" or "customer.subscription.trial_will_end" or "invoice.paid" or "invoice.payment_failed" or "invoice.upcoming";

    [LoggerMessage(EventId = 16010, Level = LogLevel.Warning, Message = "Stripe webhook refused: {Problem}")]
    private static partial void LogRefused(ILogger logger, string problem);

    [LoggerMessage(EventId = 16011, Level = LogLevel.Warning, Message = "Stripe event {EventId} has API version {Version}; this build speaks {Pinned}: recorded, objects re-read from the API (set the webhook endpoint's version to match)")]
    private static partial void LogOtherVersion(ILogger logger, string eventId, string version, string pinned);

    [LoggerMessage(EventId = 16012, Level = LogLevel.Error, Message = "Stripe event {EventId} failed: {Reason}")]
    private static partial void LogFailed(ILogger logger, string eventId, string reason);
}
