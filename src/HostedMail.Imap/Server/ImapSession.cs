using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using HostedMail.Core;
using HostedMail.Core.Imap;
using HostedMail.Core.Mailboxes;
using HostedMail.Core.Messages;
using HostedMail.Imap.Protocol;
using HostedMail.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace HostedMail.Imap.Server;

/// <summary>Session states (RFC 9051 section 3).</summary>
internal enum ImapSessionState
{
    NotAuthenticated,
    Authenticated,
    Selected,
    Logout,
}

/// <summary>Services a session uses, shared by all sessions of a node.</summary>
internal sealed record ImapServices(
    IFolderStore Folders,
    IImapStore Store,
    IFolderChangeFeed Feed,
    MailAuthenticator Authenticator,
    ImapServerOptions Options,
    ILoggerFactory LoggerFactory,
    ImapContentCache Content,
    SharedFolderQueries Shared);

/// <summary>One IMAP connection: reads commands, checks state, runs handlers, writes responses (RFC 9051, RFC 3501).</summary>
// Implementation notes:
// - The session alone reads _input and writes _output; STARTTLS and COMPRESS replace both.
// - Nothing is written while a store transaction is open: stores return, then we write.
// - Untagged EXISTS/FETCH/EXPUNGE from other sessions are sent only at the end of a command
//   (before its tagged reply) or during IDLE; EXPUNGE/VANISHED never during FETCH, STORE or
//   SEARCH by sequence number (RFC 9051 section 7.5.1), which would shift the client's numbers.
// - The selected folder is revalidated by each synchronisation: if it is gone, * BYE.
internal sealed partial class ImapSession
{
    private static readonly Dictionary<ImapVerb, ImapSessionState[]> AllowedStates = BuildStateTable();

    private readonly MailConnection _connection;
    private readonly ImapServices _services;
    private readonly ImapServerOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private ArrayBufferWriter<byte> _command = new(1024);
    private PipeReader _input;
    private PipeWriter _output;
    private ImapResponseWriter _w;
    private ImapSessionState _state = ImapSessionState.NotAuthenticated;
    private Mailbox? _mailbox;
    private SelectedFolder? _selected;
    private Folder? _appendFolder;
    private bool _rev2;
    private bool _utf8;
    private bool _condStore;
    private bool _qresync;
    private bool _compressed;

    /// <summary>Set while a handler switches the transport or the client's mode (STARTTLS, COMPRESS, IDLE): a failure then ends the session.</summary>
    private bool _stateUnknown;
    private int _authFailures;
    private IReadOnlyList<long> _savedSearch = [];

    public ImapSession(MailConnection connection, ImapServices services)
    {
        _connection = connection;
        _services = services;
        _options = services.Options;
        _logger = services.LoggerFactory.CreateLogger("HostedMail.Imap.Session");
        _time = connection.TimeProvider;
        _input = connection.Input;
        _output = connection.Output;
        _w = new ImapResponseWriter(_output);
    }

    private long TenantId => _mailbox!.TenantId;

    private long MailboxId => _mailbox!.MailboxId;

    private SelectedFolder Selected => _selected ?? throw ImapCommandException.Bad("no folder selected");

