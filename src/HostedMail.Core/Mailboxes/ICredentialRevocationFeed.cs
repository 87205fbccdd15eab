using Orleans;
using Orleans.Concurrency;

namespace HostedMail.Core.Mailboxes;

/// <summary>
/// A logged-in session's mailbox and the credential stamp its login was checked against
/// (<see cref="IMailboxStore.FindCredentialStampAsync(string, CancellationToken)"/>; null when not
/// known, e.g. an OAuth token: then only a push or a mailbox that may no longer log in ends it).
/// </summary>
public sealed record SessionLogin(long TenantId, long MailboxId, long? CredentialStamp)
{
    /// <summary>
    /// Whether a mailbox whose stamp is now <paramref name="current"/> (null: it may not log in) no
    /// longer admits this login. Stamps only grow, so a session that logged in after the change
    /// (its stamp is the new one or newer) stays.
    /// </summary>
    public bool IsRevokedBy(long? current) => current is not { } now || (CredentialStamp is { } mine && mine < now);
}

/// <summary>
/// Tells this node when the credentials of a mailbox its sessions logged in as are revoked
/// anywhere in the cluster (password changed, app password deleted, mailbox disabled or deleted,
/// tenant suspended), after the change committed, so those sessions end. New logins do not
/// depend on it: they check the credential stamp.
/// </summary>
public interface ICredentialRevocationFeed
{
    /// <summary>
    /// Watches the login's mailbox (and tenant) until disposed; calls <paramref name="onRevoked"/>
    /// (at most once) when the login is revoked. The callback must only signal, never block.
    /// </summary>
    IDisposable Watch(SessionLogin login, Action onRevoked);
}

/// <summary>
/// The writer's side: told after a committed change that revokes a mailbox's credentials (the
/// store decorators of <see cref="HostedMail.Core.Directory.DirectoryChangeStores"/>, the domain's
/// writes for a deleted domain's mailboxes and the app password service call it). Never throws: the change is committed, and a lost notice costs at most the fallback
/// (the node's next watch renewal that finds the grain moved compares credential stamps).
/// </summary>
public interface ICredentialRevocationNotifier
{
    Task MailboxRevokedAsync(long tenantId, long mailboxId, CancellationToken cancellationToken);
}

/// <summary>
/// The mailbox's grain as the hub of its credential revocations (keyed by
/// <see cref="Messages.MailboxGrainKeys.Of"/>): writers tell it after their commit; every node with
/// sessions of the mailbox watches it.
/// </summary>
[Alias("HostedMail.ICredentialHubGrain")]
public interface ICredentialHubGrain : IGrainWithStringKey
{
    /// <summary>A revocation committed: the grain reads the mailbox's stamp and tells every watcher.</summary>
    [Alias("Revoked")]
    Task RevokedAsync();

    /// <summary>Adds or refreshes a node's watch; returns the mailbox's credential stamp now (null: it may not log in).</summary>
    [Alias("WatchCredentials")]
    Task<long?> WatchCredentialsAsync(ICredentialWatcher watcher, string node);

    [Alias("UnwatchCredentials")]
    Task UnwatchCredentialsAsync(ICredentialWatcher watcher);

    /// <summary>Live credential watches now (tests and operators).</summary>
    [Alias("CredentialWatcherCount")]
    Task<int> CredentialWatcherCountAsync();
}

/// <summary>A node's watcher of credential revocations (an Orleans observer, one per node), watching mailbox and tenant grains.</summary>
[Alias("HostedMail.ICredentialWatcher")]
public interface ICredentialWatcher : IGrainObserver
{
    /// <summary>The mailbox's credentials were revoked; <paramref name="stamp"/> is its stamp now (null: it may not log in).</summary>
    [OneWay]
    [Alias("MailboxRevoked")]
    Task MailboxRevokedAsync(long tenantId, long mailboxId, long? stamp);

    /// <summary>The tenant was suspended: none of its mailboxes may log in.</summary>
    [OneWay]
    [Alias("TenantSuspended")]
    Task TenantSuspendedAsync(long tenantId);

    /// <summary>The mailbox's grain is deactivating and forgets its watchers: watch again.</summary>
    [OneWay]
    [Alias("MailboxClosing")]
    Task MailboxClosingAsync(long tenantId, long mailboxId);

    /// <summary>The tenant's grain is deactivating and forgets its watchers: watch again.</summary>
    [OneWay]
    [Alias("TenantClosing")]
    Task TenantClosingAsync(long tenantId);
}
