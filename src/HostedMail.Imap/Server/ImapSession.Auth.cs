using System.IO.Compression;
using System.IO.Pipelines;
using System.Text;
using HostedMail.Core.Mailboxes;
using HostedMail.Core.Security;
using HostedMail.Imap.Protocol;
using HostedMail.Net;

namespace HostedMail.Imap.Server;

// Connection-level commands: CAPABILITY, STARTTLS, LOGIN, AUTHENTICATE, LOGOUT, ENABLE, ID,
// NAMESPACE, COMPRESS.
internal sealed partial class ImapSession
{
    private const string BaseCapabilities =
        "IMAP4rev2 IMAP4rev1 LITERAL+ SASL-IR ID ENABLE IDLE NAMESPACE UIDPLUS MOVE UNSELECT CHILDREN MULTIAPPEND " +
        "CONDSTORE QRESYNC SPECIAL-USE CREATE-SPECIAL-USE LIST-EXTENDED LIST-STATUS ESEARCH SEARCHRES WITHIN " +
        "SORT SORT=DISPLAY THREAD=ORDEREDSUBJECT THREAD=REFERENCES QUOTA QUOTA=RES-STORAGE STATUS=SIZE BINARY UTF8=ACCEPT";

    private bool AuthenticationAllowed => _connection.Info.IsTls || _options.AllowPlaintextAuthentication;

    private string CapabilityString()
    {
        var sb = new StringBuilder(BaseCapabilities);
        sb.Append(" APPENDLIMIT=").Append(_options.MaxLiteralSize);
        if (!_compressed)
        {
            sb.Append(" COMPRESS=DEFLATE");
        }

        if (_state == ImapSessionState.NotAuthenticated)
        {
            if (_connection.CanStartTls)
            {
                sb.Append(" STARTTLS");
            }

            if (AuthenticationAllowed)
            {
                foreach (var name in _services.Authenticator.MechanismNames(_connection.Info))
                {
                    sb.Append(" AUTH=").Append(name);
                }
            }
            else
            {
                sb.Append(" LOGINDISABLED");
            }
        }

        return sb.ToString();
    }

    private async Task<string?> HandleCapabilityAsync()
    {
        _w.Ascii("* CAPABILITY ").Ascii(CapabilityString()).Crlf();
        await Task.CompletedTask;
        return "CAPABILITY completed";
    }

    private async Task<string?> HandleLogoutAsync(ImapCommand command)
    {
        _w.Ascii("* BYE HostedMail logging out").Crlf();
        _w.Ascii(command.Tag).Ascii(" OK LOGOUT completed").Crlf();
        await FlushAsync();
        _state = ImapSessionState.Logout;
        return null;
    }

    private async Task<string?> HandleStartTlsAsync(ImapCommand command)
    {
        if (!_connection.CanStartTls)
        {
            throw ImapCommandException.Bad("STARTTLS not available");
        }

        await FlushAsync();
        _stateUnknown = true;
        // RFC 9051 section 6.2.1: plaintext sent after STARTTLS is discarded, never run. The tagged
        // OK goes out through StartTlsAsync, after the discard, so the TLS hello is never lost.
        var discarded = await _connection.StartTlsAsync(System.Text.Encoding.ASCII.GetBytes(command.Tag + " OK Begin TLS negotiation now\r\n"), _connection.ConnectionClosed);
        if (discarded > 0)
        {
            ImapLog.PlaintextDiscarded(_logger, discarded);
        }

        ReplaceTransport(_connection.Input, _connection.Output);
        return null;
    }

    private async Task<string?> HandleLoginAsync(LoginCommand command)
    {
        if (!AuthenticationAllowed)
        {
            throw ImapCommandException.No("PRIVACYREQUIRED", "Use STARTTLS first");
        }

        return await CompleteAuthenticationAsync(new SaslCredentials(command.User, command.Password, null), "LOGIN");
    }

    private async Task<string?> HandleAuthenticateAsync(AuthenticateCommand command)
    {
        if (!AuthenticationAllowed)
        {
            throw ImapCommandException.No("PRIVACYREQUIRED", "Use STARTTLS first");
        }

        if (!_services.Authenticator.TryCreateMechanism(command.Mechanism, _connection.Info, out var mechanism))
        {
            throw ImapCommandException.No("CANNOT", "Unsupported authentication mechanism");
        }

        var exchange = new SaslServerExchange(mechanism);
        var step = exchange.Begin(command.InitialResponse);
        using var timeout = new CancellationTokenSource(_options.UnauthenticatedTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, _connection.CloseRequested);
        while (step.Kind == SaslStepKind.Challenge)
        {
            // RFC 9051 section 7.6: the challenge is a continuation request with base64 text.
            _w.Ascii("+ ").Ascii(step.ChallengeBase64).Crlf();
            await FlushAsync();
            string? line;
            try
            {
                line = await ReadContinuationLineAsync(linked.Token);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested)
            {
                throw new ImapSessionEndException("Autologout; idle for too long");
            }

            if (line is null)
            {
                throw new ImapSessionEndException("Connection closed during AUTHENTICATE");
            }
            step = exchange.Respond(Encoding.ASCII.GetBytes(line));
        }

        return step.Kind switch
        {
            SaslStepKind.Credentials => await CompleteAuthenticationAsync(step.Credentials!, "AUTHENTICATE"),
            SaslStepKind.Cancelled => throw ImapCommandException.Bad("AUTHENTICATE cancelled"),
            _ => throw ImapCommandException.Bad("Invalid SASL response: " + step.Error),
        };
    }

