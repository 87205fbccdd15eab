using System.Collections.Concurrent;
using HostedMail.Core.Mailboxes;
using HostedMail.Core.Messages;
using HostedMail.Core.Tenants;
using Microsoft.Extensions.Logging;
using Orleans;
using Orleans.Runtime;

namespace HostedMail.Grains.Mailboxes;

/// <summary>
/// The node's one watcher of credential revocations (replacing LISTEN/NOTIFY): for every mailbox
/// its sessions logged in as, it watches the mailbox's grain and the tenant's grain, and ends the
/// sessions a revocation no longer admits (<see cref="SessionLogin.IsRevokedBy"/>).
/// </summary>
// Implementation notes:
// - A push (MailboxRevoked) ends the sessions whose login stamp is older than the stamp the grain
//   read after the commit, and those with no stamp (OAuth tokens); a session that logged in with
//   the new password stays. TenantSuspended ends every session of the tenant.
// - The fallback: every watch answer carries the grain's view (the mailbox's stamp, whether the
//   tenant is active), and the sessions it no longer admits end. So a revocation told while the
//   grain did not know this node (before the node's first watch landed, or while the grain moved)
//   still ends them when the watch lands: at once for a first watch or a deactivation (the grain
//   says it closes), within a membership update for a node's death, else at the next renewal.
// - Callbacks only signal (MailConnection.RequestClose); sessions answer at their next wait.
internal sealed class CredentialWatcher : ICredentialRevocationFeed, ICredentialWatcher, IAsyncDisposable
{
    private readonly ConcurrentDictionary<(long Tenant, long Mailbox), Entry[]> _entries = new();
    private readonly Lock _lock = new();
    private readonly IGrainFactory _grains;
    private readonly ILocalSiloDetails _silo;
    private readonly ILogger _logger;
    private readonly GrainWatches<(long Tenant, long Mailbox)> _mailboxes;
    private readonly GrainWatches<long> _tenants;
    private ICredentialWatcher? _self;
    private string? _node;

    public CredentialWatcher(IGrainFactory grains, ILocalSiloDetails silo, IClusterMembershipService membership, MailboxCoordinationOptions options,
        TimeProvider time, ILogger<CredentialWatcher> logger)
    {
        _grains = grains;
        _silo = silo;
        _logger = logger;
        _mailboxes = new GrainWatches<(long Tenant, long Mailbox)>(WatchMailboxAsync, UnwatchMailboxAsync, membership, options, time, logger);
        _tenants = new GrainWatches<long>(WatchTenantAsync, UnwatchTenantAsync, membership, options, time, logger);
    }

    private string Node => _node ??= _silo.SiloAddress.ToParsableString();

    private ICredentialWatcher Self
    {
        get
        {
            lock (_lock)
            {
                return _self ??= _grains.CreateObjectReference<ICredentialWatcher>(this);
            }
        }
    }

    public IDisposable Watch(SessionLogin login, Action onRevoked)
    {
        var entry = new Entry(this, login, onRevoked);
        _entries.AddOrUpdate(entry.Mailbox, _ => [entry], (_, existing) => [.. existing, entry]);
        _mailboxes.Add(entry.Mailbox);
        _tenants.Add(login.TenantId);
        return entry;
    }

    Task ICredentialWatcher.MailboxRevokedAsync(long tenantId, long mailboxId, long? stamp)
    {
        End((tenantId, mailboxId), login => login.CredentialStamp is null || login.IsRevokedBy(stamp));
        return Task.CompletedTask;
    }

    Task ICredentialWatcher.TenantSuspendedAsync(long tenantId)
    {
        EndTenant(tenantId);
        return Task.CompletedTask;
    }

    Task ICredentialWatcher.MailboxClosingAsync(long tenantId, long mailboxId)
    {
        _ = _mailboxes.WatchAsync((tenantId, mailboxId));
        return Task.CompletedTask;
    }

    Task ICredentialWatcher.TenantClosingAsync(long tenantId)
    {
        _ = _tenants.WatchAsync(tenantId);
        return Task.CompletedTask;
    }

    /// <summary>Mailboxes and tenants this node watches now (tests).</summary>
    internal (int Mailboxes, int Tenants) WatchedCount => (_mailboxes.Count, _tenants.Count);

