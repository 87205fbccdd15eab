using System.Buffers;
using System.Collections.Frozen;
using System.IO.Pipelines;
using HostedMail.Core.Mailboxes;
using HostedMail.Net;
using HostedMail.Smtp.Protocol;
using Microsoft.Extensions.Logging;

namespace HostedMail.Smtp.Server;

/// <summary>
/// The state of an SMTP session, which decides the commands it accepts. A session is in exactly
/// one of the first three; the combinations are the command table's masks.
/// </summary>
[Flags]
internal enum SmtpSessionState
{
    /// <summary>Before EHLO/HELO.</summary>
    Connected = 1,
    /// <summary>After EHLO/HELO, no transaction.</summary>
    Ready = 2,
    /// <summary>After MAIL FROM.</summary>
    InTransaction = 4,
    /// <summary>Mask: after EHLO/HELO.</summary>
    Greeted = Ready | InTransaction,
    /// <summary>Mask: any state.</summary>
    Any = Connected | Greeted,
}

/// <summary>One SMTP connection: reads commands, answers them, and hands finished messages to the store.</summary>
// Implementation notes:
// - Replies are buffered and flushed only when the next read would wait, so a pipelined group
//   (RFC 2920) gets its replies in one write; 354, 334 and the STARTTLS 220 are flushed at once
//   because the client waits for them.
// - A message is acknowledged with 250 only after IMessageStore.StoreAsync returned, i.e. after
//   the PostgreSQL transaction committed (ARCHITECTURE.md "Durability").
// - After STARTTLS every byte the client sent in plaintext is discarded by MailConnection and
//   every bit of session state is reset (RFC 3207 section 4.2).
internal sealed partial class SmtpSession
{
    private readonly MailConnection _connection;
    private readonly Action _acknowledgeReceived;
    private readonly SmtpRole _role;
    private readonly SmtpServices _services;
    private readonly SmtpServerOptions _options;
    private readonly ILogger _logger;
    private PipeReader _input;
    private PipeWriter _output;
    private SmtpSessionState _state = SmtpSessionState.Connected;
    private string? _helo;
    private bool _esmtp;
    private Mailbox? _authenticated;
    private SmtpTransaction? _transaction;
    private int _commands;
    private int _errors;
    private bool _quit;

    // Set while a handler reads beyond its command line (a message body, a SASL exchange, a TLS
    // handshake): a failure then leaves the input at an unknown place.
    private bool _readingPastCommandLine;

    // Whether the last command line was followed by more buffered input (a pipelined group).
    private bool _inputBuffered;

    public SmtpSession(MailConnection connection, SmtpRole role, SmtpServices services)
    {
        _connection = connection;
        _acknowledgeReceived = connection.AcknowledgeReceived; // one delegate per session, not one per message
        _role = role;
        _services = services;
        _options = services.Options;
        _logger = services.Logger;
        _input = connection.Input;
        _output = connection.Output;
    }

    public async Task RunAsync()
    {
        Write(new SmtpReply(SmtpReplyCode.ServiceReady, $"{_options.Hostname} ESMTP HostedMail"));
        try
        {
            while (!_quit)
            {
                var command = await ReadCommandAsync();
                if (command is null)
                {
                    return;
                }

                var started = System.Diagnostics.Stopwatch.GetTimestamp();
                await DispatchAsync(command.Value);
                SmtpMetrics.CommandCompleted(command.Value.Verb, started);
            }
        }
        catch (OperationCanceledException) when (_connection.CloseRequested.IsCancellationRequested)
        {
            // A node shutdown, or the node ended the session (its login was revoked).
            Write(_connection.CloseReason is { } reason
                ? new SmtpReply(SmtpReplyCode.ServiceNotAvailable, new EnhancedStatusCode(4, 7, 0), reason + "; closing connection")
                : SmtpReplies.ShuttingDown);
        }
        catch (OperationCanceledException) when (_connection.ConnectionClosed.IsCancellationRequested)
        {
            // The client went away in the middle of something; there is no one to answer.
            return;
        }
        catch (OperationCanceledException)
        {
            Write(SmtpReplies.Timeout);
        }
        catch (SmtpReplyException ex) when (ex.CloseConnection)
        {
            Write(ex.Reply);
        }
        catch (ConnectionClosedException)
        {
            return;
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException && _connection.ConnectionClosed.IsCancellationRequested)
        {
            return;
        }
        catch (Exception ex) when (IsUnexpected(ex))
        {
            // Outside any command (reading, flushing): the session's state is unknown, so it ends,
            // but never without a reply.
            var errorId = ShortId.NewErrorId();
            _logger.LogError(ex, "SMTP session failed (error id {ErrorId})", errorId);
            Write(new SmtpReply(SmtpReplyCode.ServiceNotAvailable, EnhancedStatusCode.MailSystemError, $"Internal error, closing connection (error id {errorId})"));
        }

        try
        {
            await FlushAsync();
        }
        catch (ConnectionClosedException)
        {
            // The client left first; nothing more to say.
        }
    }

