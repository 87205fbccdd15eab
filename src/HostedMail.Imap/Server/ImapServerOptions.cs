namespace HostedMail.Imap.Server;

/// <summary>Every limit and timeout of the IMAP server (configuration section "Imap").</summary>
public sealed class ImapServerOptions
{
    /// <summary>Longest command line in octets, literals excluded (RFC 9051 section 4: at least 8192 recommended).</summary>
    public int MaxLineLength { get; set; } = 65_536;

    /// <summary>Largest literal and so largest APPEND (advertised as APPENDLIMIT, RFC 7889).</summary>
    public long MaxLiteralSize { get; set; } = 64L << 20;

    /// <summary>Largest whole command (lines and literals together, MULTIAPPEND included).</summary>
    public long MaxCommandSize { get; set; } = 128L << 20;

    /// <summary>Autologout timer for authenticated sessions (RFC 9051 section 5.4: at least 30 minutes).</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>
    /// How often a session asks the store what changed even without a notification: the fallback
    /// for a change notification lost while a mailbox's grain moved between nodes. An IDLE session
    /// asks on a timer; any other command (a NOOP poll) asks when this long has passed since the
    /// session last asked.
    /// </summary>
    public TimeSpan IdlePollInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a client may take to log in.</summary>
    public TimeSpan UnauthenticatedTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Allow LOGIN and AUTHENTICATE without TLS (development and tests only; LOGINDISABLED otherwise, RFC 9051 section 6.2.3).</summary>
    public bool AllowPlaintextAuthentication { get; set; }

    /// <summary>Failed logins after which the connection is closed.</summary>
    public int MaxAuthenticationFailures { get; set; } = 3;

    /// <summary>Messages read from the store per FETCH round trip.</summary>
    public int FetchBatchSize { get; set; } = 500;

    /// <summary>
    /// Bytes of header blocks and small messages the node keeps for FETCH (shared by every session; 0: none).
    /// Default: <see cref="DefaultContentCacheBytes"/> of the memory the process may use.
    /// </summary>
    public long ContentCacheBytes { get; set; } = DefaultContentCacheBytes(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes);

    /// <summary>
    /// A sixteenth of <paramref name="availableBytes"/> (the machine's memory, or the container's or
    /// GC heap limit where one is set), at least 64 MiB and at most 2 GiB. A file-based server reads
    /// hot messages from the kernel's page cache, which takes whatever memory is free; a miss here
    /// costs a PostgreSQL query and the blob's decompression, so the cache grows with the machine.
    /// </summary>
    public static long DefaultContentCacheBytes(long availableBytes) => Math.Clamp(availableBytes / 16, 64L << 20, 2L << 30);

    /// <summary>
    /// How long the node remembers which UIDs were expunged (QRESYNC VANISHED, RFC 7162): a client
    /// resynchronising from longer ago is told that every UID it asks about and the folder no longer
    /// holds has vanished. At least <see cref="ExpungeHistoryPruner.MinimumHistory"/>.
    /// </summary>
    public TimeSpan ExpungeHistory { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Messages whose flags, sizes and subjects a session keeps between FETCHes and SEARCHes (dropped at IDLE; 0: none).</summary>
    public int SessionCacheMessages { get; set; } = 20_000;
}
