using HostedMail.Core.Delivery;
using HostedMail.Core.Domains;
using Orleans;

namespace HostedMail.Grains.Domains;

/// <summary>The domain's grain: RCPT resolution from memory (<see cref="IDomainGrain"/>).</summary>
// Implementation notes:
// - The directory is loaded once per activation (or after an invalidation) and shared by every
//   read; FindAsync is [ReadOnly], so RCPTs interleave, and the one load they may wait for is one
//   Task. InvalidateAsync is not read-only: it waits for running reads, then drops the directory.
// - "Not hosted here" is cached too (a null directory): the domain's add or verification
//   invalidates it like any other change.
// - Orleans may briefly run two activations while membership changes; an invalidation reaches
//   one of them. Mail accepted from a stale directory in that moment is still checked at
//   delivery by the store's constraints, and the grain directory settles within seconds.
internal sealed class DomainGrain(IDomainDirectoryStore store) : Grain, IDomainGrain
{
    private Task<DomainDirectory?>? _directory;
    private int _loads;

    public async Task<RecipientLookupResult?> FindAsync(string address)
    {
        var directory = await (_directory ??= LoadAsync());
        return directory?.Find(address);
    }

    public async Task InvalidateAsync()
    {
        if (_directory is { } pending)
        {
            // A load that started before the change must not be kept: wait for it, then drop it.
            try
            {
                await pending;
            }
            catch (Exception)
            {
                // A failed load is dropped below like any other.
            }
        }

        _directory = null;
    }

    public Task<int> LoadCountAsync() => Task.FromResult(_loads);

    private async Task<DomainDirectory?> LoadAsync()
    {
        _loads++;
        try
        {
            return await store.LoadAsync(this.GetPrimaryKeyString(), CancellationToken.None);
        }
        catch
        {
            // Never cache a failure: the next RCPT tries again (and gets its 4xx from this one).
            _directory = null;
            throw;
        }
    }
}
