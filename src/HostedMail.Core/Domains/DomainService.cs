using HostedMail.Core.Audit;
using Orleans;

namespace HostedMail.Core.Domains;

/// <summary>
/// Adds, finds and lists tenants' domains, and owns the rule that a verified name belongs to one
/// tenant. The writes after the addition (verify, DKIM rotate and retire, remove) go through the
/// domain's grain (<see cref="IDomainGrain"/>) when this process is part of a cluster
/// (<paramref name="grains"/> given), so the grain stays the single writer whose memory answers
/// RCPT; without a cluster the same <see cref="IDomainOperations"/> run here. (The addition itself
/// goes through the tenant's grain, which owns the plan's limits: <see cref="Tenants.TenantService"/>.)
/// </summary>
public sealed class DomainService(IDomainStore store, IDomainOperations? operations = null, IGrainFactory? grains = null) : IDomainOperations
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

    /// <summary>Verifies a tenant's domain through its DNS proof, or by operator override (<see cref="IDomainOperations.VerifyAsync"/>).</summary>
    public Task<DomainVerification> VerifyAsync(long tenantId, string name, Actor actor, bool operatorOverride, CancellationToken cancellationToken = default)
    {
        var normalized = DomainName.Normalize(name);
        return grains is not null
            ? Grain(normalized).VerifyAsync(tenantId, actor, operatorOverride).WaitAsync(cancellationToken)
            : Operations.VerifyAsync(tenantId, normalized, actor, operatorOverride, cancellationToken);
    }

    /// <summary>
    /// Adds a second DKIM key to the tenant's domain (<see cref="IDomainOperations.RotateDkimAsync"/>):
    /// <paramref name="privateKeyPem"/> from <see cref="DkimKeyService.NewPrivateKeyPem"/>, made by the caller.
    /// </summary>
    public Task<DkimKey> RotateDkimAsync(long tenantId, string name, string privateKeyPem, Actor actor, CancellationToken cancellationToken = default)
    {
        var normalized = DomainName.Normalize(name);
        return grains is not null
            ? Grain(normalized).RotateDkimAsync(tenantId, privateKeyPem, actor).WaitAsync(cancellationToken)
            : Operations.RotateDkimAsync(tenantId, normalized, privateKeyPem, actor, cancellationToken);
    }

    /// <summary>Retires one of the tenant's domain's DKIM keys (<see cref="IDomainOperations.RetireDkimAsync"/>).</summary>
    public Task RetireDkimAsync(long tenantId, string name, string selector, Actor actor, CancellationToken cancellationToken = default)
    {
        var normalized = DomainName.Normalize(name);
        return grains is not null
            ? Grain(normalized).RetireDkimAsync(tenantId, selector, actor).WaitAsync(cancellationToken)
            : Operations.RetireDkimAsync(tenantId, normalized, selector, actor, cancellationToken);
    }

    /// <summary>Removes the tenant's domain with its mailboxes, aliases and keys (<see cref="IDomainOperations.RemoveAsync"/>).</summary>
    public Task RemoveAsync(long tenantId, string name, Actor actor, CancellationToken cancellationToken = default)
    {
        var normalized = DomainName.Normalize(name);
        return grains is not null
            ? Grain(normalized).RemoveAsync(tenantId, actor).WaitAsync(cancellationToken)
            : Operations.RemoveAsync(tenantId, normalized, actor, cancellationToken);
    }

    public Task<IReadOnlyList<Domain>> ListAsync(long? tenantId, CancellationToken cancellationToken = default) => store.ListAsync(tenantId, cancellationToken);

    /// <summary>The tenant's domain with this name; NotFound names the tenant problem the way a user sees it.</summary>
    public async Task<Domain> GetAsync(long tenantId, string name, CancellationToken cancellationToken = default)
    {
        var normalized = DomainName.Normalize(name);
        return await store.FindAsync(tenantId, normalized, cancellationToken) ?? throw await NotOwnedAsync(normalized, cancellationToken);
    }

    /// <summary>Every tenant's domain of this name (pending in several, verified in at most one).</summary>
    public Task<IReadOnlyList<Domain>> FindAllAsync(string name, CancellationToken cancellationToken = default) =>
        store.FindAllByNameAsync(DomainName.Normalize(name), cancellationToken);

    /// <summary>
    /// The tenant's domain with this name, or null; unlike <see cref="GetAsync"/> it never says
    /// whether another tenant has the name (the portal must not tell tenants about each other).
    /// </summary>
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

    /// <summary>The audit entry of a verification by operator override (at addition or later).</summary>
    public static AuditEntry OperatorVerifyAudit(long tenantId, Actor actor, string name) =>
        new(tenantId, actor, "domain.verify", name, new Dictionary<string, string> { ["by"] = "operator-override" });

    private IDomainGrain Grain(string normalized) => grains!.GetGrain<IDomainGrain>(DomainKeys.Of(normalized));

    private IDomainOperations Operations => operations ?? throw new InvalidOperationException("IDomainOperations is not registered (AddDomainOperations)");
}

/// <summary>The domain after a verification attempt and, when DNS was asked, what it said.</summary>
[GenerateSerializer]
[Alias("HostedMail.DomainVerification")]
public sealed record DomainVerification(Domain Domain, OwnershipProbeResult? Probe)
{
    public bool IsVerified => Domain.State == DomainState.Verified;
}
