using Microsoft.Extensions.Logging;

namespace HostedMail.Identity.AppPasswords;

/// <summary>Log messages of app passwords (event ids 9040-9049). Never logs the passwords.</summary>
internal static partial class AppPasswordLog
{
    [LoggerMessage(EventId = 9040, Level = LogLevel.Warning, Message = "Could not record app password uses (kept for the next flush)")]
    public static partial void AppPasswordUsesNotRecorded(ILogger logger, Exception exception);
}
