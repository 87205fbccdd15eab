using HostedMail.Core.Aliases;
using HostedMail.Core.Mailboxes;
using HostedMail.Core.Tenants;
using Orleans;

namespace HostedMail.Core.Delivery;

/// <summary>
/// Everything the first step of resolving a recipient needs, in one round trip: the verified
/// domain's tenant and state, and the mailbox or alias with exactly this address. SMTP asks it for
/// every RCPT, so it is one query rather than three.
/// </summary>
public interface IRecipientLookup
{
    /// <summary>Null when no tenant has verified <paramref name="domain"/>.</summary>
    Task<RecipientLookupResult?> FindAsync(string domain, string address, CancellationToken cancellationToken);
}

/// <summary>The verified domain's tenant and the mailbox or alias found at the address (either may be null).</summary>
[GenerateSerializer]
[Alias("HostedMail.RecipientLookupResult")]
public sealed record RecipientLookupResult(long TenantId, TenantState TenantState, Mailbox? Mailbox, Alias? Alias);
