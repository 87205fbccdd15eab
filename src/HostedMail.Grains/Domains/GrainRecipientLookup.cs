using HostedMail.Core.Delivery;
using HostedMail.Core.Domains;
using Orleans;

namespace HostedMail.Grains.Domains;

/// <summary><see cref="IRecipientLookup"/> answered by the domain's grain from memory: no query per RCPT.</summary>
internal sealed class GrainRecipientLookup(IGrainFactory grains) : IRecipientLookup
{
    public Task<RecipientLookupResult?> FindAsync(string domain, string address, CancellationToken cancellationToken) =>
        grains.GetGrain<IDomainGrain>(DomainKeys.Of(domain)).FindAsync(address).WaitAsync(cancellationToken);
}

/// <summary>
/// Tells the grains that answer from memory about a committed directory change: the domains'
/// grains drop their directories, the tenant's grain its cached row. Without a cluster (an
/// operator tool while no node runs) there is no grain memory to correct.
/// </summary>
public sealed class GrainDirectoryChangeNotifier(IGrainFactory? grains = null) : IDirectoryChangeNotifier
{
    public async Task DirectoryChangedAsync(long tenantId, IReadOnlyCollection<string> domains, CancellationToken cancellationToken)
    {
        if (grains is null)
        {
            return;
        }

        var calls = domains.Select(d => grains.GetGrain<IDomainGrain>(DomainKeys.Of(d)).InvalidateAsync()).ToList();
        calls.Add(grains.GetGrain<Core.Tenants.ITenantGrain>(tenantId).ForgetAsync());
        await Task.WhenAll(calls).WaitAsync(cancellationToken);
    }
}
