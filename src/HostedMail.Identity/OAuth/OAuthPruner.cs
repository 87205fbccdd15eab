using HostedMail.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenIddict.Abstractions;

namespace HostedMail.Identity.OAuth;

/// <summary>
/// Deletes tokens and authorizations that expired or were revoked more than
/// <see cref="Retention"/> ago, hourly. Every node runs it; the deletes are idempotent, so two
/// nodes pruning at once only repeat work.
/// </summary>
internal sealed partial class OAuthPruner(IServiceScopeFactory scopes, TimeProvider time, ILogger<OAuthPruner> logger) : BackgroundService
{
    /// <summary>Kept a while after they end, so a reused refresh token is still recognised as reuse.</summary>
    internal static readonly TimeSpan Retention = TimeSpan.FromDays(14);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        PeriodicWork.RunAsync(TimeSpan.FromHours(1), time, atStart: false, async cancellationToken =>
        {
            using var scope = scopes.CreateScope();
            var threshold = time.GetUtcNow() - Retention;
            var tokens = await scope.ServiceProvider.GetRequiredService<IOpenIddictTokenManager>().PruneAsync(threshold, cancellationToken);
            var authorizations = await scope.ServiceProvider.GetRequiredService<IOpenIddictAuthorizationManager>().PruneAsync(threshold, cancellationToken);
            Pruned(logger, tokens, authorizations);
        }, ex => PruneFailed(logger, ex), stoppingToken);

    [LoggerMessage(EventId = 9001, Level = LogLevel.Information, Message = "Pruned {Tokens} OAuth tokens and {Authorizations} authorizations")]
    private static partial void Pruned(ILogger logger, long tokens, long authorizations);

    [LoggerMessage(EventId = 9002, Level = LogLevel.Warning, Message = "Pruning OAuth tokens failed; next try in an hour")]
    private static partial void PruneFailed(ILogger logger, Exception exception);
}