    /// <summary>Reads the next complete command line; null when the client has gone.</summary>
    private async Task<SmtpCommand?> ReadCommandAsync()
    {
        using var timeout = new CancellationTokenSource(_options.CommandTimeout, _connection.TimeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, _connection.CloseRequested);
        while (true)
        {
            if (!_inputBuffered)
            {
                // Nothing more buffered: the client is waiting for our replies.
                await FlushAsync();
            }

            var result = await _input.ReadAsync(linked.Token);
            var buffer = result.Buffer;
            var reader = new SequenceReader<byte>(buffer);
            var status = SmtpCommandParser.TryParse(ref reader, _options.Limits, out var command, out var rejection);
            _inputBuffered = status is SmtpParseStatus.Complete or SmtpParseStatus.SyntaxError && reader.Remaining > 0;
            switch (status)
            {
                case SmtpParseStatus.Complete:
                    _input.AdvanceTo(reader.Position);
                    return command;
                case SmtpParseStatus.SyntaxError:
                    _input.AdvanceTo(reader.Position);
                    Write(rejection!);
                    if (command.Verb == SmtpVerb.HttpRequest)
                    {
                        throw new ConnectionClosedException();
                    }

                    CountError();
                    continue;
                case SmtpParseStatus.LineTooLong:
                    // RFC 5321 section 4.5.3.1.4: answer 500 and go on. The rest of the line is
                    // not a command; it is discarded up to its LF, and the error counts, so a
                    // flood of long lines still ends with 421.
                    _input.AdvanceTo(buffer.Start);
                    await DiscardRestOfLineAsync(linked.Token);
                    Write(rejection!);
                    CountError();
                    continue;
                default:
                    _input.AdvanceTo(buffer.Start, buffer.End);
                    if (result.IsCompleted || result.IsCanceled)
                    {
                        return null;
                    }

                    // Part of a line: the client may hold the rest until this is acknowledged.
                    _connection.AcknowledgeReceived();
                    break;
            }
        }
    }

    /// <summary>A command table row (STYLE.md): the states the command is legal in, and its handler.</summary>
    private readonly record struct CommandRule(SmtpSessionState States, Func<SmtpSession, SmtpCommand, Task> Handler);

