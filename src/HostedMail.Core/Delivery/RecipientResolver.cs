using HostedMail.Core.Aliases;
using HostedMail.Core.Domains;
using HostedMail.Core.Mailboxes;
using HostedMail.Core.Tenants;

namespace HostedMail.Core.Delivery;

/// <summary>
/// Turns an envelope recipient into the mailboxes and external addresses that receive it:
/// exact mailbox, then exact alias, then the same without a <c>+tag</c> sub-address, then the
/// domain's catch-all; aliases expand recursively with a depth limit.
/// </summary>
public sealed class RecipientResolver(IDomainStore domains, IMailboxStore mailboxes, IAliasStore aliases, ITenantStore tenants)
{
    /// <summary>How deep aliases may point at aliases before the chain is refused as a loop.</summary>
    public const int MaximumAliasDepth = 8;

    public async Task<RecipientResolution> ResolveAsync(string address, CancellationToken cancellationToken = default)
    {
        if (MailAddress.TryParse(address, allowCatchAll: false, out var parsed) is not null)
        {
            return RecipientResolution.Rejected(RecipientProblem.InvalidAddress);
        }

        var domain = await domains.FindVerifiedAsync(parsed!.Domain, cancellationToken);
        if (domain is null)
        {
            return RecipientResolution.Rejected(RecipientProblem.NotHostedHere);
        }

        var tenant = await tenants.GetAsync(domain.TenantId, cancellationToken);
        if (tenant is null || tenant.State != TenantState.Active)
        {
            return RecipientResolution.Rejected(RecipientProblem.TenantSuspended);
        }

        var targets = new RecipientTargets();
        var found = await ExpandAsync(domain.TenantId, parsed.Value, targets, 0, cancellationToken);
        if (!found)
        {
            var plus = parsed.LocalPart.IndexOf('+', StringComparison.Ordinal);
            found = plus > 0 && await ExpandAsync(domain.TenantId, parsed.LocalPart[..plus] + "@" + parsed.Domain, targets, 0, cancellationToken);
        }

        if (!found)
        {
            var catchAll = await aliases.FindAsync(domain.TenantId, "*@" + parsed.Domain, cancellationToken);
            found = catchAll is not null && await ExpandTargetsAsync(domain.TenantId, catchAll.Targets, targets, 1, cancellationToken);
        }

        if (targets.TooDeep)
        {
            return RecipientResolution.Rejected(RecipientProblem.AliasLoop);
        }

        if (!found || (targets.Mailboxes.Count == 0 && targets.External.Count == 0))
        {
            return RecipientResolution.Rejected(targets.Disabled ? RecipientProblem.MailboxDisabled : RecipientProblem.UnknownMailbox);
        }

        return new RecipientResolution(null, domain.TenantId, targets.Mailboxes, targets.External);
    }

    private async Task<bool> ExpandAsync(long tenantId, string address, RecipientTargets targets, int depth, CancellationToken cancellationToken)
    {
        var mailbox = await mailboxes.FindAsync(tenantId, address, cancellationToken);
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

        var alias = await aliases.FindAsync(tenantId, address, cancellationToken);
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