    public async ValueTask DisposeAsync()
    {
        await _mailboxes.DisposeAsync().ConfigureAwait(false);
        await _tenants.DisposeAsync().ConfigureAwait(false);
        ICredentialWatcher? self;
        lock (_lock)
        {
            self = _self;
            _self = null;
        }

        if (self is not null)
        {
            try
            {
                _grains.DeleteObjectReference<ICredentialWatcher>(self);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                _logger.LogDebug(ex, "Could not delete the credential watcher's observer reference");
            }
        }
    }

    // Every answer, first or not, is compared with the sessions' stamps: the flag is not needed here.
    private async Task WatchMailboxAsync((long Tenant, long Mailbox) mailbox, bool first, CancellationToken cancellationToken)
    {
        var stamp = await _grains.GetGrain<ICredentialHubGrain>(MailboxGrainKeys.Of(mailbox.Tenant, mailbox.Mailbox)).WatchCredentialsAsync(Self, Node).WaitAsync(cancellationToken).ConfigureAwait(false);
        End(mailbox, login => login.IsRevokedBy(stamp));
    }

    private async Task WatchTenantAsync(long tenantId, bool first, CancellationToken cancellationToken)
    {
        if (!await _grains.GetGrain<ITenantGrain>(tenantId).WatchCredentialsAsync(Self, Node).WaitAsync(cancellationToken).ConfigureAwait(false))
        {
            EndTenant(tenantId);
        }
    }

    private async Task UnwatchMailboxAsync((long Tenant, long Mailbox) mailbox)
    {
        if (_self is not { } self)
        {
            return;
        }

        try
        {
            await _grains.GetGrain<ICredentialHubGrain>(MailboxGrainKeys.Of(mailbox.Tenant, mailbox.Mailbox)).UnwatchCredentialsAsync(self).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The grain forgets the watch by itself after three renewal periods.
            _logger.LogDebug(ex, "Could not unwatch the credentials of mailbox {Tenant}/{Mailbox}", mailbox.Tenant, mailbox.Mailbox);
        }
    }

    private async Task UnwatchTenantAsync(long tenantId)
    {
        if (_self is not { } self)
        {
            return;
        }

        try
        {
            await _grains.GetGrain<ITenantGrain>(tenantId).UnwatchCredentialsAsync(self).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _logger.LogDebug(ex, "Could not unwatch the credentials of tenant {Tenant}", tenantId);
        }
    }

    private void End((long Tenant, long Mailbox) mailbox, Func<SessionLogin, bool> revoked)
    {
        if (_entries.TryGetValue(mailbox, out var entries))
        {
            foreach (var entry in entries)
            {
                if (revoked(entry.Login))
                {
                    entry.Fire();
                }
            }
        }
    }

    private void EndTenant(long tenantId)
    {
        foreach (var (mailbox, entries) in _entries)
        {
            if (mailbox.Tenant == tenantId)
            {
                foreach (var entry in entries)
                {
                    entry.Fire();
                }
            }
        }
    }

    private void Remove(Entry entry)
    {
        while (_entries.TryGetValue(entry.Mailbox, out var existing))
        {
            var without = existing.Where(e => e != entry).ToArray();
            var done = without.Length == 0
                ? _entries.TryRemove(new KeyValuePair<(long, long), Entry[]>(entry.Mailbox, existing))
                : _entries.TryUpdate(entry.Mailbox, without, existing);
            if (done)
            {
                break;
            }
        }

        _mailboxes.Remove(entry.Mailbox);
        _tenants.Remove(entry.Login.TenantId);
    }

    private sealed class Entry(CredentialWatcher watcher, SessionLogin login, Action onRevoked) : IDisposable
    {
        private int _fired;
        private int _disposed;

        public SessionLogin Login { get; } = login;

        public (long Tenant, long Mailbox) Mailbox { get; } = (login.TenantId, login.MailboxId);

        public void Fire()
        {
            if (Volatile.Read(ref _disposed) == 0 && Interlocked.Exchange(ref _fired, 1) == 0)
            {
                onRevoked();
            }
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                watcher.Remove(this);
            }
        }
    }
}
