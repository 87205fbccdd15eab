using HostedMail.Core.Audit;

namespace HostedMail.Core.Domains;

/// <summary>Adds, verifies and lists tenants' domains; owns the rule that a verified name belongs to one tenant.</summary>
public sealed class DomainService(IDomainStore store, IDomainOwnershipProbe? probe = null)
{
    /// <summary>Adds a domain to a tenant; <paramref name="operatorVerified"/> skips the DNS proof and is audited.</summary>
    public async Task<Domain> AddAsync(long tenantId, string name, Actor actor, bool operatorVerified, CancellationToken cancellationToken = default)
    {
        var normalized = await CheckAddableAsync(tenantId, name, cancellationToken);
        var audit = new List<AuditEntry> { new(tenantId, actor, "domain.add", normalized) };
        if (operatorVerified)
        {
            audit.Add(OperatorVerifyAudit(tenantId, actor, normalized));
        }

        return await store.AddAsync(tenantId, normalized, DomainOwnership.NewToken(), operatorVerified ? DomainVerifiedBy.Operator : null, audit, cancellationToken);
    }

    /// <summary>
    /// The normalized name when the tenant may add it; Conflict when the tenant has it already or
    /// another tenant has verified it. Callers check this before plan limits, so a duplicate is a
    /// conflict on every plan, not a plan-limit refusal.
    /// </summary>
    public async Task<string> CheckAddableAsync(long tenantId, string name, CancellationToken cancellationToken = default)
    {
        var normalized = DomainName.Normalize(name);
        var owner = await store.FindVerifiedAsync(normalized, cancellationToken);
        if (owner is not null)
        {
            throw owner.TenantId == tenantId
                ? HostedMailException.Conflict($"domain {normalized} is already added")
                : HostedMailException.Conflict($"domain {normalized} is already verified by another tenant");
        }

        if (await store.FindAsync(tenantId, normalized, cancellationToken) is not null)
        {
            throw HostedMailException.Conflict($"domain {normalized} is already added");
        }

        return normalized;
    }

    /// <summary>Verifies a tenant's domain through its DNS proof, or by operator override.</summary>
    public async Task<DomainVerification> VerifyAsync(long tenantId, string name, Actor actor, bool operatorOverride, CancellationToken cancellationToken = default)
    {
        var normalized = DomainName.Normalize(name);
        var domain = await store.FindAsync(tenantId, normalized, cancellationToken)
            ?? throw HostedMailException.NotFound($"domain {normalized} is not a domain of this tenant");
        if (domain.State == DomainState.Verified)
        {
            return new DomainVerification(domain, null);
        }

        if (operatorOverride)
        {
            var verified = await store.MarkVerifiedAsync(tenantId, domain.DomainId, DomainVerifiedBy.Operator, OperatorVerifyAudit(tenantId, actor, normalized), cancellationToken);
            return new DomainVerification(verified, null);
        }

        if (probe is null)
        {
            throw new InvalidOperationException("no DNS ownership probe is configured");
        }

        var result = await probe.ProbeAsync(normalized, domain.VerificationRecordValue, cancellationToken);
        await store.RecordCheckAsync(tenantId, domain.DomainId, cancellationToken);
        if (result.Status != OwnershipProbeStatus.Present)
        {
            return new DomainVerification(domain, result);
        }

        var audit = new AuditEntry(tenantId, actor, "domain.verify", normalized, new Dictionary<string, string> { ["by"] = "dns" });
        return new DomainVerification(await store.MarkVerifiedAsync(tenantId, domain.DomainId, DomainVerifiedBy.Dns, audit, cancellationToken), result);
    }

    public Task<IReadOnlyList<Domain>> ListAsync(long? tenantId, CancellationToken cancellationToken = default) => store.ListAsync(tenantId, cancellationToken);

    /// <summary>The tenant's domain with this name; NotFound names the tenant problem the way a user sees it.</summary>
    public async Task<Domain> GetAsync(long tenantId, string name, CancellationToken cancellationToken = default)
    {
        var normalized = DomainName.Normalize(name);
        return await store.FindAsync(tenantId, normalized, cancellationToken) ?? throw await NotOwnedAsync(normalized, cancellationToken);
    }

    /// <summary>
    /// The tenant's domain with this name, or null; unlike <see cref="GetAsync"/> it never says
    /// whether another tenant has the name (the portal must not tell tenants about each other).
    /// </summary>
    /// <summary>Every tenant's domain of this name (pending in several, verified in at most one).</summary>
    public Task<IReadOnlyList<Domain>> FindAllAsync(string name, CancellationToken cancellationToken = default) =>
        store.FindAllByNameAsync(DomainName.Normalize(name), cancellationToken);

    public Task<Domain?> FindAsync(long tenantId, string name, CancellationToken cancellationToken = default) =>
        store.FindAsync(tenantId, DomainName.Normalize(name), cancellationToken);

    /// <summary>The one tenant that holds this domain: the verifying tenant, else the only tenant that added it.</summary>
    public async Task<Domain> ResolveOwnerAsync(string name, CancellationToken cancellationToken = default)
    {
        var normalized = DomainName.Normalize(name);
        var all = await store.FindAllByNameAsync(normalized, cancellationToken);
        var verified = all.FirstOrDefault(d => d.State == DomainState.Verified);
        return verified ?? all.Count switch
        {
            0 => throw HostedMailException.NotFound($"domain {normalized} is not hosted here"),
            1 => all[0],
            _ => throw HostedMailException.Invalid($"domain {normalized} is pending in several tenants: name the tenant"),
        };
    }

    private async Task<HostedMailException> NotOwnedAsync(string normalized, CancellationToken cancellationToken)
    {
        var others = await store.FindAllByNameAsync(normalized, cancellationToken);
        return others.Count > 0
            ? HostedMailException.Conflict($"domain {normalized} belongs to another tenant")
            : HostedMailException.NotFound($"domain {normalized} is not a domain of this tenant");
    }

    private static AuditEntry OperatorVerifyAudit(long tenantId, Actor actor, string name) =>
        new(tenantId, actor, "domain.verify", name, new Dictionary<string, string> { ["by"] = "operator-override" });
}

/// <summary>The domain after a verification attempt and, when DNS was asked, what it said.</summary>
public sealed record DomainVerification(Domain Domain, OwnershipProbeResult? Probe)
{
    public bool IsVerified => Domain.State == DomainState.Verified;
}
