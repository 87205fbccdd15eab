using HostedMail.Core.Aliases;
using HostedMail.Core.Mailboxes;
using HostedMail.Core.Tenants;

namespace HostedMail.Core.Delivery;

/// <summary>
/// Turns an envelope recipient into the mailboxes and external addresses that receive it:
/// exact mailbox, then exact alias, then the same without a <c>+tag</c> sub-address, then the
/// domain's catch-all; aliases expand recursively with a depth limit. Every step asks
/// <see cref="IRecipientLookup"/>, which a node answers from the domains' grains (memory, no
/// query); only an alias target in a domain nobody has verified is looked up in the stores.
/// </summary>
public sealed class RecipientResolver(IRecipientLookup lookup, IMailboxStore mailboxes, IAliasStore aliases)
{
    /// <summary>How deep aliases may point at aliases before the chain is refused as a loop.</summary>
    public const int MaximumAliasDepth = 8;

    public async Task<RecipientResolution> ResolveAsync(string address, CancellationToken cancellationToken = default)
    {
        if (MailAddress.TryParse(address, allowCatchAll: false, out var parsed) is not null)
        {
            return RecipientResolution.Rejected(RecipientProblem.InvalidAddress);
        }

        // The common case (a mailbox or alias at exactly this address) costs one query.
        var first = await lookup.FindAsync(parsed!.Domain, parsed.Value, cancellationToken);
        if (first is null)
        {
            return RecipientResolution.Rejected(RecipientProblem.NotHostedHere);
        }

        if (first.TenantState != TenantState.Active)
        {
            return RecipientResolution.Rejected(RecipientProblem.TenantSuspended);
        }

        var tenantId = first.TenantId;
        var targets = new RecipientTargets();
        var found = first.Mailbox is not null || first.Alias is not null
            ? await AddFoundAsync(tenantId, first.Mailbox, first.Alias, targets, 0, cancellationToken)
            : false;
        if (!found)
        {
            var plus = parsed.LocalPart.IndexOf('+', StringComparison.Ordinal);
            found = plus > 0 && await ExpandAsync(tenantId, parsed.LocalPart[..plus] + "@" + parsed.Domain, targets, 0, cancellationToken);
        }

        if (!found)
        {
            var catchAll = (await lookup.FindAsync(parsed.Domain, "*@" + parsed.Domain, cancellationToken))?.Alias;
            found = catchAll is not null && await ExpandTargetsAsync(tenantId, catchAll.Targets, targets, 1, cancellationToken);
        }

        if (targets.TooDeep)
        {
            return RecipientResolution.Rejected(RecipientProblem.AliasLoop);
        }

        if (!found || (targets.Mailboxes.Count == 0 && targets.External.Count == 0))
        {
            return RecipientResolution.Rejected(targets.Disabled ? RecipientProblem.MailboxDisabled : RecipientProblem.UnknownMailbox);
        }

        return new RecipientResolution(null, tenantId, targets.Mailboxes, targets.External);
    }

    private async Task<bool> ExpandAsync(long tenantId, string address, RecipientTargets targets, int depth, CancellationToken cancellationToken)
    {
        var at = address.LastIndexOf('@');
        var found = at > 0 ? await lookup.FindAsync(address[(at + 1)..], address, cancellationToken) : null;
        if (found is not null)
        {
            // Another tenant's verified domain is an external address for this one.
            return found.TenantId == tenantId && await AddFoundAsync(tenantId, found.Mailbox, found.Alias, targets, depth, cancellationToken);
        }

        // A domain no tenant has verified may still be one of this tenant's pending domains.
        var mailbox = await mailboxes.FindAsync(tenantId, address, cancellationToken);
        var alias = mailbox is null ? await aliases.FindAsync(tenantId, address, cancellationToken) : null;
        return await AddFoundAsync(tenantId, mailbox, alias, targets, depth, cancellationToken);
    }

    /// <summary>Adds a found mailbox, or expands a found alias; false when neither was found.</summary>
    private async Task<bool> AddFoundAsync(long tenantId, Mailbox? mailbox, Alias? alias, RecipientTargets targets, int depth, CancellationToken cancellationToken)
    {
        if (mailbox is not null)
        {
            if (mailbox.State == MailboxState.Active)
            {
                targets.AddMailbox(mailbox);
            }
            else
            {
                targets.Disabled = true;
            }

            return true;
        }

        return alias is not null && await ExpandTargetsAsync(tenantId, alias.Targets, targets, depth + 1, cancellationToken);
    }

    private async Task<bool> ExpandTargetsAsync(long tenantId, IReadOnlyList<string> addresses, RecipientTargets targets, int depth, CancellationToken cancellationToken)
    {
        if (depth > MaximumAliasDepth)
        {
            targets.TooDeep = true;
            return false;
        }

        foreach (var target in addresses)
        {
            if (!await ExpandAsync(tenantId, target, targets, depth, cancellationToken))
            {
                // Not a mailbox or alias of this tenant: an external address (forwarding).
                targets.AddExternal(target);
            }
        }

        return true;
    }

    private sealed class RecipientTargets
    {
        private readonly HashSet<long> seen = [];

        public List<Mailbox> Mailboxes { get; } = [];

        public List<string> External { get; } = [];

        public bool Disabled { get; set; }

        public bool TooDeep { get; set; }

        public void AddMailbox(Mailbox mailbox)
        {
            if (seen.Add(mailbox.MailboxId))
            {
                Mailboxes.Add(mailbox);
            }
        }

        public void AddExternal(string address)
        {
            if (!External.Contains(address, StringComparer.Ordinal))
            {
                External.Add(address);
            }
        }
    }
}

/// <summary>The outcome of resolving one recipient: a problem, or the tenant's mailboxes and external forwards.</summary>
public sealed record RecipientResolution(RecipientProblem? Problem, long TenantId, IReadOnlyList<Mailbox> Mailboxes, IReadOnlyList<string> ExternalForwards)
{
    public static RecipientResolution Rejected(RecipientProblem problem) => new(problem, 0, [], []);
}

/// <summary>Why a recipient cannot be accepted; SMTP maps each to its reply code.</summary>
public enum RecipientProblem
{
    InvalidAddress,
    NotHostedHere,
    TenantSuspended,
    UnknownMailbox,
    MailboxDisabled,
    AliasLoop,
}
