using System.Buffers;
using System.IO.Pipelines;
using HostedMail.Core.Mailboxes;
using HostedMail.Core.Messages;
using HostedMail.Net;
using HostedMail.Pop3.Protocol;
using Microsoft.Extensions.Logging;

namespace HostedMail.Pop3.Server;

/// <summary>The state of a POP3 session (RFC 1939 section 3), which decides the commands it accepts.</summary>
internal enum Pop3SessionState
{
    /// <summary>Before login: USER/PASS, AUTH, STLS, CAPA, QUIT.</summary>
    Authorization,
    /// <summary>Logged in with the maildrop locked: the message commands.</summary>
    Transaction,
    /// <summary>After QUIT in TRANSACTION: deleted messages are being removed; no commands.</summary>
    Update,
}

/// <summary>What a session needs from the node.</summary>
internal sealed record Pop3Services(
    Pop3ServerOptions Options,
    MailAuthenticator Authenticator,
    IFolderStore Folders,
    IMaildropLock MaildropLock,
    ILogger Logger);

/// <summary>One POP3 connection: reads commands, answers them, and applies deletions at QUIT.</summary>
// Implementation notes:
// - The maildrop is INBOX, listed once at login (RFC 1939 section 4: message numbers and sizes
//   are fixed for the session). The list is a snapshot; a message IMAP removes meanwhile answers
//   RETR/TOP with -ERR and is ignored at QUIT.
// - The maildrop lock (IMaildropLock, a lease in the mailbox's grain) is taken before the +OK that
//   enters TRANSACTION and released in RunAsync's finally on every path. It is held while we
//   write to the network by design (it is the RFC 1939 exclusive-access lock, not a row lock:
//   it blocks only other POP3 sessions of the same mailbox, never IMAP or delivery).
// - DELE only marks. Removal happens in the UPDATE state after QUIT, in one
//   IFolderStore.ExpungeAsync call (one transaction with counters and expunge log; IMAP sessions
//   are told after its commit), so a dropped connection, an idle timeout or a node shutdown
//   deletes nothing (RFC 1939 section 6).
// - Replies are buffered and flushed when the next read would wait (RFC 2449 PIPELINING),
//   and while a large RETR is being written.
// - After STLS every plaintext byte still buffered is discarded by MailConnection and the
//   session forgets the USER name (RFC 2595 section 4 and 3207-style injection defence).
// - Messages are not marked \Seen by RETR: POP3 has no flags, and a client that downloads the
//   whole INBOX every few minutes would otherwise bump every message's MODSEQ and churn IMAP
//   clients' flag caches; deleting, the one state change POP3 has, is what IMAP sees.
internal sealed partial class Pop3Session
{
    // The command table (mox style): which commands are legal in which state, checked before
    // the handler runs. RFC 1939 sections 4-7, RFC 2449 section 5 (CAPA in both), RFC 2595
    // section 4 (STLS in AUTHORIZATION only), RFC 5034 section 4 (AUTH in AUTHORIZATION only).
    private static readonly Dictionary<Pop3Verb, (bool Authorization, bool Transaction)> CommandTable = new()
    {
        [Pop3Verb.Capa] = (true, true),
        [Pop3Verb.Quit] = (true, true),
        [Pop3Verb.Noop] = (false, true),
        [Pop3Verb.User] = (true, false),
        [Pop3Verb.Pass] = (true, false),
        [Pop3Verb.Apop] = (true, false),
        [Pop3Verb.Auth] = (true, false),
        [Pop3Verb.Stls] = (true, false),
        [Pop3Verb.Stat] = (false, true),
        [Pop3Verb.List] = (false, true),
        [Pop3Verb.Uidl] = (false, true),
        [Pop3Verb.Retr] = (false, true),
        [Pop3Verb.Top] = (false, true),
        [Pop3Verb.Dele] = (false, true),
        [Pop3Verb.Rset] = (false, true),
    };

    private readonly MailConnection _connection;
    private readonly Pop3Services _services;
    private readonly Pop3ServerOptions _options;
    private readonly ILogger _logger;
    private PipeReader _input;
    private PipeWriter _output;
    private Pop3SessionState _state = Pop3SessionState.Authorization;
    private string? _user;
    private int _badCommands;

    // Counts flushes, so a failing command can tell whether part of its response already left.
    private int _flushes;
    private bool _done;

    public Pop3Session(MailConnection connection, Pop3Services services)
    {
        _connection = connection;
        _services = services;
        _options = services.Options;
        _logger = services.Logger;
        _input = connection.Input;
        _output = connection.Output;
    }

    public Pop3SessionState State => _state;

