namespace HostedMail.Smtp.Protocol;

/// <summary>Fixed replies: the parser's rejections (tests compare against these) and the common session replies.</summary>
public static class SmtpReplies
{
    /// <summary>250 2.0.0 OK.</summary>
    public static readonly SmtpReply Ok = new(SmtpReplyCode.Ok, EnhancedStatusCode.Success, "OK");
    /// <summary>221 2.0.0 Bye.</summary>
    public static readonly SmtpReply Bye = new(SmtpReplyCode.ServiceClosing, EnhancedStatusCode.Success, "Bye");
    /// <summary>220 2.0.0 Ready to start TLS (RFC 3207 section 4).</summary>
    public static readonly SmtpReply ReadyToStartTls = new(SmtpReplyCode.ServiceReady, EnhancedStatusCode.Success, "Ready to start TLS");
    /// <summary>354 Start mail input; end with &lt;CRLF&gt;.&lt;CRLF&gt;.</summary>
    public static readonly SmtpReply StartMailInput = new(SmtpReplyCode.StartMailInput, "Start mail input; end with <CRLF>.<CRLF>");
    /// <summary>421 4.3.2 Service shutting down (graceful shutdown, RFC 5321 section 3.8).</summary>
    public static readonly SmtpReply ShuttingDown = new(SmtpReplyCode.ServiceNotAvailable, EnhancedStatusCode.SystemNotAccepting, "Service shutting down, try again later");
    /// <summary>421 4.4.2 Idle timeout (RFC 5321 section 4.5.3.2).</summary>
    public static readonly SmtpReply Timeout = new(SmtpReplyCode.ServiceNotAvailable, EnhancedStatusCode.BadConnection, "Timeout, closing connection");
    /// <summary>421 4.7.0 Too many connections.</summary>
    public static readonly SmtpReply TooManyConnections = new(SmtpReplyCode.ServiceNotAvailable, EnhancedStatusCode.SecurityPolicy.WithClass(4), "Too many connections, try again later");

