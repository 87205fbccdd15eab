using HostedMail.Billing;
using HostedMail.Core.Accounts;
using HostedMail.Identity.Accounts;

namespace HostedMail.Portal.Mail;

/// <summary>Billing's mails go to the tenant's owners, admins and billing users, through the portal's mail (the service's own sender).</summary>
internal sealed class PortalBillingNotifier(AccountService accounts, IPortalMail mail) : IBillingNotifier
{
    public async Task NotifyAdminsAsync(long tenantId, string subject, string body, CancellationToken cancellationToken)
    {
        var users = await accounts.ListUsersAsync(tenantId, cancellationToken);
        foreach (var user in users.Where(u => u.Role is PortalRole.Owner or PortalRole.Admin or PortalRole.Billing && u.EmailConfirmedAt is not null))
        {
            await mail.SendAsync(tenantId, user.Email, subject, body, cancellationToken);
        }
    }
}
