using Microsoft.Extensions.Logging;

namespace HostedMail.Billing;

/// <summary>Mails a tenant's administrators (owners, admins, billing users) about their subscription; the portal provides the real one.</summary>
public interface IBillingNotifier
{
    Task NotifyAdminsAsync(long tenantId, string subject, string body, CancellationToken cancellationToken);
}

/// <summary>Used when no mailer is registered (operator commands): the notice goes to the log.</summary>
internal sealed partial class LoggingBillingNotifier(ILogger<LoggingBillingNotifier> logger) : IBillingNotifier
{
    public Task NotifyAdminsAsync(long tenantId, string subject, string body, CancellationToken cancellationToken)
    {
        LogNotice(logger, tenantId, subject);
        return Task.CompletedTask;
    }

    [LoggerMessage(EventId = 16001, Level = LogLevel.Information, Message = "Billing notice for tenant {TenantId}: {Subject}")]
    private static partial void LogNotice(ILogger logger, long tenantId, string subject);
}
