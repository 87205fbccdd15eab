namespace HostedMail.Pop3.Protocol;

/// <summary>The POP3 command keywords this server knows (RFC 1939, RFC 2449, RFC 2595, RFC 5034).</summary>
internal enum Pop3Verb
{
    /// <summary>Not a command this server knows.</summary>
    Unknown,
    User,
    Pass,
    Apop,
    Auth,
    Stls,
    Capa,
    Stat,
    List,
    Retr,
    Dele,
    Noop,
    Rset,
    Quit,
    Top,
    Uidl,
}

/// <summary>
/// One parsed command line. <see cref="Message"/> is the message-number argument (null when absent;
/// numbers too large for an int saturate, so they are simply "no such message"),
/// <see cref="Lines"/> the line count of TOP; <see cref="Text"/> carries the USER name, the PASS
/// password (which may contain spaces, RFC 1939 section 7), the AUTH mechanism name.
/// <see cref="InitialResponse"/> is the AUTH initial response (RFC 5034 section 4).
/// </summary>
internal readonly record struct Pop3Command(
    Pop3Verb Verb,
    int? Message = null,
    int Lines = 0,
    string? Text = null,
    string? InitialResponse = null);

/// <summary>What <see cref="Pop3CommandParser.TryParse"/> found.</summary>
internal enum Pop3ParseStatus
{
    /// <summary>No line end yet: read more; nothing consumed.</summary>
    Incomplete,
    /// <summary>A valid command; the line is consumed.</summary>
    Complete,
    /// <summary>A complete line that is not a valid command; the line is consumed, answer -ERR with the reason.</summary>
    SyntaxError,
    /// <summary>No line end within the limit (RFC 2449 section 4: 255 octets); nothing consumed.</summary>
    LineTooLong,
}
