using HostedMail.Core;
using HostedMail.Core.Accounts;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace HostedMail.Identity.Accounts;

/// <summary>
/// Deletes portal sessions and one-time links (e-mail confirmation, password reset) once they have
/// expired, hourly. Nothing reads them after that (sign-in, the session list and the links all ask
/// for unexpired rows), and a session row holds the address and browser of a sign-in: personal data
/// kept for no purpose. Every node runs it; the deletes are idempotent.
/// </summary>
internal sealed partial class ExpiredPortalRecordsSweeper(IAccountStore store, TimeProvider time, ILogger<ExpiredPortalRecordsSweeper> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        PeriodicWork.RunAsync(TimeSpan.FromHours(1), time, atStart: false, async cancellationToken =>
        {
            var (sessions, links) = await SweepAsync(cancellationToken);
            if (sessions + links > 0)
            {
                Swept(logger, sessions, links);
            }
        }, ex => SweepFailed(logger, ex), stoppingToken);

    /// <summary>One sweep: the numbers of sessions and links deleted.</summary>
    internal Task<(int Sessions, int Links)> SweepAsync(CancellationToken cancellationToken) => store.DeleteExpiredAsync(time.GetUtcNow(), cancellationToken);

    [LoggerMessage(EventId = 9050, Level = LogLevel.Information, Message = "Deleted {Sessions} expired portal sessions and {Links} expired one-time links")]
    private static partial void Swept(ILogger logger, int sessions, int links);

    [LoggerMessage(EventId = 9051, Level = LogLevel.Warning, Message = "Deleting expired portal sessions failed; next try in an hour")]
    private static partial void SweepFailed(ILogger logger, Exception exception);
}
