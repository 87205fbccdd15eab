namespace HostedMail.Portal.Mail;

/// <summary>Sends the portal's mails (tests replace it to read the links).</summary>
internal interface IPortalMail
{
    Task SendAsync(long tenantId, string to, string subject, string text, CancellationToken cancellationToken);
}