    public async Task RunAsync()
    {
        Pop3Response.Ok(_output, $"{_options.Hostname} POP3 server ready");
        try
        {
            while (!_done)
            {
                var command = await ReadCommandAsync();
                if (command is null)
                {
                    return;
                }

                var started = System.Diagnostics.Stopwatch.GetTimestamp();
                await DispatchAsync(command.Value);
                Pop3Metrics.Protocol.CommandCompleted(command.Value.Verb, started);
            }
        }
        catch (OperationCanceledException) when (_connection.CloseRequested.IsCancellationRequested)
        {
            // A node shutdown, or the node ended the session (its login was revoked: RFC 3206 [AUTH]).
            if (_connection.CloseReason is { } reason)
            {
                Pop3Response.Err(_output, Pop3ResponseCode.Auth, reason);
            }
            else
            {
                Pop3Response.Err(_output, Pop3ResponseCode.SysTemp, "Server shutting down, try again later");
            }
        }
        catch (OperationCanceledException) when (!_connection.ConnectionClosed.IsCancellationRequested)
        {
            // RFC 1939 section 3: the autologout timer ends the session without entering UPDATE.
            Pop3Response.Err(_output, null, "Disconnected for inactivity");
        }
        catch (SessionEndException ex)
        {
            Pop3Response.Err(_output, ex.Code, ex.Message);
        }
        catch (ConnectionClosedException)
        {
            return;
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException && _connection.ConnectionClosed.IsCancellationRequested)
        {
            return;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            var errorId = ShortId.NewErrorId();
            Pop3Log.SessionFailed(_logger, errorId, ex);
            Pop3Response.Err(_output, Pop3ResponseCode.SysTemp, $"Internal error, closing connection (error id {errorId})");
        }
        finally
        {
            await ReleaseMaildropAsync();
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

    /// <summary>Reads the next complete command; null when the client has gone.</summary>
    private async Task<Pop3Command?> ReadCommandAsync()
    {
        using var timeout = new CancellationTokenSource(_options.IdleTimeout, _connection.TimeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, _connection.CloseRequested);
        var mustWait = false;
        while (true)
        {
            // Replies go out when the next read would wait: a pipelined group (RFC 2449
            // PIPELINING) is answered in one write, and nothing waits in our buffer while the
            // client waits for it.
            if (mustWait || !_input.TryRead(out var result))
            {
                await FlushAsync();
                result = await _input.ReadAsync(linked.Token);
            }

            mustWait = false;
            var buffer = result.Buffer;
            var reader = new SequenceReader<byte>(buffer);
            var status = Pop3CommandParser.TryParse(ref reader, _options.MaxLineLength, out var command, out var error);
            switch (status)
            {
                case Pop3ParseStatus.Complete:
                    _input.AdvanceTo(reader.Position);
                    return command;
                case Pop3ParseStatus.SyntaxError:
                    _input.AdvanceTo(reader.Position);
                    Pop3Response.Err(_output, null, error!);
                    CountBadCommand();
                    continue;
                case Pop3ParseStatus.LineTooLong:
                    _input.AdvanceTo(buffer.Start, buffer.End);
                    throw new SessionEndException(null, "Line too long, closing connection");
                default:
                    _input.AdvanceTo(buffer.Start, buffer.End);
                    if (result.IsCompleted || result.IsCanceled)
                    {
                        return null;
                    }

                    // Part of a line: the client may hold the rest until this is acknowledged.
                    _connection.AcknowledgeReceived();
                    mustWait = true;
                    break;
            }
        }
    }

    private async Task DispatchAsync(Pop3Command command)
    {
        var flushes = _flushes;
        var unflushed = _output.UnflushedBytes;
        try
        {
            if (!IsLegal(command.Verb, _state))
            {
                throw new Pop3CommandException(null, _state == Pop3SessionState.Authorization
                    ? "Command not valid in AUTHORIZATION state, log in first"
                    : "Command not valid in TRANSACTION state");
            }

            switch (command.Verb)
            {
                case Pop3Verb.Capa:
                    HandleCapa();
                    break;
                case Pop3Verb.Quit:
                    await HandleQuitAsync();
                    break;
                case Pop3Verb.User:
                    HandleUser(command);
                    break;
                case Pop3Verb.Pass:
                    await HandlePassAsync(command);
                    break;
                case Pop3Verb.Auth:
                    await HandleAuthAsync(command);
                    break;
                case Pop3Verb.Stls:
                    await HandleStlsAsync();
                    break;
                case Pop3Verb.Apop:
                    throw new Pop3CommandException(null, "APOP is not supported, use USER/PASS or AUTH");
                case Pop3Verb.Stat:
                    HandleStat();
                    break;
                case Pop3Verb.List:
                    HandleList(command);
                    break;
                case Pop3Verb.Uidl:
                    HandleUidl(command);
                    break;
                case Pop3Verb.Retr:
                case Pop3Verb.Top:
                    await HandleRetrAsync(command);
                    break;
                case Pop3Verb.Dele:
                    HandleDele(command);
                    break;
                case Pop3Verb.Rset:
                    HandleRset();
                    break;
                case Pop3Verb.Noop:
                    Pop3Response.Ok(_output);
                    break;
                default:
                    throw new Pop3CommandException(null, "Unknown command");
            }
        }
        catch (Pop3CommandException ex)
        {
            Pop3Response.Err(_output, ex.Code, ex.Text);
            if (ex.CountsAsBad)
            {
                CountBadCommand();
            }
        }
        catch (Exception ex) when (IsUnexpected(ex))
        {
            // The one place a bug becomes a reply (ARCHITECTURE.md "Protocol code"). Nothing of the
            // maildrop changes before QUIT (RFC 1939 section 6), so the session can go on, unless
            // part of a response was already written: then the client cannot tell where it ends.
            var errorId = ShortId.NewErrorId();
            Pop3Log.CommandFailed(_logger, command.Verb.ToString(), errorId, ex);
            if (flushes != _flushes || unflushed != _output.UnflushedBytes)
            {
                throw new SessionEndException(Pop3ResponseCode.SysTemp, $"Internal error, closing connection (error id {errorId})");
            }

            Pop3Response.Err(_output, Pop3ResponseCode.SysTemp, $"Internal error, try again later (error id {errorId})");
        }
    }

    /// <summary>Exceptions that are not protocol answers, session ends, client departures or timeouts: bugs and outages.</summary>
    private bool IsUnexpected(Exception ex) => ex switch
    {
        Pop3CommandException or SessionEndException or ConnectionClosedException or OperationCanceledException => false,
        IOException or ObjectDisposedException when _connection.ConnectionClosed.IsCancellationRequested => false,
        _ => true,
    };

    internal static bool IsLegal(Pop3Verb verb, Pop3SessionState state) =>
        CommandTable.TryGetValue(verb, out var legal) && state switch
        {
            Pop3SessionState.Authorization => legal.Authorization,
            Pop3SessionState.Transaction => legal.Transaction,
            _ => false,
        };

    private void HandleCapa()
    {
        // RFC 2449 section 5: the list may differ by state; USER, SASL and STLS only make sense
        // before login, and are offered only where they would be accepted (RFC 2595 section 4).
        Pop3Response.Ok(_output, "Capability list follows");
        Pop3Response.Line(_output, "TOP");
        Pop3Response.Line(_output, "UIDL");
        Pop3Response.Line(_output, "RESP-CODES");
        Pop3Response.Line(_output, "AUTH-RESP-CODE");
        Pop3Response.Line(_output, "PIPELINING");
        // RFC 2449 section 6.7: we never delete messages on our own.
        Pop3Response.Line(_output, "EXPIRE NEVER");
        // TODO(pop3): LOGIN-DELAY is advertised but not enforced; enforcing needs the last login
        // time per mailbox shared by all nodes (a column or a table), not node memory.
        if (_options.LoginDelay is { } delay)
        {
            Pop3Response.Line(_output, FormattableString.Invariant($"LOGIN-DELAY {(long)delay.TotalSeconds}"));
        }

        Pop3Response.Line(_output, "IMPLEMENTATION HostedMail");
        if (_state == Pop3SessionState.Authorization)
        {
            if (_connection.CanStartTls && !_connection.Info.IsTls)
            {
                Pop3Response.Line(_output, "STLS");
            }

            if (AuthenticationAllowed)
            {
                Pop3Response.Line(_output, "USER");
                Pop3Response.Line(_output, "SASL " + string.Join(' ', _services.Authenticator.MechanismNames(_connection.Info)));
            }
        }

        Pop3Response.End(_output);
    }

    private void CountBadCommand()
    {
        if (++_badCommands > _options.MaxBadCommands)
        {
            throw new SessionEndException(null, "Too many bad commands, closing connection");
        }
    }

    private async ValueTask FlushAsync()
    {
        using var timeout = new CancellationTokenSource(_options.IdleTimeout, _connection.TimeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, _connection.ConnectionClosed);
        try
        {
            _flushes++;
            await _output.FlushAsync(linked.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or ObjectDisposedException or InvalidOperationException)
        {
            // A client that stops reading for the whole idle timeout is as gone as one that closed.
            throw new ConnectionClosedException();
        }
    }

    /// <summary>The client went away; end the session without another word.</summary>
    private sealed class ConnectionClosedException : Exception;

    /// <summary>End the session after writing this -ERR.</summary>
    private sealed class SessionEndException(string? code, string message) : Exception(message)
    {
        public string? Code { get; } = code;
    }
}
