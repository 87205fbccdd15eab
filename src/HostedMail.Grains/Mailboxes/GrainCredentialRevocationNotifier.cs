using HostedMail.Core.Mailboxes;
using HostedMail.Core.Messages;
using Microsoft.Extensions.Logging;
using Orleans;

namespace HostedMail.Grains.Mailboxes;

/// <summary>
/// Tells the mailbox's grain about a committed revocation; the grain tells every node watching it.
/// Without a cluster (an operator tool while no node runs) there is no session to end.
/// </summary>
public sealed class GrainCredentialRevocationNotifier(ILogger<GrainCredentialRevocationNotifier>? logger = null, IGrainFactory? grains = null) : ICredentialRevocationNotifier
{
    /// <summary>Longest wait for the grain (the change is committed; a grain that cannot answer is caught up by the nodes' fallback).</summary>
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    public async Task MailboxRevokedAsync(long tenantId, long mailboxId, CancellationToken cancellationToken)
    {
        if (grains is null)
        {
            return;
        }

        try
        {
            await grains.GetGrain<ICredentialHubGrain>(MailboxGrainKeys.Of(tenantId, mailboxId)).RevokedAsync().WaitAsync(Timeout, cancellationToken);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            logger?.LogWarning("Mailbox {TenantId}/{MailboxId}: its grain was not told of a revocation ({Reason}); its open sessions end when the grain next reads its stamp",
                tenantId, mailboxId, ex.Message);
        }
    }
}