    public async Task RunAsync()
    {
        ImapLog.SessionStarted(_logger, _connection.Info.ListenerName);
        try
        {
            _w.Ascii("* OK [CAPABILITY ").Ascii(CapabilityString()).Ascii("] HostedMail IMAP4rev2 server ready").Crlf();
            await FlushAsync();
            while (_state != ImapSessionState.Logout)
            {
                var parsed = await ReadCommandAsync();
                if (parsed is null)
                {
                    continue;
                }

                var started = System.Diagnostics.Stopwatch.GetTimestamp();
                await ExecuteAsync(parsed.Value);
                if (parsed.Value.IsSuccess)
                {
                    ImapMetrics.CommandCompleted(parsed.Value.Command!.Verb, started);
                }
            }
        }
        catch (ImapSessionEndException ex)
        {
            await TryByeAsync(ex.Message);
        }
        catch (OperationCanceledException) when (_connection.CloseRequested.IsCancellationRequested && !_connection.ConnectionClosed.IsCancellationRequested)
        {
            // A node shutdown, or the node ended the session (its login was revoked).
            await TryByeAsync(_connection.CloseReason ?? "[UNAVAILABLE] Server shutting down");
        }
        catch (InvalidDataException) when (_compressed)
        {
            // RFC 4978: the client's DEFLATE stream is corrupt; its fault, not a server bug.
            ImapLog.SessionEnded(_logger, "invalid compressed data");
            await TryByeAsync("Invalid compressed data");
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ConnectionResetException or ConnectionAbortedException)
        {
            ImapLog.SessionEnded(_logger, "connection closed");
        }
        catch (Exception ex)
        {
            // Outside any command (framing, updates after a failure): the state is unknown; BYE with the id.
            var id = ShortId.NewErrorId();
            ImapLog.CommandFailed(_logger, ex, "session", id);
            await TryByeAsync("[SERVERBUG] Internal server error (error id " + id + ")");
        }
        finally
        {
            _selected?.Dispose();
            if (_compressed)
            {
                await _input.CompleteAsync();
                await _output.CompleteAsync();
            }
        }
    }

    private async Task TryByeAsync(string text)
    {
        try
        {
            _w.Ascii("* BYE ").Ascii(text).Crlf();
            await FlushAsync();
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or InvalidOperationException)
        {
            // The client is gone already.
        }
    }

    private async Task ExecuteAsync(ImapParseResult parsed)
    {
        if (!parsed.IsSuccess)
        {
            if (parsed.Error!.StartsWith("[BADCHARSET", StringComparison.Ordinal) && parsed.Tag is not null)
            {
                _w.Ascii(parsed.Tag).Ascii(" NO ").Ascii(parsed.Error).Crlf();
            }
            else
            {
                _w.Ascii(parsed.Tag ?? "*").Ascii(" BAD ").Ascii(Sanitize(parsed.Error)).Crlf();
            }

            await FlushAsync();
            return;
        }

        var command = parsed.Command!;
        _stateUnknown = false;
        if (!AllowedStates[command.Verb].Contains(_state))
        {
            _w.Ascii(command.Tag).Ascii(" BAD Command not valid in ").Ascii(StateName()).Ascii(" state").Crlf();
            await FlushAsync();
            return;
        }

        try
        {
            var completion = await DispatchAsync(command);
            if (completion is null)
            {
                // The handler wrote its tagged response itself (LOGOUT, STARTTLS, IDLE...).
                return;
            }

            if (command.Verb is not (ImapVerb.Select or ImapVerb.Examine))
            {
                // SELECT's EXISTS is the snapshot it answered from; changes committed while it ran
                // wait for the next command. Reporting them here put "* n EXPUNGE" right after
                // "* n EXISTS" in one response, which clients that take EXISTS as the count read
                // as a message that is not there (RFC 9051 section 7.4.1 allows it; nobody needs it).
                await SendUpdatesAsync(AllowsExpunge(command));
            }

            _w.Ascii(command.Tag).Ascii(" OK ").Ascii(completion).Crlf();
        }
        catch (Exception ex) when ((!_w.AtLineStart || _stateUnknown) && !IsEndOfSession(ex))
        {
            // Mid-response (a line or literal half written) or mid-switch (STARTTLS, COMPRESS,
            // IDLE): the client's view of the stream is unknown, so the only safe answer is BYE.
            var id = ShortId.NewErrorId();
            ImapLog.CommandFailed(_logger, ex, command.Verb.ToString(), id);
            if (!_w.AtLineStart)
            {
                _w.Crlf();
            }

            throw new ImapSessionEndException("[SERVERBUG] Internal server error (error id " + id + ")");
        }
        catch (ImapCommandException ex)
        {
            await SendUpdatesAsync(AllowsExpunge(command) && ex.Status != ImapStatus.Bad);
            _w.Ascii(command.Tag).Ascii(ex.Status == ImapStatus.Bad ? " BAD " : " NO ");
            if (ex.Code is not null)
            {
                _w.Ascii("[").Ascii(ex.Code).Ascii("] ");
            }

            _w.Ascii(Sanitize(ex.Message)).Crlf();
        }
        catch (HostedMailException ex) when (ex.Error == HostedMailError.NotFound)
        {
            _w.Ascii(command.Tag).Ascii(" NO [NONEXISTENT] ").Ascii(Sanitize(ex.Message)).Crlf();
        }
        catch (HostedMailException ex) when (ex.Error == HostedMailError.Conflict)
        {
            _w.Ascii(command.Tag).Ascii(" NO [ALREADYEXISTS] ").Ascii(Sanitize(ex.Message)).Crlf();
        }
        catch (QuotaExceededException)
        {
            _w.Ascii(command.Tag).Ascii(" NO [OVERQUOTA] Mailbox quota exceeded").Crlf();
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or TimeoutException)
        {
            var id = ShortId.NewErrorId();
            ImapLog.CommandFailed(_logger, ex, command.Verb.ToString(), id);
            _w.Ascii(command.Tag).Ascii(" NO [UNAVAILABLE] Temporary server failure, try again (error id ").Ascii(id).Ascii(")").Crlf();
        }
        catch (Exception ex) when (!IsEndOfSession(ex))
        {
            // STYLE.md sessions rule 6, the one catch site: a bug in a handler is logged once with a
            // correlation id the client also sees, and costs only this command. RFC 9051 section
            // 7.1: [SERVERBUG] says the failure is the server's, not the client's.
            var id = ShortId.NewErrorId();
            ImapLog.CommandFailed(_logger, ex, command.Verb.ToString(), id);
            _w.Ascii(command.Tag).Ascii(" NO [SERVERBUG] Internal server error (error id ").Ascii(id).Ascii(")").Crlf();
        }

        await FlushAsync();
    }

