namespace HostedMail.Smtp.Protocol;

// Implementation notes: every reply code and enhanced status code the server uses is named here
// once (Npgsql's PostgresErrorCodes style), so the session never writes a bare number.

/// <summary>Basic SMTP reply codes, RFC 5321 section 4.2.3, plus the extension codes of RFC 3207, RFC 4954 and RFC 5321 section 4.1.1.11.</summary>
public static class SmtpReplyCode
{
    /// <summary>214: help message (RFC 5321 section 4.2.3).</summary>
    public const int HelpMessage = 214;
    /// <summary>220: greeting, and STARTTLS "ready to start TLS" (RFC 3207 section 4).</summary>
    public const int ServiceReady = 220;
    /// <summary>221: closing the transmission channel after QUIT.</summary>
    public const int ServiceClosing = 221;
    /// <summary>235: authentication succeeded (RFC 4954 section 6).</summary>
    public const int AuthenticationSucceeded = 235;
    /// <summary>250: requested action okay, completed.</summary>
    public const int Ok = 250;
    /// <summary>251: user not local; will forward.</summary>
    public const int UserNotLocalWillForward = 251;
    /// <summary>252: cannot VRFY user, but will accept the message (RFC 5321 section 3.5.3).</summary>
    public const int CannotVerifyUser = 252;
    /// <summary>334: SASL server challenge (RFC 4954 section 4).</summary>
    public const int AuthenticationChallenge = 334;
    /// <summary>354: start mail input; end with CRLF.CRLF.</summary>
    public const int StartMailInput = 354;
    /// <summary>421: service not available, closing the channel (shutdown, timeouts, too many connections).</summary>
    public const int ServiceNotAvailable = 421;
    /// <summary>450: mailbox unavailable, temporarily (busy, greylisting).</summary>
    public const int MailboxBusy = 450;
    /// <summary>451: local error in processing.</summary>
    public const int LocalError = 451;
    /// <summary>452: insufficient system storage, or too many recipients (RFC 5321 section 4.5.3.1.10).</summary>
    public const int InsufficientStorage = 452;
    /// <summary>454: temporary authentication failure, or TLS not available (RFC 4954, RFC 3207).</summary>
    public const int TemporaryAuthenticationFailure = 454;
    /// <summary>455: server unable to accommodate parameters.</summary>
    public const int UnableToAccommodateParameters = 455;
    /// <summary>500: syntax error, command unrecognised, or line too long (RFC 5321 section 4.5.3.1.4).</summary>
    public const int SyntaxError = 500;
    /// <summary>501: syntax error in parameters or arguments.</summary>
    public const int ParameterSyntaxError = 501;
    /// <summary>502: command not implemented.</summary>
    public const int CommandNotImplemented = 502;
    /// <summary>503: bad sequence of commands.</summary>
    public const int BadSequence = 503;
    /// <summary>504: command parameter not implemented (also unknown AUTH mechanism, RFC 4954 section 4).</summary>
    public const int ParameterNotImplemented = 504;
    /// <summary>521: this host does not accept mail (RFC 7504); also used when dropping hostile clients.</summary>
    public const int DoesNotAcceptMail = 521;
    /// <summary>530: authentication required, or must issue STARTTLS first (RFC 3207, RFC 4954).</summary>
    public const int AuthenticationRequired = 530;
    /// <summary>534: authentication mechanism is too weak (RFC 4954 section 6).</summary>
    public const int MechanismTooWeak = 534;
    /// <summary>535: authentication credentials invalid (RFC 4954 section 6).</summary>
    public const int AuthenticationFailed = 535;
    /// <summary>538: encryption required for requested authentication mechanism (RFC 4954 section 6).</summary>
    public const int EncryptionRequiredForMechanism = 538;
    /// <summary>550: mailbox unavailable, or policy refusal.</summary>
    public const int MailboxUnavailable = 550;
    /// <summary>551: user not local.</summary>
    public const int UserNotLocal = 551;
    /// <summary>552: exceeded storage allocation (message too big, mailbox full).</summary>
    public const int ExceededStorageAllocation = 552;
    /// <summary>553: mailbox name not allowed.</summary>
    public const int MailboxNameNotAllowed = 553;
    /// <summary>554: transaction failed; also the "no SMTP service here" greeting.</summary>
    public const int TransactionFailed = 554;
    /// <summary>555: MAIL FROM/RCPT TO parameters not recognised or not implemented (RFC 5321 section 4.1.1.11).</summary>
    public const int ParametersNotRecognized = 555;
}

