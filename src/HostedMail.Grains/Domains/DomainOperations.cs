using HostedMail.Core;
using HostedMail.Core.Audit;
using HostedMail.Core.Directory;
using HostedMail.Core.Domains;
using HostedMail.Core.Mailboxes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace HostedMail.Grains.Domains;

/// <summary>
/// The domain's writes themselves (<see cref="IDomainOperations"/>): <see cref="DomainGrain"/> runs
/// them, one at a time per name cluster-wide; outside a cluster <see cref="DomainService"/> runs
/// them directly. The only code that verifies, rotates or retires keys of, or deletes a domain.
/// </summary>
// Implementation notes:
// - Every store call names the tenant (tenant_id in every WHERE): the grain's key is a name that
//   several tenants may have added while it is pending, and a write of one never touches another's.
// - Nothing here tells the domain's grain: the grain that runs these corrects its own memory, and a
//   call into it from its own turn would wait for that turn.
// - Limits that two concurrent writes could both pass (two keys at most) hold because the grain
//   runs the writes of one name one at a time; the store's unique selector is the backstop while
//   Orleans briefly runs two activations.
internal sealed class DomainOperations(
    IDomainStore domains,
    ITenantDirectoryStore directory,
    IMailboxStore mailboxes,
    DkimKeyService dkim,
    ICredentialRevocationNotifier? revocations = null,
    IDomainOwnershipProbe? probe = null) : IDomainOperations
{
    public async Task<DomainVerification> VerifyAsync(long tenantId, string name, Actor actor, bool operatorOverride, CancellationToken cancellationToken)
    {
        var domain = await FindAsync(tenantId, name, cancellationToken);
        if (domain.State == DomainState.Verified)
        {
            return new DomainVerification(domain, null);
        }

        if (operatorOverride)
        {
            var verified = await domains.MarkVerifiedAsync(tenantId, domain.DomainId, DomainVerifiedBy.Operator,
                DomainService.OperatorVerifyAudit(tenantId, actor, domain.Name), cancellationToken);
            return new DomainVerification(verified, null);
        }

        if (probe is null)
        {
            throw new InvalidOperationException("no DNS ownership probe is configured");
        }

        var result = await probe.ProbeAsync(domain.Name, domain.VerificationRecordValue, cancellationToken);
        await domains.RecordCheckAsync(tenantId, domain.DomainId, cancellationToken);
        if (result.Status != OwnershipProbeStatus.Present)
        {
            return new DomainVerification(domain, result);
        }

        var audit = new AuditEntry(tenantId, actor, "domain.verify", domain.Name, new Dictionary<string, string> { ["by"] = "dns" });
        return new DomainVerification(await domains.MarkVerifiedAsync(tenantId, domain.DomainId, DomainVerifiedBy.Dns, audit, cancellationToken), result);
    }

    public async Task<DkimKey> RotateDkimAsync(long tenantId, string name, string privateKeyPem, Actor actor, CancellationToken cancellationToken)
    {
        var domain = await FindAsync(tenantId, name, cancellationToken);
        await dkim.GetOrCreateAsync(tenantId, domain.DomainId, cancellationToken);
        var existing = (await directory.ListDkimKeysAsync(tenantId, domain.DomainId, cancellationToken)).Select(k => k.Selector).ToHashSet(StringComparer.Ordinal);
        if (existing.Count >= 2)
        {
            throw HostedMailException.Conflict("Two keys are published already: retire the old one before rotating again.");
        }

        var selector = dkim.RotationSelector(existing);
        return await directory.AddDkimKeyAsync(tenantId, domain.DomainId, selector, privateKeyPem,
            new AuditEntry(tenantId, actor, "domain.dkim-rotate", domain.Name, new Dictionary<string, string> { ["selector"] = selector }), cancellationToken);
    }

    public async Task RetireDkimAsync(long tenantId, string name, string selector, Actor actor, CancellationToken cancellationToken)
    {
        var domain = await FindAsync(tenantId, name, cancellationToken);
        var keys = await directory.ListDkimKeysAsync(tenantId, domain.DomainId, cancellationToken);
        if (keys.All(k => k.Selector != selector))
        {
            throw HostedMailException.NotFound("No such active DKIM selector.");
        }

        if (keys.Count == 1)
        {
            throw HostedMailException.Conflict("The only key cannot be retired: rotate first.");
        }

        await directory.RetireDkimKeyAsync(tenantId, domain.DomainId, selector,
            new AuditEntry(tenantId, actor, "domain.dkim-retire", domain.Name, new Dictionary<string, string> { ["selector"] = selector }), cancellationToken);
    }

    public async Task RemoveAsync(long tenantId, string name, Actor actor, CancellationToken cancellationToken)
    {
        var domain = await FindAsync(tenantId, name, cancellationToken);
        // Its mailboxes go with it (ON DELETE CASCADE): listed before, their sessions ended after the commit.
        IReadOnlyList<Mailbox> gone = revocations is null ? [] : await mailboxes.ListAsync(tenantId, domain.DomainId, cancellationToken);
        if (await directory.DeleteDomainAsync(tenantId, domain.DomainId, new AuditEntry(tenantId, actor, "domain.delete", domain.Name), cancellationToken))
        {
            await Task.WhenAll(gone.Select(m => revocations!.MailboxRevokedAsync(tenantId, m.MailboxId, cancellationToken)));
        }
    }

    private async Task<Domain> FindAsync(long tenantId, string name, CancellationToken cancellationToken)
    {
        var normalized = DomainName.Normalize(name);
        return await domains.FindAsync(tenantId, normalized, cancellationToken)
            ?? throw HostedMailException.NotFound($"domain {normalized} is not a domain of this tenant");
    }
}

/// <summary>Registration of the domain's writes (<see cref="IDomainOperations"/>).</summary>
public static class DomainOperationsServiceCollectionExtensions
{
    /// <summary>
    /// The writes the domain's grain runs, and <see cref="DomainService"/> runs directly outside a
    /// cluster: every composition that registers <see cref="DomainService"/> needs this (needs the stores).
    /// </summary>
    public static IServiceCollection AddDomainOperations(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<DkimKeyService>();
        services.TryAddSingleton<IDomainOperations, DomainOperations>();
        return services;
    }
}