    /// <summary>Exceptions that end the session by themselves (the connection is gone, shutdown, BYE): never answered as a command failure.</summary>
    private bool IsEndOfSession(Exception ex) =>
        ex is ImapSessionEndException or IOException or ConnectionResetException or ConnectionAbortedException
        || (ex is OperationCanceledException && (_connection.ConnectionClosed.IsCancellationRequested || _connection.CloseRequested.IsCancellationRequested));

    private static bool AllowsExpunge(ImapCommand command) =>
        command.Uid || command.Verb is not (ImapVerb.Fetch or ImapVerb.Store or ImapVerb.Search or ImapVerb.Sort or ImapVerb.Thread);

    /// <summary>Runs a handler; returns the tagged OK text, or null when the handler answered itself.</summary>
    private Task<string?> DispatchAsync(ImapCommand command) => command.Verb switch
    {
        ImapVerb.Capability => HandleCapabilityAsync(),
        ImapVerb.Noop or ImapVerb.Check => Task.FromResult<string?>(command.Verb == ImapVerb.Noop ? "NOOP completed" : "CHECK completed"),
        ImapVerb.Logout => HandleLogoutAsync(command),
        ImapVerb.StartTls => HandleStartTlsAsync(command),
        ImapVerb.Login => HandleLoginAsync((LoginCommand)command),
        ImapVerb.Authenticate => HandleAuthenticateAsync((AuthenticateCommand)command),
        ImapVerb.Enable => HandleEnableAsync((EnableCommand)command),
        ImapVerb.Id => HandleIdAsync(),
        ImapVerb.Namespace => HandleNamespaceAsync(),
        ImapVerb.Compress => HandleCompressAsync((CompressCommand)command),
        ImapVerb.Select or ImapVerb.Examine => HandleSelectAsync((SelectCommand)command),
        ImapVerb.Create => HandleCreateAsync((CreateCommand)command),
        ImapVerb.Delete => HandleDeleteAsync((MailboxCommand)command),
        ImapVerb.Rename => HandleRenameAsync((RenameCommand)command),
        ImapVerb.Subscribe or ImapVerb.Unsubscribe => HandleSubscribeAsync((MailboxCommand)command),
        ImapVerb.List or ImapVerb.Lsub => HandleListAsync((ListCommand)command),
        ImapVerb.Status => HandleStatusAsync((StatusCommand)command),
        ImapVerb.Append => HandleAppendAsync((AppendCommand)command),
        ImapVerb.Idle => HandleIdleAsync(command),
        ImapVerb.Close or ImapVerb.Unselect => HandleCloseAsync(command),
        ImapVerb.Expunge => HandleExpungeAsync((ExpungeCommand)command),
        ImapVerb.Search => HandleSearchAsync((SearchCommand)command),
        ImapVerb.Sort => HandleSortAsync((SortCommand)command),
        ImapVerb.Thread => HandleThreadAsync((ThreadCommand)command),
        ImapVerb.Fetch => HandleFetchAsync((FetchCommand)command),
        ImapVerb.Store => HandleStoreAsync((StoreCommand)command),
        ImapVerb.Copy or ImapVerb.Move => HandleCopyAsync((CopyCommand)command),
        ImapVerb.GetQuota or ImapVerb.GetQuotaRoot or ImapVerb.SetQuota => HandleQuotaAsync((QuotaCommand)command),
        _ => throw ImapCommandException.Bad("unknown command"),
    };

