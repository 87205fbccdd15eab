using HostedMail.Core.Audit;
using HostedMail.Core.Delivery;
using Orleans;
using Orleans.Concurrency;

namespace HostedMail.Core.Domains;

/// <summary>
/// The domain's grain (ARCHITECTURE.md), keyed by the normalized domain name: the single writer of
/// the domain after it was added (verification, DKIM keys, removal: <see cref="IDomainOperations"/>,
/// called through <see cref="DomainService"/>), answers SMTP RCPT resolution for its addresses from
/// memory (the verified domain's tenant and state, its mailboxes and aliases, loaded once), and
/// runs the domain's DNS checks from an Orleans reminder, once per interval for the whole cluster.
/// Its own writes correct its memory in the same turn; the changes made elsewhere that RCPT sees
/// (the domain's addition by its tenant's grain, mailboxes, aliases, the tenant's state) tell it
/// (<see cref="IDirectoryChangeNotifier"/>) before they are reported done, so an address created
/// through one node is deliverable through every node at once.
/// </summary>
/// <remarks>
/// The writes are not read-only, so they run one at a time and never beside an RCPT lookup; each
/// names the tenant whose row it changes, because several tenants may have added the same name
/// while it is pending, and only one can have verified it.
/// </remarks>
[Alias("HostedMail.IDomainGrain")]
public interface IDomainGrain : IGrainWithStringKey
{
    /// <summary>Like <see cref="IRecipientLookup.FindAsync"/>: null when no tenant has verified the domain.</summary>
    [Alias("Find"), ReadOnly]
    Task<RecipientLookupResult?> FindAsync(string address);

    /// <summary>Verifies the tenant's domain now (<see cref="IDomainOperations.VerifyAsync"/>); RCPT answers from the verified directory at once.</summary>
    [Alias("Verify")]
    Task<DomainVerification> VerifyAsync(long tenantId, Actor actor, bool operatorOverride);

    /// <summary>Adds the tenant's domain a second DKIM key (<see cref="IDomainOperations.RotateDkimAsync"/>); Conflict when two are published.</summary>
    [Alias("RotateDkim")]
    Task<DkimKey> RotateDkimAsync(long tenantId, string privateKeyPem, Actor actor);

    /// <summary>Retires one of the tenant's domain's DKIM keys (<see cref="IDomainOperations.RetireDkimAsync"/>).</summary>
    [Alias("RetireDkim")]
    Task RetireDkimAsync(long tenantId, string selector, Actor actor);

    /// <summary>Removes the tenant's domain (<see cref="IDomainOperations.RemoveAsync"/>); RCPT stops answering for it at once.</summary>
    [Alias("Remove")]
    Task RemoveAsync(long tenantId, Actor actor);

    /// <summary>The domain's directory changed elsewhere (its addition, a mailbox, an alias, the tenant's state): the next answer is loaded again.</summary>
    [Alias("Invalidate")]
    Task InvalidateAsync();

    /// <summary>How many times this activation loaded the directory from the database (operators and tests).</summary>
    [Alias("LoadCount"), ReadOnly]
    Task<int> LoadCountAsync();

    /// <summary>Makes sure the domain's DNS checks run on the grain's reminder (idempotent; nothing when checks are off).</summary>
    [Alias("EnsureChecks")]
    Task EnsureChecksAsync();
}

/// <summary>The grain key of a domain name: normalized (lower case, no trailing dot).</summary>
public static class DomainKeys
{
    public static string Of(string domain) => domain.Trim().TrimEnd('.').ToLowerInvariant();
}
