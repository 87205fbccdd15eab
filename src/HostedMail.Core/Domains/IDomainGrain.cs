using HostedMail.Core.Delivery;
using Orleans;
using Orleans.Concurrency;

namespace HostedMail.Core.Domains;

/// <summary>
/// The domain's grain (ARCHITECTURE.md), keyed by the normalized domain name: answers SMTP RCPT
/// resolution for its addresses from memory (the verified domain's tenant and state, its
/// mailboxes and aliases, loaded once), and runs the domain's DNS checks from an Orleans
/// reminder, once per interval for the whole cluster.
/// Every change to the domain's directory tells it (<see cref="IDirectoryChangeNotifier"/>) before
/// the change is reported done, so an address created through one node is deliverable through
/// every node at once.
/// </summary>
[Alias("HostedMail.IDomainGrain")]
public interface IDomainGrain : IGrainWithStringKey
{
    /// <summary>Like <see cref="IRecipientLookup.FindAsync"/>: null when no tenant has verified the domain.</summary>
    [Alias("Find"), ReadOnly]
    Task<RecipientLookupResult?> FindAsync(string address);

    /// <summary>The domain's directory changed: the next answer is loaded again.</summary>
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