    private static Dictionary<ImapVerb, ImapSessionState[]> BuildStateTable()
    {
        ImapSessionState[] any = [ImapSessionState.NotAuthenticated, ImapSessionState.Authenticated, ImapSessionState.Selected];
        ImapSessionState[] notAuth = [ImapSessionState.NotAuthenticated];
        ImapSessionState[] auth = [ImapSessionState.Authenticated, ImapSessionState.Selected];
        ImapSessionState[] selected = [ImapSessionState.Selected];
        var table = new Dictionary<ImapVerb, ImapSessionState[]>();
        foreach (var verb in Enum.GetValues<ImapVerb>())
        {
            table[verb] = verb switch
            {
                ImapVerb.Capability or ImapVerb.Noop or ImapVerb.Logout or ImapVerb.Id => any,
                ImapVerb.StartTls or ImapVerb.Login or ImapVerb.Authenticate => notAuth,
                // RFC 5161 section 3.1: ENABLE before a folder is selected.
                ImapVerb.Enable => [ImapSessionState.Authenticated],
                ImapVerb.Check or ImapVerb.Close or ImapVerb.Unselect or ImapVerb.Expunge or ImapVerb.Search or ImapVerb.Fetch
                    or ImapVerb.Store or ImapVerb.Copy or ImapVerb.Move or ImapVerb.Sort or ImapVerb.Thread => selected,
                _ => auth,
            };
        }

        return table;
    }

    private string StateName() => _state switch
    {
        ImapSessionState.NotAuthenticated => "not authenticated",
        ImapSessionState.Authenticated => "authenticated",
        _ => "selected",
    };

    // Response text must stay on one line and in ASCII.
    private static string Sanitize(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            sb.Append(c is >= ' ' and < (char)0x7f ? c : '?');
        }

