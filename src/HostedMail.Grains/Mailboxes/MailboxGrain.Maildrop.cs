using HostedMail.Core.Messages;
using HostedMail.Grains.Mailboxes;
using Microsoft.Extensions.DependencyInjection;
using Orleans;
using Orleans.Runtime;

namespace HostedMail.Grains.Security;

/// <summary>The mailbox's grain as its POP3 maildrop lock (RFC 1939 section 4): one holder, cluster-wide.</summary>
internal sealed partial class MailboxGrain : IMaildropLockGrain
{
    private LeaseTable? _maildrop;

    private LeaseTable Maildrop => _maildrop ??= new LeaseTable(ServiceProvider.GetRequiredService<IClusterMembershipService>(), ServiceProvider.GetRequiredService<TimeProvider>());

    public Task<bool> TryLockAsync(Guid holder, string holderNode, TimeSpan lease) => Task.FromResult(Take(holder, holderNode, lease));

    // A renewal after the grain moved finds the table empty and takes the lock again.
    public Task<bool> RenewAsync(Guid holder, string holderNode, TimeSpan lease) => Task.FromResult(Take(holder, holderNode, lease));

    public Task ReleaseAsync(Guid holder)
    {
        Maildrop.Release(holder);
        return Task.CompletedTask;
    }

    private bool Take(Guid holder, string holderNode, TimeSpan lease)
    {
        if (!Maildrop.TryTake(holder, holderNode, limit: 1, lease))
        {
            return false;
        }

        // The lock lives in this activation's memory: it must not be collected while held.
        this.DelayDeactivation(lease);
        return true;
    }
}