    // RFC 5321 section 4.1.4 orders the commands: EHLO/HELO first, then MAIL, RCPT, DATA/BDAT.
    // Commands that read past their command line (DATA, BDAT, AUTH, STARTTLS) say so themselves
    // through _readingPastCommandLine, which decides whether a failure can leave the session usable.
    private static readonly FrozenDictionary<SmtpVerb, CommandRule> Commands = new Dictionary<SmtpVerb, CommandRule>
    {
        [SmtpVerb.Ehlo] = new(SmtpSessionState.Any, static (s, c) => s.HandleHello(c)),
        [SmtpVerb.Helo] = new(SmtpSessionState.Any, static (s, c) => s.HandleHello(c)),
        [SmtpVerb.StartTls] = new(SmtpSessionState.Greeted, static (s, _) => s.HandleStartTlsAsync()),
        [SmtpVerb.Auth] = new(SmtpSessionState.Greeted, static (s, c) => s.HandleAuthAsync(c)),
        [SmtpVerb.Mail] = new(SmtpSessionState.Greeted, static (s, c) => s.HandleMailAsync(c)),
        [SmtpVerb.Rcpt] = new(SmtpSessionState.InTransaction, static (s, c) => s.HandleRcptAsync(c)),
        [SmtpVerb.Data] = new(SmtpSessionState.InTransaction, static (s, _) => s.HandleDataAsync()),
        [SmtpVerb.Bdat] = new(SmtpSessionState.InTransaction, static (s, c) => s.HandleBdatAsync(c)),
        [SmtpVerb.Rset] = new(SmtpSessionState.Any, static (s, _) => s.Reply(SmtpReplies.Ok, reset: true)),
        [SmtpVerb.Noop] = new(SmtpSessionState.Any, static (s, _) => s.Reply(SmtpReplies.Ok)),
        [SmtpVerb.Quit] = new(SmtpSessionState.Any, static (s, _) => s.HandleQuit()),
        // RFC 5321 section 3.5.3: 252 when we will not verify; never confirm addresses to strangers.
        [SmtpVerb.Vrfy] = new(SmtpSessionState.Any, static (s, _) => s.Reply(new SmtpReply(SmtpReplyCode.CannotVerifyUser, new EnhancedStatusCode(2, 5, 0), "Cannot VRFY user, but will accept message and attempt delivery"))),
        [SmtpVerb.Expn] = new(SmtpSessionState.Any, static (s, _) => s.Reply(new SmtpReply(SmtpReplyCode.CommandNotImplemented, new EnhancedStatusCode(5, 5, 1), "EXPN is not available"))),
        [SmtpVerb.Help] = new(SmtpSessionState.Any, static (s, _) => s.Reply(new SmtpReply(SmtpReplyCode.HelpMessage, new EnhancedStatusCode(2, 0, 0), "See RFC 5321 and https://www.rfc-editor.org/rfc/rfc5321"))),
        [SmtpVerb.NotImplemented] = new(SmtpSessionState.Any, static (s, _) => s.Reply(SmtpReplies.CommandNotImplemented)),
    }.ToFrozenDictionary();

    private async Task DiscardRestOfLineAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await _input.ReadAsync(cancellationToken);
            if (result.Buffer.PositionOf((byte)'\n') is { } lineFeed)
            {
                _input.AdvanceTo(result.Buffer.GetPosition(1, lineFeed));
                _inputBuffered = result.Buffer.Slice(result.Buffer.GetPosition(1, lineFeed)).Length > 0;
                return;
            }

