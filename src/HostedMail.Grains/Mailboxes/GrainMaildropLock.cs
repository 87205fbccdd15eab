using HostedMail.Core.Messages;
using Microsoft.Extensions.Logging;
using Orleans;
using Orleans.Runtime;

namespace HostedMail.Grains.Mailboxes;

/// <summary><see cref="IMaildropLock"/> as a lease in the mailbox's grain, renewed while the POP3 session lasts.</summary>
internal sealed class GrainMaildropLock(IGrainFactory grains, ILocalSiloDetails silo, MailboxCoordinationOptions options, TimeProvider time, ILogger<GrainMaildropLock> logger) : IMaildropLock
{
    public async Task<IAsyncDisposable?> TryAcquireAsync(long tenantId, long mailboxId, CancellationToken cancellationToken)
    {
        var grain = grains.GetGrain<IMaildropLockGrain>(MailboxGrainKeys.Of(tenantId, mailboxId));
        var holder = Guid.NewGuid();
        var node = silo.SiloAddress.ToParsableString();
        var lease = options.MaildropLease;
        if (!await grain.TryLockAsync(holder, node, lease).WaitAsync(cancellationToken))
        {
            return null;
        }

        return new LeaseHandle($"the maildrop lock of mailbox {tenantId}/{mailboxId}", lease,
            () => grain.RenewAsync(holder, node, lease).WaitAsync(options.CallTimeout), () => grain.ReleaseAsync(holder).WaitAsync(options.CallTimeout), time, logger);
    }
}
