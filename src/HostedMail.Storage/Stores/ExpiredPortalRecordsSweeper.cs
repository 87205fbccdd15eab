using HostedMail.Core;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace HostedMail.Storage.Stores;

/// <summary>
/// Deletes portal sessions and one-time links (e-mail confirmation, password reset) once they have
/// expired, hourly. Nothing reads them after that (sign-in, the session list and the links all ask
/// for unexpired rows), and a session row holds the address and browser of a sign-in: personal data
/// kept for no purpose. Every node runs it; the deletes are idempotent.
/// </summary>
internal sealed partial class ExpiredPortalRecordsSweeper(NpgsqlDataSource dataSource, TimeProvider time, ILogger<ExpiredPortalRecordsSweeper> logger) : BackgroundService
{
    private const string SweepSql = """
        WITH sessions AS (DELETE FROM portal_sessions WHERE expires_at < @now RETURNING 1),
             links AS (DELETE FROM portal_user_tokens WHERE expires_at < @now RETURNING 1)
        SELECT (SELECT count(*) FROM sessions)::int, (SELECT count(*) FROM links)::int
        """;

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
    internal async Task<(int Sessions, int Links)> SweepAsync(CancellationToken cancellationToken) =>
        (await Db.QueryAsync(dataSource, SweepSql, r => (r.GetInt32(0), r.GetInt32(1)), cancellationToken, ("now", time.GetUtcNow())))[0];

    [LoggerMessage(EventId = 7303, Level = LogLevel.Information, Message = "Deleted {Sessions} expired portal sessions and {Links} expired one-time links")]
    private static partial void Swept(ILogger logger, int sessions, int links);

    [LoggerMessage(EventId = 7304, Level = LogLevel.Warning, Message = "Deleting expired portal sessions failed; next try in an hour")]
    private static partial void SweepFailed(ILogger logger, Exception exception);
}
