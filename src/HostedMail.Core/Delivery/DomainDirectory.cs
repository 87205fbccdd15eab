using HostedMail.Core.Aliases;
using HostedMail.Core.Mailboxes;
using HostedMail.Core.Tenants;

namespace HostedMail.Core.Delivery;

/// <summary>
/// Everything RCPT resolution needs about one verified domain, loaded in one go: its tenant and
/// state, and every mailbox and alias (catch-all included) of the domain. <see cref="IDomainGrain"/>
/// keeps one in memory and answers <see cref="Find"/> without a query.
/// </summary>
public sealed class DomainDirectory
{
    private readonly Dictionary<string, Mailbox> _mailboxes;
    private readonly Dictionary<string, Alias> _aliases;

    private IReadOnlyDictionary<long, long>? _usage;

    public DomainDirectory(long tenantId, long domainId, TenantState state, IEnumerable<Mailbox> mailboxes, IEnumerable<Alias> aliases)
    {
        TenantId = tenantId;
        DomainId = domainId;
        State = state;
        _mailboxes = mailboxes.ToDictionary(m => m.Address, StringComparer.Ordinal);
        _aliases = aliases.ToDictionary(a => a.Address, StringComparer.Ordinal);
    }

    public long TenantId { get; }

    public long DomainId { get; }

    public TenantState State { get; }

    public int Count => _mailboxes.Count + _aliases.Count;

    /// <summary>The same answer <see cref="IRecipientLookup.FindAsync"/> gives for an address of this domain.</summary>
    public RecipientLookupResult Find(string address)
    {
        var mailbox = _mailboxes.GetValueOrDefault(address);
        if (mailbox is not null && _usage is not null && _usage.TryGetValue(mailbox.MailboxId, out var used) && used != mailbox.UsedBytes)
        {
            mailbox = mailbox with { UsedBytes = used };
        }

        return new(TenantId, State, mailbox, _aliases.GetValueOrDefault(address));
    }

    /// <summary>
    /// Replaces the mailboxes' used bytes (the RCPT quota check's input), which change with every
    /// delivery, APPEND and EXPUNGE rather than through the directory's writers.
    /// </summary>
    public void SetUsage(IReadOnlyDictionary<long, long> usedBytes) => _usage = usedBytes;
}

/// <summary>Loads a <see cref="DomainDirectory"/> (PostgreSQL implements it).</summary>
public interface IDomainDirectoryStore
{
    /// <summary>The verified domain's directory; null when no tenant has verified <paramref name="domain"/>.</summary>
    Task<DomainDirectory?> LoadAsync(string domain, CancellationToken cancellationToken);

    /// <summary>The used bytes of every mailbox of the domain, by mailbox id (one query for the whole domain).</summary>
    Task<IReadOnlyDictionary<long, long>> LoadUsageAsync(long tenantId, long domainId, CancellationToken cancellationToken);
}

/// <summary>
/// Told after every committed change to a tenant's directory made outside the domain's grain
/// (tenant state, a domain's addition, mailboxes, aliases), before the change is reported done,
/// with the domains it may touch: the grains that answer from memory forget what they knew. The
/// store decorators of <see cref="Directory.DirectoryChangeStores"/> call it, so no writer can
/// forget to. (The domain's own writes, <see cref="Domains.IDomainOperations"/>, run in its grain,
/// which corrects its memory itself.)
/// </summary>
public interface IDirectoryChangeNotifier
{
    Task DirectoryChangedAsync(long tenantId, IReadOnlyCollection<string> domains, CancellationToken cancellationToken);
}