    private async Task<string?> CompleteAuthenticationAsync(SaslCredentials credentials, string verb)
    {
        var result = await _services.Authenticator.AuthenticateAsync(credentials, _connection.Info, _connection.ConnectionClosed);
        switch (result.Status)
        {
            case AuthStatus.Succeeded when result.Principal is Mailbox mailbox:
                _mailbox = mailbox;
                _state = ImapSessionState.Authenticated;
                ImapLog.LoggedIn(_logger, mailbox.TenantId, mailbox.MailboxId);
                return "[CAPABILITY " + CapabilityString() + "] " + verb + " completed";
            case AuthStatus.LockedOut:
            case AuthStatus.TemporaryFailure:
                throw ImapCommandException.No("UNAVAILABLE", "Authentication temporarily unavailable, try later");
            default:
                if (result.SaslErrorChallenge is { } error)
                {
                    await SendSaslErrorAsync(error);
                }

                if (++_authFailures >= _options.MaxAuthenticationFailures)
                {
                    _w.Ascii("* BYE Too many authentication failures").Crlf();
                    _state = ImapSessionState.Logout;
                }

                throw ImapCommandException.No("AUTHENTICATIONFAILED", "Invalid credentials");
        }
    }

    /// <summary>
    /// RFC 7628 section 3.2.3: a failed bearer token gets the JSON error as a challenge, the client
    /// answers with a dummy response (0x01; XOAUTH2 clients send an empty line), then the tagged NO.
    /// </summary>
    private async Task SendSaslErrorAsync(byte[] error)
    {
        _w.Ascii("+ ").Ascii(Convert.ToBase64String(error)).Crlf();
        await FlushAsync();
        using var timeout = new CancellationTokenSource(_options.UnauthenticatedTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, _connection.CloseRequested);
        try
        {
            if (await ReadContinuationLineAsync(linked.Token) is null)
            {
                throw new ImapSessionEndException("Connection closed during AUTHENTICATE");
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            throw new ImapSessionEndException("Autologout; idle for too long");
        }
    }

    private Task<string?> HandleEnableAsync(EnableCommand command)
    {
        // RFC 5161 section 3.2 / RFC 9051 section 7.2.1: ENABLED lists the supported extensions that
        // are enabled, including one that already was (by an earlier ENABLE, or implicitly by a
        // CONDSTORE-enabling command, RFC 7162 section 3.1): a client that checks ENABLED must not
        // conclude CONDSTORE is off because STATUS (HIGHESTMODSEQ) turned it on first. Unknown names
        // are ignored (RFC 5161 section 3.1).
        var enabled = new List<string>();
        foreach (var capability in command.Capabilities)
        {
            var name = capability switch
            {
                "CONDSTORE" => "CONDSTORE",
                // RFC 7162 section 3.2.3: QRESYNC implies CONDSTORE.
                "QRESYNC" => "QRESYNC",
                // RFC 9051 section 5.1 and appendix E: rev2 names are UTF-8.
                "IMAP4REV2" => "IMAP4rev2",
                "UTF8=ACCEPT" => "UTF8=ACCEPT",
                _ => null,
            };
            if (name is null || enabled.Contains(name))
            {
                continue;
            }

            switch (name)
            {
                case "CONDSTORE":
                    _condStore = true;
                    break;
                case "QRESYNC":
                    _qresync = _condStore = true;
                    break;
                case "IMAP4rev2":
                    _rev2 = _utf8 = _w.Utf8 = true;
                    break;
                default:
                    _utf8 = _w.Utf8 = true;
                    break;
            }

            enabled.Add(name);
        }

        _w.Ascii("* ENABLED");
        foreach (var e in enabled)
        {
            _w.Space().Ascii(e);
        }

        _w.Crlf();
        return Task.FromResult<string?>("ENABLE completed");
    }

    private Task<string?> HandleIdAsync()
    {
        // RFC 2971: identify the server, not its version (no help to attackers).
        _w.Ascii("* ID (\"name\" \"HostedMail\" \"vendor\" \"HostedMail\")").Crlf();
        return Task.FromResult<string?>("ID completed");
    }

    private Task<string?> HandleNamespaceAsync()
    {
        // RFC 2342: one personal namespace, '/' delimited; no shared or other users' namespaces.
        _w.Ascii("* NAMESPACE ((\"\" \"/\")) NIL NIL").Crlf();
        return Task.FromResult<string?>("NAMESPACE completed");
    }

    private async Task<string?> HandleCompressAsync(CompressCommand command)
    {
        if (command.Mechanism != "DEFLATE")
        {
            throw ImapCommandException.Bad("Unknown compression mechanism");
        }

        if (_compressed)
        {
            throw ImapCommandException.No("COMPRESSIONACTIVE", "Compression already active");
        }

        _w.Ascii(command.Tag).Ascii(" OK DEFLATE active").Crlf();
        _stateUnknown = true;
        await FlushAsync();
        // RFC 4978: raw DEFLATE (RFC 1951) both ways; each flush ends with a sync flush so the peer can decode what was sent.
        var inflate = new DeflateStream(_input.AsStream(leaveOpen: true), CompressionMode.Decompress);
        var deflate = new DeflateStream(_output.AsStream(leaveOpen: true), CompressionLevel.Fastest);
        _compressed = true;
        ReplaceTransport(PipeReader.Create(inflate), PipeWriter.Create(deflate));
        return null;
    }
}