        return sb.ToString();
    }

    private ValueTask<FlushResult> FlushAsync() => _output.FlushAsync(_connection.ConnectionClosed);

    /// <summary>
    /// Inside a long response: sends once 64 KiB are buffered (bounding memory, and flushing waits
    /// for a slow reader); the tagged response flushes the rest, so a short answer is one write.
    /// </summary>
    private async ValueTask FlushIfLargeAsync()
    {
        if (!_output.CanGetUnflushedBytes || _output.UnflushedBytes >= 64 * 1024)
        {
            await FlushAsync();
        }
    }

    private void ReplaceTransport(PipeReader input, PipeWriter output)
    {
        _input = input;
        _output = output;
        _w = new ImapResponseWriter(_output) { Utf8 = _w.Utf8 };
    }

    /// <summary>Reads one whole command (lines and literals); null when the command was answered during framing.</summary>
    private async Task<ImapParseResult?> ReadCommandAsync()
    {
        if (_command.Capacity > 256 * 1024)
        {
            // Do not keep a large APPEND's buffer for the life of an idle connection.
            _command = new ArrayBufferWriter<byte>(1024);
        }

        _command.ResetWrittenCount();
        var timeout = _state == ImapSessionState.NotAuthenticated ? _options.UnauthenticatedTimeout : _options.IdleTimeout;
        using var cts = new CancellationTokenSource(timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cts.Token, _connection.CloseRequested);
        try
        {
            while (true)
            {
                var lineStart = _command.WrittenCount;
                if (!await ReadLineIntoCommandAsync(linked.Token))
                {
                    _state = ImapSessionState.Logout;
                    return null;
                }

                var literal = ImapFraming.GetLiteral(_command.WrittenSpan[lineStart..]);
                if (literal is not { } announced)
                {
                    return ParseCommand();
                }

                if (announced.Size > _options.MaxLiteralSize || _command.WrittenCount + announced.Size > _options.MaxCommandSize)
                {
                    if (!announced.Synchronizing)
                    {
                        // RFC 7888 section 4: the octets are on their way and cannot be skipped safely.
                        throw new ImapSessionEndException("[TOOBIG] Literal too large");
                    }

                    await RejectLiteralAsync();
                    return null;
                }

                if (announced.Synchronizing)
                {
                    _w.Ascii("+ Ready for literal data").Crlf();
                    await FlushAsync();
                }
                else
                {
                    // RFC 7888: the literal follows without a go-ahead, which a client may hold
                    // until this line is acknowledged if it writes the two apart.
                    _connection.AcknowledgeReceived();
                }

                _command.Write("\r\n"u8);
                if (!await ReadExactlyIntoCommandAsync(announced.Size, linked.Token))
                {
                    _state = ImapSessionState.Logout;
                    return null;
                }
            }
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            throw new ImapSessionEndException("Autologout; idle for too long");
        }
    }

    /// <summary>
    /// Parses the framed command. The parser reports bad syntax as a result; should it throw
    /// anyway (a bug), the command is still answered with BAD and the session goes on: the
    /// command was framed completely, so nothing of it is left in the stream.
    /// </summary>
    private ImapParseResult ParseCommand()
    {
        try
        {
            return ImapCommandParser.Parse(_command.WrittenMemory);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            var id = ShortId.NewErrorId();
            ImapLog.CommandFailed(_logger, ex, "parse", id);
            var span = _command.WrittenSpan;
            var space = span.IndexOf((byte)' ');
            string? tag = space > 0 && span[..space].IndexOfAnyExcept(TagBytes) < 0 ? Encoding.ASCII.GetString(span[..space]) : null;
            return new ImapParseResult(null, tag, "[SERVERBUG] Could not parse the command (error id " + id + ")");
        }
    }

    private static readonly System.Buffers.SearchValues<byte> TagBytes = System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-_!#$&'+,/:;<=>?@^`|~"u8);

    private async Task RejectLiteralAsync()
    {
        var span = _command.WrittenSpan;
        var space = span.IndexOf((byte)' ');
        var tag = space > 0 ? Encoding.ASCII.GetString(span[..space]) : "*";
        var isAppend = space > 0 && span[(space + 1)..].Length >= 6 && Encoding.ASCII.GetString(span.Slice(space + 1, 6)).Equals("APPEND", StringComparison.OrdinalIgnoreCase);
        _w.Ascii(Sanitize(tag)).Ascii(isAppend ? " NO [TOOBIG] Message too large" : " BAD Literal too large").Crlf();
        await FlushAsync();
    }

    private async Task<bool> ReadLineIntoCommandAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await _input.ReadAsync(cancellationToken);
            var buffer = result.Buffer;
            var reader = new SequenceReader<byte>(buffer);
            var status = ImapFraming.TryReadLine(ref reader, _options.MaxLineLength, out var line);
            if (status == FrameStatus.Line)
            {
                foreach (var segment in line)
                {
                    _command.Write(segment.Span);
                }

                _input.AdvanceTo(reader.Position);
                return true;
            }

            _input.AdvanceTo(buffer.Start, buffer.End);
            if (status == FrameStatus.LineTooLong)
            {
                throw new ImapSessionEndException("[TOOBIG] Line too long");
            }

            if (result.IsCompleted)
            {
                return false;
            }

            // Part of a line is here and the rest is not: the client may be holding it until this is acknowledged.
            _connection.AcknowledgeReceived();
        }
    }

    private async Task<bool> ReadExactlyIntoCommandAsync(long size, CancellationToken cancellationToken)
    {
        var remaining = size;
        while (remaining > 0)
        {
            var result = await _input.ReadAsync(cancellationToken);
            var buffer = result.Buffer;
            var take = Math.Min(remaining, buffer.Length);
            var usedAll = take == buffer.Length;
            foreach (var segment in buffer.Slice(0, take))
            {
                _command.Write(segment.Span);
            }

            remaining -= take;
            _input.AdvanceTo(buffer.GetPosition(take));
            if (remaining > 0 && result.IsCompleted)
            {
                return false;
            }

            // Everything that arrived is used and the command goes on after the literal (at least
            // its CRLF), which a client often writes apart: acknowledge now.
            if (usedAll)
            {
                _connection.AcknowledgeReceived();
            }
        }

        return true;
    }

    /// <summary>Reads one line outside a command (AUTHENTICATE responses, IDLE's DONE); null at end of stream.</summary>
    private async Task<string?> ReadContinuationLineAsync(CancellationToken cancellationToken)
    {
        _command.ResetWrittenCount();
        if (!await ReadLineIntoCommandAsync(cancellationToken))
        {
            return null;
        }

        return Encoding.UTF8.GetString(_command.WrittenSpan);
    }

    /// <summary>Mailbox name from the wire to storage form: modified UTF-7 decoded for IMAP4rev1 clients, INBOX canonical, no trailing delimiter.</summary>
    private string ToStorageName(string name)
    {
        if (!_utf8 && !ModifiedUtf7.TryDecode(name, out name))
        {
            throw ImapCommandException.No("CANNOT", "Invalid modified UTF-7 in mailbox name");
        }

        name = name.TrimEnd('/');
        if (name.Equals("INBOX", StringComparison.OrdinalIgnoreCase))
        {
            return "INBOX";
        }

        if (name.StartsWith("INBOX/", StringComparison.OrdinalIgnoreCase))
        {
            name = "INBOX" + name[5..];
        }

        return name;
    }

    /// <summary>Mailbox name from storage to the wire.</summary>
    private string ToWireName(string name) => _utf8 ? name : ModifiedUtf7.Encode(name);

    private void WriteMailboxName(string storageName) => _w.AString(ToWireName(storageName));

    private async Task<Folder> GetFolderAsync(string wireName, string? missingCode = "NONEXISTENT")
    {
        var folder = await _services.Folders.GetFolderAsync(TenantId, MailboxId, ToStorageName(wireName), _connection.ConnectionClosed);
        return folder ?? throw ImapCommandException.No(missingCode, "No such mailbox");
    }

    private void WriteFlags(MessageFlags flags, IReadOnlyList<string> keywords, bool recent)
    {
        _w.Byte((byte)'(');
        var first = true;
        void Flag(string f)
        {
            if (!first)
            {
                _w.Space();
            }

            first = false;
            _w.Ascii(f);
        }

        if ((flags & MessageFlags.Seen) != 0)
        {
            Flag("\\Seen");
        }

        if ((flags & MessageFlags.Answered) != 0)
        {
            Flag("\\Answered");
        }

        if ((flags & MessageFlags.Flagged) != 0)
        {
            Flag("\\Flagged");
        }

        if ((flags & MessageFlags.Deleted) != 0)
        {
            Flag("\\Deleted");
        }

        if ((flags & MessageFlags.Draft) != 0)
        {
            Flag("\\Draft");
        }

        if (recent)
        {
            // RFC 3501 section 2.3.2 (IMAP4rev1 sessions only: Recent is empty for IMAP4rev2).
            Flag("\\Recent");
        }

        foreach (var k in keywords)
        {
            Flag(k);
        }

        _w.Byte((byte)')');
    }
}
