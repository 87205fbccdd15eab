using System.Buffers;
using System.IO.Pipelines;
using System.Security.Cryptography;
using HostedMail.Core.Mailboxes;
using HostedMail.Net;
using HostedMail.Smtp.Protocol;
using Microsoft.Extensions.Logging;

namespace HostedMail.Smtp.Server;

/// <summary>The state of an SMTP session, which decides the commands it accepts.</summary>
internal enum SmtpSessionState
{
    /// <summary>Before EHLO/HELO.</summary>
    Connected,
    /// <summary>After EHLO/HELO, no transaction.</summary>
    Ready,
    /// <summary>After MAIL FROM.</summary>
    InTransaction,
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

    // Whether the last command line was followed by more buffered input (a pipelined group).
    private bool _inputBuffered;

    public SmtpSession(MailConnection connection, SmtpRole role, SmtpServices services)
    {
        _connection = connection;
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

                await DispatchAsync(command.Value);
            }
        }
        catch (OperationCanceledException) when (_connection.CloseRequested.IsCancellationRequested)
        {
            Write(SmtpReplies.ShuttingDown);
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

        await FlushAsync();
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
                    _input.AdvanceTo(buffer.Start, buffer.End);
                    throw new SmtpReplyException(rejection!, closeConnection: true);
                default:
                    _input.AdvanceTo(buffer.Start, buffer.End);
                    if (result.IsCompleted || result.IsCanceled)
                    {
                        return null;
                    }

                    break;
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
            switch (command.Verb)
            {
                case SmtpVerb.Ehlo:
                case SmtpVerb.Helo:
                    HandleHello(command);
                    break;
                case SmtpVerb.StartTls:
                    await HandleStartTlsAsync();
                    break;
                case SmtpVerb.Auth:
                    await HandleAuthAsync(command);
                    break;
                case SmtpVerb.Mail:
                    await HandleMailAsync(command);
                    break;
                case SmtpVerb.Rcpt:
                    await HandleRcptAsync(command);
                    break;
                case SmtpVerb.Data:
                    await HandleDataAsync();
                    break;
                case SmtpVerb.Bdat:
                    await HandleBdatAsync(command);
                    break;
                case SmtpVerb.Rset:
                    ResetTransaction();
                    Write(SmtpReplies.Ok);
                    break;
                case SmtpVerb.Noop:
                    Write(SmtpReplies.Ok);
                    break;
                case SmtpVerb.Quit:
                    Write(SmtpReplies.Bye);
                    _quit = true;
                    break;
                case SmtpVerb.Vrfy:
                    // RFC 5321 section 3.5.3: 252 when we will not verify; never confirm addresses to strangers.
                    Write(new SmtpReply(SmtpReplyCode.CannotVerifyUser, new EnhancedStatusCode(2, 5, 0), "Cannot VRFY user, but will accept message and attempt delivery"));
                    break;
                case SmtpVerb.Expn:
                    Write(new SmtpReply(SmtpReplyCode.CommandNotImplemented, new EnhancedStatusCode(5, 5, 1), "EXPN is not available"));
                    break;
                case SmtpVerb.Help:
                    Write(new SmtpReply(SmtpReplyCode.HelpMessage, new EnhancedStatusCode(2, 0, 0), "See RFC 5321 and https://www.rfc-editor.org/rfc/rfc5321"));
                    break;
                case SmtpVerb.NotImplemented:
                    Write(SmtpReplies.CommandNotImplemented);
                    break;
                default:
                    Write(SmtpReplies.CommandUnrecognized);
                    CountError();
                    break;
            }
        }
        catch (SmtpReplyException ex) when (!ex.CloseConnection)
        {
            Write(ex.Reply);
            if (ex.Reply.Code >= 500)
            {
                CountError();
            }
        }

        if (command.Verb is SmtpVerb.Data or SmtpVerb.Bdat or SmtpVerb.Auth or SmtpVerb.StartTls)
        {
            // These read past their command line; whether more input is buffered is unknown.
            _inputBuffered = false;
        }
    }

    private void HandleHello(SmtpCommand command)
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
            return;
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
            lines.Add("AUTH " + string.Join(' ', SaslMechanismRegistry.Default.Names));
        }

        SmtpReply.Write(_output, SmtpReplyCode.Ok, default, lines);
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

    private void RequireGreeting()
    {
        if (_state == SmtpSessionState.Connected)
        {
            throw new SmtpReplyException(new SmtpReply(SmtpReplyCode.BadSequence, new EnhancedStatusCode(5, 5, 1), "Send EHLO or HELO first"));
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

    /// <summary>A short random id, base32, for a transaction (logs, Received, 250 reply).</summary>
    private static string NewTransactionId()
    {
        const string alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        Span<byte> bytes = stackalloc byte[12];
        RandomNumberGenerator.Fill(bytes);
        Span<char> chars = stackalloc char[12];
        for (var i = 0; i < bytes.Length; i++)
        {
            chars[i] = alphabet[bytes[i] % alphabet.Length];
        }

        return new string(chars);
    }

    /// <summary>The client went away; end the session without another word.</summary>
    private sealed class ConnectionClosedException : Exception;
}
