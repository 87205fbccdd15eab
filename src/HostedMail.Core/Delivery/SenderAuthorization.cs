using HostedMail.Core.Aliases;
using HostedMail.Core.Mailboxes;

namespace HostedMail.Core.Delivery;

/// <summary>
/// Decides which addresses an authenticated mailbox may send as: its own address, and every
/// alias of its tenant that delivers to it (directly or through other aliases). A catch-all does
/// not grant the right to send as every address of the domain.
/// </summary>
public sealed class SenderAuthorization(IAliasStore aliases)
{
    public async Task<bool> MaySendAsAsync(Mailbox mailbox, string address, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(mailbox);
        if (MailAddress.TryParse(address, allowCatchAll: false, out var parsed) is not null)
        {
            return false;
        }

        if (parsed!.Value == mailbox.Address)
        {
            return true;
        }

        // Sub-addresses of one's own address (alice+lists@) are one's own.
        var plus = parsed.LocalPart.IndexOf('+', StringComparison.Ordinal);
        if (plus > 0 && parsed.LocalPart[..plus] + "@" + parsed.Domain == mailbox.Address)
        {
            return true;
        }

        return await AliasReachesAsync(mailbox, parsed.Value, 0, cancellationToken);
    }

    private async Task<bool> AliasReachesAsync(Mailbox mailbox, string address, int depth, CancellationToken cancellationToken)
    {
        if (depth > RecipientResolver.MaximumAliasDepth)
        {
            return false;
        }

        var alias = await aliases.FindAsync(mailbox.TenantId, address, cancellationToken);
        if (alias is null)
        {
            return false;
        }

        foreach (var target in alias.Targets)
        {
            if (target == mailbox.Address || await AliasReachesAsync(mailbox, target, depth + 1, cancellationToken))
            {
                return true;
            }
        }

        return false;
    }
}