/// <summary>An enhanced mail system status code, RFC 3463 (class.subject.detail), sent after the basic code when ENHANCEDSTATUSCODES is advertised (RFC 2034).</summary>
public readonly record struct EnhancedStatusCode(byte Class, short Subject, short Detail)
{
    /// <summary>True for the default value, meaning "no enhanced code" (greeting, 334 challenges, 354).</summary>
    public bool IsEmpty => Class == 0;

    /// <summary>The same subject and detail with another class (2 success, 4 transient, 5 permanent).</summary>
    public EnhancedStatusCode WithClass(byte statusClass) => new(statusClass, Subject, Detail);

    /// <inheritdoc />
    public override string ToString() => IsEmpty ? string.Empty : $"{Class}.{Subject}.{Detail}";

    /// <summary>2.0.0 other or undefined success.</summary>
    public static readonly EnhancedStatusCode Success = new(2, 0, 0);
    /// <summary>2.1.0 originator ok (MAIL FROM).</summary>
    public static readonly EnhancedStatusCode SenderOk = new(2, 1, 0);
    /// <summary>2.1.5 destination address valid (RCPT TO).</summary>
    public static readonly EnhancedStatusCode DestinationOk = new(2, 1, 5);
    /// <summary>2.6.0 message accepted.</summary>
    public static readonly EnhancedStatusCode MessageAccepted = new(2, 6, 0);
    /// <summary>2.7.0 authentication succeeded (RFC 4954 section 6).</summary>
    public static readonly EnhancedStatusCode AuthenticationSucceeded = new(2, 7, 0);
    /// <summary>4.0.0 / 5.0.0 other or undefined status.</summary>
    public static readonly EnhancedStatusCode Undefined = new(5, 0, 0);
    /// <summary>5.1.1 bad destination mailbox address (unknown user).</summary>
    public static readonly EnhancedStatusCode BadDestinationMailbox = new(5, 1, 1);
    /// <summary>5.1.3 bad destination mailbox address syntax.</summary>
    public static readonly EnhancedStatusCode BadDestinationSyntax = new(5, 1, 3);
    /// <summary>5.1.7 bad sender's mailbox address syntax.</summary>
    public static readonly EnhancedStatusCode BadSenderSyntax = new(5, 1, 7);
    /// <summary>5.1.8 bad sender's system address.</summary>
    public static readonly EnhancedStatusCode BadSenderSystem = new(5, 1, 8);
    /// <summary>4.2.2 / 5.2.2 mailbox full (over quota).</summary>
    public static readonly EnhancedStatusCode MailboxFull = new(5, 2, 2);
    /// <summary>5.2.3 message length exceeds administrative limit.</summary>
    public static readonly EnhancedStatusCode MessageTooBigForMailbox = new(5, 2, 3);
    /// <summary>4.3.0 / 5.3.0 other mail system problem.</summary>
    public static readonly EnhancedStatusCode MailSystemError = new(4, 3, 0);
    /// <summary>5.3.4 message too big for system (SIZE, RFC 1870).</summary>
    public static readonly EnhancedStatusCode MessageTooBig = new(5, 3, 4);
    /// <summary>4.3.2 system not accepting network messages (shutdown).</summary>
    public static readonly EnhancedStatusCode SystemNotAccepting = new(4, 3, 2);
    /// <summary>4.4.2 bad connection (timeouts).</summary>
    public static readonly EnhancedStatusCode BadConnection = new(4, 4, 2);
    /// <summary>4.5.3 / 5.5.3 too many recipients.</summary>
    public static readonly EnhancedStatusCode TooManyRecipients = new(4, 5, 3);
    /// <summary>5.5.0 other or undefined protocol status.</summary>
    public static readonly EnhancedStatusCode ProtocolError = new(5, 5, 0);
    /// <summary>5.5.1 invalid command.</summary>
    public static readonly EnhancedStatusCode InvalidCommand = new(5, 5, 1);
    /// <summary>5.5.2 syntax error (also: bare CR or LF, RFC 5321 section 2.3.8).</summary>
    public static readonly EnhancedStatusCode SyntaxError = new(5, 5, 2);
    /// <summary>5.5.4 invalid command arguments.</summary>
    public static readonly EnhancedStatusCode InvalidArguments = new(5, 5, 4);
    /// <summary>5.5.6 authentication exchange line too long (RFC 4954); also used for overlong command lines.</summary>
    public static readonly EnhancedStatusCode LineTooLong = new(5, 5, 6);
    /// <summary>5.6.7 non-ASCII address without SMTPUTF8 (RFC 6531 section 3.5).</summary>
    public static readonly EnhancedStatusCode NonAsciiAddressNotPermitted = new(5, 6, 7);
    /// <summary>5.7.0 / 4.7.0 other security or policy status (too many connections, TLS problems).</summary>
    public static readonly EnhancedStatusCode SecurityPolicy = new(5, 7, 0);
    /// <summary>5.7.1 delivery not authorised (no relay, sender not owned, DMARC reject).</summary>
    public static readonly EnhancedStatusCode NotAuthorized = new(5, 7, 1);
    /// <summary>5.7.8 authentication credentials invalid (RFC 4954 section 6).</summary>
    public static readonly EnhancedStatusCode AuthenticationCredentialsInvalid = new(5, 7, 8);
    /// <summary>5.7.9 authentication mechanism too weak (RFC 4954 section 6).</summary>
    public static readonly EnhancedStatusCode MechanismTooWeak = new(5, 7, 9);
    /// <summary>5.7.11 encryption required for requested authentication mechanism (RFC 4954 section 6).</summary>
    public static readonly EnhancedStatusCode EncryptionRequiredForMechanism = new(5, 7, 11);
    /// <summary>4.7.0 temporary authentication failure (RFC 4954 section 6: 454 4.7.0).</summary>
    public static readonly EnhancedStatusCode TemporaryAuthenticationFailure = new(4, 7, 0);
    /// <summary>5.7.10 encryption needed (RFC 5248): STARTTLS required before this command.</summary>
    public static readonly EnhancedStatusCode EncryptionNeeded = new(5, 7, 10);
    /// <summary>5.7.30 REQUIRETLS support required (RFC 8689 section 5).</summary>
    public static readonly EnhancedStatusCode RequireTlsNeeded = new(5, 7, 30);
}
