using HostedMail.Core.Audit;
using HostedMail.Core.Domains;
using HostedMail.Core.Mailboxes;

namespace HostedMail.Core.Aliases;

/// <summary>Creates and lists aliases; owns the rules on alias addresses and their targets.</summary>
public sealed class AliasService(IAliasStore store, IMailboxStore mailboxes, DomainService domains)
{
    public const int MaximumTargets = 100;

    public async Task<Alias> CreateAsync(long tenantId, string address, IReadOnlyList<string> targets, Actor actor, CancellationToken cancellationToken = default)
    {
        var parsed = MailAddress.Parse(address, allowCatchAll: true);
        var domain = await domains.GetAsync(tenantId, parsed.Domain, cancellationToken);
        if (targets.Count == 0)
        {
            throw HostedMailException.Invalid("an alias needs at least one target address");
        }

        if (targets.Count > MaximumTargets)
        {
            throw HostedMailException.Invalid($"an alias may have at most {MaximumTargets} targets");
        }

        var tenantDomains = (await domains.ListAsync(tenantId, cancellationToken)).Select(d => d.Name).ToHashSet(StringComparer.Ordinal);
        var cleanTargets = new List<string>();
        foreach (var target in targets)
        {
            var t = MailAddress.Parse(target);
            if (t.Value == parsed.Value)
            {
                throw HostedMailException.Invalid("targets", $"alias {parsed.Value} must not deliver to itself");
            }

            // A target in one of the tenant's own domains must exist, or mail to the alias would bounce.
            if (tenantDomains.Contains(t.Domain)
                && await mailboxes.FindAsync(tenantId, t.Value, cancellationToken) is null
                && await store.FindAsync(tenantId, t.Value, cancellationToken) is null)
            {
                // Invalid input (400 naming the field), not "not found": the alias is what the request is about.
                throw HostedMailException.Invalid("targets", $"target {t.Value} is not a mailbox or alias of this tenant");
            }

            if (!cleanTargets.Contains(t.Value))
            {
                cleanTargets.Add(t.Value);
            }
        }

        if (!parsed.IsCatchAll && await mailboxes.FindAsync(tenantId, parsed.Value, cancellationToken) is not null)
        {
            throw HostedMailException.Conflict($"{parsed.Value} is already a mailbox");
        }

        var audit = new AuditEntry(tenantId, actor, "alias.create", parsed.Value, new Dictionary<string, string> { ["targets"] = string.Join(",", cleanTargets) });
        return await store.CreateAsync(tenantId, domain.DomainId, parsed.Value, cleanTargets, audit, cancellationToken);
    }

    public Task<IReadOnlyList<Alias>> ListAsync(long? tenantId, CancellationToken cancellationToken = default) => store.ListAsync(tenantId, cancellationToken);
}
