using Microsoft.Extensions.Logging;

namespace HostedMail.Identity.Federation;

/// <summary>Log messages of single sign-on (event ids 9100-9119). Never logs addresses, tokens or secrets.</summary>
internal static partial class FederationLog
{
    [LoggerMessage(EventId = 9100, Level = LogLevel.Warning, Message = "Single sign-on for tenant {TenantId} could not start: the provider could not be reached or its discovery document is wrong")]
    public static partial void FederationStartFailed(ILogger logger, long tenantId, Exception exception);

    [LoggerMessage(EventId = 9101, Level = LogLevel.Information, Message = "A single sign-on answer was refused: {Reason}")]
    public static partial void FederationCallbackRefused(ILogger logger, string reason);
}
