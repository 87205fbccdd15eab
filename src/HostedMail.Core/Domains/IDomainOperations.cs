using HostedMail.Core.Audit;

namespace HostedMail.Core.Domains;

/// <summary>
/// A domain's writes after it was added: ownership verification, DKIM rotation and retirement,
/// removal. Each acts on one tenant's row of the name only (several tenants may have added the
/// same name while it is pending) and records its audit entry in the write's transaction.
/// </summary>
/// <remarks>
/// Implemented in HostedMail.Grains and run by the domain's grain (<see cref="IDomainGrain"/>),
/// one write at a time per name cluster-wide, which keeps its RCPT memory true.
/// <see cref="DomainService"/> (the callers' door) sends them to the grain when the process is
/// part of a cluster and runs them directly when it is not (an operator tool with no node running,
/// tests of one component); <see cref="IDomainCheckRunner"/> gets them from inside the grain's turn.
/// </remarks>
public interface IDomainOperations
{
    /// <summary>
    /// Verifies the tenant's domain through its DNS proof (the check is recorded either way), or by
    /// operator override (audited as such); an already verified domain is returned as it is.
    /// NotFound when the tenant has no such domain; Conflict when another tenant verified the name.
    /// </summary>
    Task<DomainVerification> VerifyAsync(long tenantId, string name, Actor actor, bool operatorOverride, CancellationToken cancellationToken);

    /// <summary>
    /// Adds a second DKIM key (<paramref name="privateKeyPem"/>, made by the caller: key generation
    /// stays out of the grain's turn) under a new selector; the old key stays published until retired.
    /// Conflict when two keys are published already.
    /// </summary>
    Task<DkimKey> RotateDkimAsync(long tenantId, string name, string privateKeyPem, Actor actor, CancellationToken cancellationToken);

    /// <summary>Stops publishing and using a key: NotFound for no such active selector, Conflict for the only key.</summary>
    Task RetireDkimAsync(long tenantId, string name, string selector, Actor actor, CancellationToken cancellationToken);

    /// <summary>Deletes the tenant's domain with its mailboxes (whose open sessions end), aliases and keys; NotFound when there is none.</summary>
    Task RemoveAsync(long tenantId, string name, Actor actor, CancellationToken cancellationToken);
}