    /// <summary>500 5.5.6 Line too long (RFC 5321 section 4.5.3.1.4). The session discards the rest of the line, sends it, and goes on (an error that counts).</summary>
    public static readonly SmtpReply LineTooLong = new(SmtpReplyCode.SyntaxError, EnhancedStatusCode.LineTooLong, "Line too long");
    /// <summary>500 5.5.2 a command line ended in a bare LF (RFC 5321 section 2.3.8).</summary>
    public static readonly SmtpReply BareLineFeedInCommand = new(SmtpReplyCode.SyntaxError, EnhancedStatusCode.SyntaxError, "Command lines must end with CRLF");
    /// <summary>500 5.5.2 a control character (bare CR, NUL, ...) in a command line.</summary>
    public static readonly SmtpReply ControlCharacterInCommand = new(SmtpReplyCode.SyntaxError, EnhancedStatusCode.SyntaxError, "Control character in command");
    /// <summary>500 5.5.2 a command line that is not UTF-8.</summary>
    public static readonly SmtpReply InvalidUtf8 = new(SmtpReplyCode.SyntaxError, EnhancedStatusCode.SyntaxError, "Command is not valid UTF-8");
    /// <summary>500 5.5.1 Command unrecognized (RFC 5321 section 4.2.4).</summary>
    public static readonly SmtpReply CommandUnrecognized = new(SmtpReplyCode.SyntaxError, EnhancedStatusCode.InvalidCommand, "Command unrecognized");
    /// <summary>221 2.7.0 an HTTP request (cross-protocol abuse): the session closes, and says so with 221 as Postfix does.</summary>
    public static readonly SmtpReply HttpRequest = new(SmtpReplyCode.ServiceClosing, new EnhancedStatusCode(2, 7, 0), "This is an SMTP server, not HTTP; closing connection");
    /// <summary>502 5.5.1 Command not implemented (SEND, SOML, SAML, TURN, ETRN, ATRN).</summary>
    public static readonly SmtpReply CommandNotImplemented = new(SmtpReplyCode.CommandNotImplemented, EnhancedStatusCode.InvalidCommand, "Command not implemented");
    /// <summary>501 5.5.4 for DATA, RSET, QUIT, STARTTLS with arguments.</summary>
    public static readonly SmtpReply NoParametersAllowed = new(SmtpReplyCode.ParameterSyntaxError, EnhancedStatusCode.InvalidArguments, "Syntax error, no parameters allowed");
    /// <summary>501 5.5.4 EHLO/HELO without a single domain argument.</summary>
    public static readonly SmtpReply HeloSyntax = new(SmtpReplyCode.ParameterSyntaxError, EnhancedStatusCode.InvalidArguments, "Syntax: EHLO domain-or-address-literal");
    /// <summary>501 5.5.4 MAIL not followed by FROM:.</summary>
    public static readonly SmtpReply MailSyntax = new(SmtpReplyCode.ParameterSyntaxError, EnhancedStatusCode.InvalidArguments, "Syntax: MAIL FROM:<address> [parameters]");
    /// <summary>501 5.5.4 RCPT not followed by TO:.</summary>
    public static readonly SmtpReply RcptSyntax = new(SmtpReplyCode.ParameterSyntaxError, EnhancedStatusCode.InvalidArguments, "Syntax: RCPT TO:<address> [parameters]");
    /// <summary>501 5.1.7 bad reverse-path syntax.</summary>
    public static readonly SmtpReply BadSenderSyntax = new(SmtpReplyCode.ParameterSyntaxError, EnhancedStatusCode.BadSenderSyntax, "Bad sender address syntax");
    /// <summary>501 5.1.3 bad forward-path syntax.</summary>
    public static readonly SmtpReply BadRecipientSyntax = new(SmtpReplyCode.ParameterSyntaxError, EnhancedStatusCode.BadDestinationSyntax, "Bad recipient address syntax");
    /// <summary>501 5.1.7 reverse-path over a length limit of RFC 5321 section 4.5.3.1.</summary>
    public static readonly SmtpReply SenderTooLong = new(SmtpReplyCode.ParameterSyntaxError, EnhancedStatusCode.BadSenderSyntax, "Sender address too long");
    /// <summary>501 5.1.3 forward-path over a length limit of RFC 5321 section 4.5.3.1.</summary>
    public static readonly SmtpReply RecipientTooLong = new(SmtpReplyCode.ParameterSyntaxError, EnhancedStatusCode.BadDestinationSyntax, "Recipient address too long");
    /// <summary>501 5.5.4 a MAIL/RCPT parameter with bad syntax or value, or given twice.</summary>
    public static readonly SmtpReply BadParameter = new(SmtpReplyCode.ParameterSyntaxError, EnhancedStatusCode.InvalidArguments, "Invalid parameter syntax or value");
    /// <summary>555 5.5.4 unknown MAIL/RCPT parameter (RFC 5321 section 4.1.1.11).</summary>
    public static readonly SmtpReply UnknownParameter = new(SmtpReplyCode.ParametersNotRecognized, EnhancedStatusCode.InvalidArguments, "Parameter not recognized or not implemented");
    /// <summary>501 5.5.4 bad BDAT arguments (RFC 3030 section 2).</summary>
    public static readonly SmtpReply BdatSyntax = new(SmtpReplyCode.ParameterSyntaxError, EnhancedStatusCode.InvalidArguments, "Syntax: BDAT chunk-size [LAST]");
    /// <summary>501 5.5.4 VRFY/EXPN without an argument.</summary>
    public static readonly SmtpReply ArgumentRequired = new(SmtpReplyCode.ParameterSyntaxError, EnhancedStatusCode.InvalidArguments, "Argument required");
    /// <summary>501 5.5.4 bad AUTH mechanism name or initial response (RFC 4954 section 4).</summary>
    public static readonly SmtpReply AuthSyntax = new(SmtpReplyCode.ParameterSyntaxError, EnhancedStatusCode.InvalidArguments, "Syntax: AUTH mechanism [initial-response]");

    /// <summary>550 5.5.2 DATA contained a bare CR or LF: refused after reading to CRLF.CRLF (RFC 5321 section 2.3.8; SMTP smuggling defence).</summary>
    public static readonly SmtpReply BareNewlineInData = new(SmtpReplyCode.MailboxUnavailable, EnhancedStatusCode.SyntaxError, "Message refused: bare CR or LF in message data (RFC 5321 section 2.3.8)");
    /// <summary>552 5.3.4 message bigger than the limit (RFC 1870).</summary>
    public static readonly SmtpReply MessageTooBig = new(SmtpReplyCode.ExceededStorageAllocation, EnhancedStatusCode.MessageTooBig, "Message size exceeds fixed maximum message size");
}
