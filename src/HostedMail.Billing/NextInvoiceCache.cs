using System.Collections.Concurrent;
using System.Globalization;
using HostedMail.Core.Billing;

namespace HostedMail.Billing;

/// <summary>
/// Invoice previews for a few minutes per subscription state. The portal reads the billing overview
/// on every page (the past-due banner), and each preview is a call to Stripe; a subscription change
/// (plan, seats, interval, any newer Stripe state) asks again at once.
/// </summary>
public sealed class NextInvoiceCache(TimeProvider timeProvider)
{
    /// <summary>How long a preview is reused while its subscription does not change.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);

    private const int Capacity = 10_000;
    private readonly ConcurrentDictionary<string, (NextInvoice Invoice, DateTimeOffset Expires)> _entries = new(StringComparer.Ordinal);

    /// <summary>The cached preview of this subscription state, or the one <paramref name="fetch"/> returns (null is not kept).</summary>
    public async Task<NextInvoice?> GetAsync(TenantSubscription subscription, Func<Task<NextInvoice?>> fetch)
    {
        var key = string.Join('|', subscription.SubscriptionId, subscription.Plan, subscription.Interval, subscription.Seats.ToString(CultureInfo.InvariantCulture),
            subscription.StateAt.UtcTicks.ToString(CultureInfo.InvariantCulture));
        var now = timeProvider.GetUtcNow();
        if (_entries.TryGetValue(key, out var entry) && entry.Expires > now)
        {
            return entry.Invoice;
        }

        var invoice = await fetch().ConfigureAwait(false);
        if (invoice is not null)
        {
            if (_entries.Count >= Capacity)
            {
                _entries.Clear();
            }

            _entries[key] = (invoice, now + Lifetime);
        }

        return invoice;
    }
}
