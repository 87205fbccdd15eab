using Orleans;

namespace HostedMail.Core.Plans;

/// <summary>What a plan allows; null means no limit. The Stripe members say how it is sold (docs/billing.md).</summary>
[GenerateSerializer]
[Alias("HostedMail.PlanLimits")]
public sealed record PlanLimits(string Plan, int? MaxDomains, int? MaxMailboxes, int? MaxAliases, long? MaxStorageBytes, int? MaxMessagesPerHour)
{
    /// <summary>The name people see; the plan's key when not configured.</summary>
    [Id(6)]
    public string? DisplayName { get; init; }

    /// <summary>Stripe price id of the monthly subscription (<c>price_...</c>); null: not sold monthly.</summary>
    [Id(7)]
    public string? MonthlyPriceId { get; init; }

    /// <summary>Stripe price id of the yearly subscription; null: not sold yearly.</summary>
    [Id(8)]
    public string? YearlyPriceId { get; init; }

    /// <summary>Priced per mailbox: the subscription item's quantity is kept equal to the tenant's mailbox count.</summary>
    [Id(9)]
    public bool PerSeat { get; init; }

    /// <summary>Feature names shown in the portal (for example <c>custom-dkim</c>, <c>priority-support</c>).</summary>
    [Id(10)]
    public IReadOnlyList<string> Features { get; init; } = [];

    /// <summary>Whether this plan can be bought (it has a price).</summary>
    public bool Sold => MonthlyPriceId is not null || YearlyPriceId is not null;
}

/// <summary>The plans known to this deployment (from the <c>Plans</c> configuration section): the one source for the portal, the limits and Stripe's prices.</summary>
public sealed class PlanCatalog(IReadOnlyDictionary<string, PlanLimits> plans)
{
    /// <summary>Limits used for a plan name that is not configured: small, so a typo never grants more.</summary>
    public static PlanLimits Fallback(string plan) => new(plan, 1, 5, 20, 5L << 30, 100);

    /// <summary>The built-in plans, used when configuration names none.</summary>
    public static PlanCatalog Default { get; } = new(new Dictionary<string, PlanLimits>(StringComparer.OrdinalIgnoreCase)
    {
        ["free"] = new("free", 1, 5, 20, 5L << 30, 100),
        ["business"] = new("business", 20, 500, 5000, 500L << 30, 2000),
    });

    public IReadOnlyDictionary<string, PlanLimits> Plans => plans;

    public PlanLimits For(string plan) => plans.TryGetValue(plan, out var limits) ? limits : Fallback(plan);

    /// <summary>The plan a Stripe price belongs to, and whether the price is the yearly one; null for a price no plan names.</summary>
    public (PlanLimits Plan, string Interval)? FindByPrice(string? priceId)
    {
        foreach (var plan in plans.Values)
        {
            if (priceId is not null && plan.MonthlyPriceId == priceId)
            {
                return (plan, "month");
            }

            if (priceId is not null && plan.YearlyPriceId == priceId)
            {
                return (plan, "year");
            }
        }

        return null;
    }
}

/// <summary>What a tenant uses now, counted from the database.</summary>
[GenerateSerializer]
[Alias("HostedMail.TenantUsage")]
public sealed record TenantUsage(int Domains, int Mailboxes, int Aliases, long QuotaBytesAllocated, long StoredBytes);

/// <summary>Checks a change against the tenant's plan before it is made, with errors that say what to do.</summary>
public static class PlanEnforcer
{
    public static void CheckAddDomain(PlanLimits limits, TenantUsage usage)
    {
        if (usage.Domains + 1 > limits.MaxDomains)
        {
            throw new PlanLimitException("domains", $"the {limits.Plan} plan allows {limits.MaxDomains} domain(s); remove one or upgrade the plan");
        }
    }

    public static void CheckAddMailbox(PlanLimits limits, TenantUsage usage, long quotaBytes)
    {
        if (usage.Mailboxes + 1 > limits.MaxMailboxes)
        {
            throw new PlanLimitException("mailboxes", $"the {limits.Plan} plan allows {limits.MaxMailboxes} mailbox(es); remove one or upgrade the plan");
        }

        CheckStorage(limits, usage.QuotaBytesAllocated + quotaBytes);
    }

    public static void CheckAddAlias(PlanLimits limits, TenantUsage usage)
    {
        if (usage.Aliases + 1 > limits.MaxAliases)
        {
            throw new PlanLimitException("aliases", $"the {limits.Plan} plan allows {limits.MaxAliases} alias(es); remove one or upgrade the plan");
        }
    }

    /// <summary>Mailbox quotas are promises of storage: their sum may not exceed the plan's storage.</summary>
    public static void CheckStorage(PlanLimits limits, long allocatedBytes)
    {
        if (allocatedBytes > limits.MaxStorageBytes)
        {
            throw new PlanLimitException("storage", $"the {limits.Plan} plan allows {limits.MaxStorageBytes} bytes of mailbox quota in total; this change would allocate {allocatedBytes}");
        }
    }
}

/// <summary>A change refused because the plan does not allow it.</summary>
[GenerateSerializer]
[Alias("HostedMail.PlanLimitException")]
public sealed class PlanLimitException : Exception
{
    public PlanLimitException(string limit, string message) : base(message) => Limit = limit;

    public PlanLimitException() : this("plan", "plan limit reached") { }

    public PlanLimitException(string message) : this("plan", message) { }

    public PlanLimitException(string message, Exception innerException) : base(message, innerException) => Limit = "plan";

    /// <summary>Which limit: domains, mailboxes, aliases, storage.</summary>
    [Id(0)]
    public string Limit { get; private init; }
}
