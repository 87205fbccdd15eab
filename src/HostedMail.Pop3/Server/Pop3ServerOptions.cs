using HostedMail.Pop3.Protocol;

namespace HostedMail.Pop3.Server;

/// <summary>Every limit and timeout of the POP3 server, from configuration section <c>Pop3</c>.</summary>
public sealed class Pop3ServerOptions
{
    /// <summary>The name in the greeting.</summary>
    public string Hostname { get; set; } = "localhost";

    /// <summary>
    /// Allow USER/PASS and AUTH on a connection without TLS. Off in production (RFC 8314 section 3,
    /// RFC 2595 section 2.1: no cleartext passwords); tests and loopback development may turn it on.
    /// </summary>
    public bool AllowPlaintextAuthentication { get; set; }

    /// <summary>Longest command line including CRLF (RFC 2449 section 4: 255 octets).</summary>
    public int MaxLineLength { get; set; } = Pop3CommandParser.DefaultMaxLineLength;

    /// <summary>Longest SASL response line after "+ " (RFC 5034 section 4 lets it exceed the command limit).</summary>
    public int MaxAuthLineLength { get; set; } = 12_288;

    /// <summary>Inactivity before the autologout (RFC 1939 section 3: at least 10 minutes).</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Unknown commands, syntax errors and refused commands tolerated before the connection is closed.</summary>
    public int MaxBadCommands { get; set; } = 10;

    /// <summary>
    /// Advertised as LOGIN-DELAY (RFC 2449 section 6.8) when set: the shortest interval clients
    /// should keep between logins. Null: not advertised.
    /// </summary>
    public TimeSpan? LoginDelay { get; set; }

    /// <summary>Size of the slices a message is written in between flushes (RETR, TOP).</summary>
    public int WriteChunkSize { get; set; } = 64 * 1024;
}