            _input.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted || result.IsCanceled)
            {
                throw new ConnectionClosedException();
            }
        }
    }

    private async Task DispatchAsync(SmtpCommand command)
    {
        if (++_commands > _options.MaxCommandsPerSession)
        {
            throw new SmtpReplyException(new SmtpReply(SmtpReplyCode.ServiceNotAvailable, EnhancedStatusCode.SystemNotAccepting, "Too many commands, closing connection"), closeConnection: true);
        }

        try
        {
            if (!Commands.TryGetValue(command.Verb, out var rule))
            {
                throw new SmtpReplyException(SmtpReplies.CommandUnrecognized);
            }

            if ((rule.States & _state) == 0)
            {
                throw new SmtpReplyException(OutOfSequence());
            }

            await rule.Handler(this, command);
        }
        catch (SmtpReplyException ex) when (!ex.CloseConnection)
        {
            Write(ex.Reply);
            if (ex.Reply.Code >= 500)
            {
                CountError();
            }
        }
        catch (Exception ex) when (IsUnexpected(ex))
        {
            // The one place a bug becomes a reply (ARCHITECTURE.md "Protocol code"). Stores commit
            // whole messages in one transaction, so an abandoned transaction stored nothing.
            var errorId = ShortId.NewErrorId();
            _logger.LogError(ex, "SMTP {Verb} failed (error id {ErrorId})", command.Verb, errorId);
            var inputInSync = !_readingPastCommandLine;
            ResetTransaction();
            if (!inputInSync)
            {
                // Part of a message body or SASL exchange may still be unread: nothing the
                // client sends next can be trusted to be a command.
                throw new SmtpReplyException(new SmtpReply(SmtpReplyCode.ServiceNotAvailable, EnhancedStatusCode.MailSystemError, $"Internal error, closing connection (error id {errorId})"), closeConnection: true);
            }

            Write(new SmtpReply(SmtpReplyCode.LocalError, EnhancedStatusCode.MailSystemError, $"Internal error, transaction abandoned; try again later (error id {errorId})"));
        }

        if (command.Verb is SmtpVerb.Data or SmtpVerb.Bdat or SmtpVerb.Auth or SmtpVerb.StartTls)
        {
            // These read past their command line; whether more input is buffered is unknown.
            _inputBuffered = false;
        }
    }

    private SmtpReply OutOfSequence() => _state == SmtpSessionState.Connected
        ? new SmtpReply(SmtpReplyCode.BadSequence, new EnhancedStatusCode(5, 5, 1), "Send EHLO or HELO first")
        : new SmtpReply(SmtpReplyCode.BadSequence, new EnhancedStatusCode(5, 5, 1), "Need MAIL command first");

    /// <summary>Exceptions that are not protocol answers, client departures or timeouts: bugs and outages.</summary>
    private bool IsUnexpected(Exception ex) => ex switch
    {
        SmtpReplyException or ConnectionClosedException or OperationCanceledException => false,
        IOException or ObjectDisposedException when _connection.ConnectionClosed.IsCancellationRequested => false,
        _ => true,
    };

    private Task Reply(SmtpReply reply, bool reset = false)
    {
        if (reset)
        {
            ResetTransaction();
        }

        Write(reply);
        return Task.CompletedTask;
    }

    private Task HandleQuit()
    {
        Write(SmtpReplies.Bye);
        _quit = true;
        return Task.CompletedTask;
    }

    private Task HandleHello(SmtpCommand command)
    {
        if (!command.ArgumentIsValidDomain)
        {
            throw new SmtpReplyException(SmtpReplies.HeloSyntax);
        }

        // RFC 5321 section 4.1.4: EHLO/HELO in a session resets any transaction.
        ResetTransaction();
        _helo = command.Argument;
        _esmtp = command.Verb == SmtpVerb.Ehlo;
        _state = SmtpSessionState.Ready;
        if (!_esmtp)
        {
            Write(new SmtpReply(SmtpReplyCode.Ok, $"{_options.Hostname} Hello {_helo}"));
            return Task.CompletedTask;
        }

        var lines = new List<string>
        {
            $"{_options.Hostname} Hello {_helo}",
            "PIPELINING",
            $"SIZE {_options.MaxMessageSize}",
            "8BITMIME",
            "SMTPUTF8",
            "ENHANCEDSTATUSCODES",
            "CHUNKING",
            "BINARYMIME",
            "DSN",
        };
        if (_connection.CanStartTls && !_connection.Info.IsTls)
        {
            lines.Add("STARTTLS");
        }

        if (_connection.Info.IsTls)
        {
            // RFC 8689 section 4: REQUIRETLS is offered only on a TLS session.
            lines.Add("REQUIRETLS");
        }

        if (_role == SmtpRole.Submission && _connection.Info.IsTls && _authenticated is null)
        {
            lines.Add("AUTH " + string.Join(' ', _services.Authenticator.MechanismNames(_connection.Info)));
        }

        SmtpReply.Write(_output, SmtpReplyCode.Ok, default, lines);
        return Task.CompletedTask;
    }

    private void ResetTransaction()
    {
        _transaction?.BdatBody?.Dispose();
        _transaction = null;
        if (_state == SmtpSessionState.InTransaction)
        {
            _state = SmtpSessionState.Ready;
        }
    }

    private void CountError()
    {
        if (++_errors > _options.MaxErrors)
        {
            throw new SmtpReplyException(new SmtpReply(SmtpReplyCode.ServiceNotAvailable, EnhancedStatusCode.BadConnection, "Too many errors, closing connection"), closeConnection: true);
        }
    }

    private void Write(SmtpReply reply) => reply.WriteTo(_output);

    private async ValueTask FlushAsync()
    {
        try
        {
            await _output.FlushAsync(_connection.ConnectionClosed);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or ObjectDisposedException or InvalidOperationException)
        {
            throw new ConnectionClosedException();
        }
    }

    /// <summary>The client went away; end the session without another word.</summary>
    private sealed class ConnectionClosedException : Exception;
}
