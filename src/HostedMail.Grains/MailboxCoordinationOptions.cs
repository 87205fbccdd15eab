namespace HostedMail.Grains;

/// <summary>Timings of the grains that coordinate sessions across nodes (<c>Grains:Coordination</c>).</summary>
public sealed class MailboxCoordinationOptions
{
    /// <summary>
    /// How long a POP3 maildrop lock outlives its holder's last renewal (renewed every third of it).
    /// A holder whose node is declared dead loses it at once; this bounds the rest (a node cut off
    /// from the grain but still alive).
    /// </summary>
    public TimeSpan MaildropLease { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The same for an outbound connection slot of a destination.</summary>
    public TimeSpan DestinationLease { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How often a node's watcher renews its watch of each mailbox grain it serves; a watch not
    /// renewed for three times this is dropped by the grain. A renewal that finds the watch
    /// forgotten (the grain moved) makes the mailbox's sessions resynchronise.
    /// </summary>
    public TimeSpan WatchRenewal { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a node keeps watching a grain after the last session that needed it ended. A
    /// client that logs in again (most poll every few minutes, many reconnect at once) then finds
    /// the watch in place: no watch and unwatch calls per session, and no resynchronisation.
    /// </summary>
    public TimeSpan WatchLinger { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How soon a failed watch (grain unreachable while membership changes) is tried again.</summary>
    public TimeSpan WatchRetry { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Longest wait for a grain call made by the watcher or a lease holder before it counts as failed.</summary>
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(2);
}
