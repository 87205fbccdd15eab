using HostedMail.Core;
using HostedMail.Core.Imap;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace HostedMail.Imap.Server;

/// <summary>
/// Forgets expunged UIDs older than <see cref="ImapServerOptions.ExpungeHistory"/>, at start and
/// hourly: every expunge leaves a row for QRESYNC, and without this the rows would pile up with all
/// the mail ever deleted. Every node runs it; the store's pruning is safe to run twice at once.
/// </summary>
internal sealed class ExpungeHistoryPruner(IImapStore store, ImapServerOptions options, TimeProvider time, ILogger<ExpungeHistoryPruner> logger) : BackgroundService
{
    /// <summary>
    /// The least history kept whatever the setting: a session reads the UIDs its SELECT saw,
    /// tombstones after that state included, within <see cref="ImapServerOptions.IdlePollInterval"/>
    /// or is logged out after <see cref="ImapServerOptions.IdleTimeout"/>; a day is far beyond both.
    /// </summary>
    public static readonly TimeSpan MinimumHistory = TimeSpan.FromDays(1);

    private const int FoldersPerRound = 500;

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        PeriodicWork.RunAsync(TimeSpan.FromHours(1), time, atStart: true, PruneAsync, ex => ImapLog.ExpungeHistoryPruneFailed(logger, ex), stoppingToken);

    /// <summary>One pass: every folder with tombstones older than the history, a round of folders at a time.</summary>
    internal async Task<int> PruneAsync(CancellationToken cancellationToken)
    {
        var before = time.GetUtcNow() - (options.ExpungeHistory > MinimumHistory ? options.ExpungeHistory : MinimumHistory);
        var total = await PeriodicWork.DrainAsync(FoldersPerRound, (size, token) => store.PruneExpungeHistoryAsync(before, size, token), cancellationToken);
        if (total > 0)
        {
            ImapLog.ExpungeHistoryPruned(logger, before, total);
        }

        return total;
    }
}
