using System.Globalization;
using HostedMail.Core.Billing;
using HostedMail.Core.Plans;
using Microsoft.Extensions.Configuration;

namespace HostedMail.Billing;

/// <summary>The <c>Billing</c> configuration section (docs/billing.md).</summary>
public sealed class BillingOptions
{
    /// <summary>Stripe secret key (<c>sk_test_...</c> or <c>sk_live_...</c>); without it checkout and resync answer that billing is not configured.</summary>
    public string? SecretKey { get; init; }

    /// <summary>Webhook signing secrets (<c>whsec_...</c>); more than one while a secret is rotated.</summary>
    public IReadOnlyList<string> WebhookSecrets { get; init; } = [];

    /// <summary>How old a signed event may be (Stripe's libraries use 300 s), against replays of captured requests.</summary>
    public TimeSpan SignatureTolerance { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The Stripe API base; only tests point it elsewhere.</summary>
    public string? ApiBase { get; init; }

    /// <summary>Attempts per Stripe call (429 and 5xx are retried with the same idempotency key).</summary>
    public int MaxAttempts { get; init; } = 4;

    /// <summary>The first back-off between attempts; doubles per attempt.</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The plan of a tenant without a paying subscription.</summary>
    public string FreePlan { get; init; } = "free";

    /// <summary>Where Checkout and the customer portal send the browser back to.</summary>
    public Uri ReturnUrl { get; init; } = new("https://localhost/billing");

    public DunningOptions Dunning { get; init; } = new();

    /// <summary>How often this node looks for dunning steps that are due (the steps are enforced from the clock on every request anyway).</summary>
    public TimeSpan DunningCheckInterval { get; init; } = TimeSpan.FromMinutes(15);

    public bool DunningWorkerEnabled { get; init; } = true;

    /// <summary>Largest webhook body accepted (Stripe events are a few kB).</summary>
    public int MaxWebhookBytes { get; init; } = 512 * 1024;

    public bool Configured => !string.IsNullOrEmpty(SecretKey);

    public static BillingOptions FromConfiguration(IConfiguration configuration)
    {
        var section = configuration.GetSection("Billing");
        var secrets = section.GetSection("WebhookSecrets").GetChildren().Select(c => c.Value).Where(v => !string.IsNullOrWhiteSpace(v)).Select(v => v!.Trim()).ToList();
        if (section["WebhookSecret"] is { Length: > 0 } single)
        {
            secrets.Insert(0, single.Trim());
        }

        var publicUrl = configuration["Portal:PublicUrl"] is { Length: > 0 } p ? p : "https://localhost/";
        return new BillingOptions
        {
            SecretKey = section["SecretKey"] is { Length: > 0 } key ? key.Trim() : null,
            WebhookSecrets = secrets,
            SignatureTolerance = section.GetValue("SignatureTolerance", TimeSpan.FromMinutes(5)),
            ApiBase = section["ApiBase"] is { Length: > 0 } b ? b : null,
            MaxAttempts = Math.Max(1, section.GetValue("MaxAttempts", 4)),
            RetryBaseDelay = section.GetValue("RetryBaseDelay", TimeSpan.FromMilliseconds(500)),
            FreePlan = section["FreePlan"] is { Length: > 0 } f ? f.ToLowerInvariant() : "free",
            ReturnUrl = new Uri(section["ReturnUrl"] is { Length: > 0 } r ? r : new Uri(new Uri(publicUrl), "billing").ToString()),
            Dunning = new DunningOptions
            {
                GracePeriod = section.GetValue("GracePeriod", TimeSpan.FromDays(7)),
                ReadOnlyAfter = section.GetValue("ReadOnlyAfter", TimeSpan.FromDays(14)),
            },
            DunningCheckInterval = section.GetValue("DunningCheckInterval", TimeSpan.FromMinutes(15)),
            DunningWorkerEnabled = section.GetValue("DunningWorkerEnabled", true),
        };
    }
}

/// <summary>Reads the <c>Plans</c> section: the one source of plans for the portal, the limits and Stripe's prices.</summary>
public static class BillingPlans
{
    public static PlanCatalog Read(IConfigurationSection section)
    {
        var children = section.GetChildren().ToList();
        if (children.Count == 0)
        {
            return PlanCatalog.Default;
        }

        var plans = new Dictionary<string, PlanLimits>(StringComparer.OrdinalIgnoreCase);
        foreach (var plan in children)
        {
            var name = plan.Key.ToLowerInvariant();
            plans[name] = new PlanLimits(name,
                plan.GetValue<int?>("MaxDomains"), plan.GetValue<int?>("MaxMailboxes"), plan.GetValue<int?>("MaxAliases"),
                plan.GetValue<long?>("MaxStorageBytes"), plan.GetValue<int?>("MaxMessagesPerHour"))
            {
                DisplayName = plan["DisplayName"] is { Length: > 0 } d ? d : null,
                MonthlyPriceId = plan["MonthlyPriceId"] is { Length: > 0 } m ? m.Trim() : null,
                YearlyPriceId = plan["YearlyPriceId"] is { Length: > 0 } y ? y.Trim() : null,
                PerSeat = plan.GetValue("PerSeat", false),
                Features = (plan["Features"] is { Length: > 0 } list ? list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                    : plan.GetSection("Features").GetChildren().Select(c => c.Value ?? string.Empty).Where(v => v.Length > 0)).ToList(),
            };
        }

        return new PlanCatalog(plans);
    }

    internal static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
