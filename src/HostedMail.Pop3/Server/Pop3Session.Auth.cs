using System.Buffers;
using HostedMail.Core.Mailboxes;
using HostedMail.Core.Security;
using HostedMail.Net;
using HostedMail.Pop3.Protocol;

namespace HostedMail.Pop3.Server;

internal sealed partial class Pop3Session
{
    private const string PlaintextRefused = "Plaintext authentication disallowed on non-secure connections, use STLS first";

    /// <summary>RFC 8314 section 3 / RFC 2595 section 2.1: passwords only over TLS, unless configured otherwise.</summary>
    private bool AuthenticationAllowed => _connection.Info.IsTls || _options.AllowPlaintextAuthentication;

    private async Task HandleStlsAsync()
    {
        if (_connection.Info.IsTls)
        {
            throw new Pop3CommandException(null, "Already in TLS");
        }

        if (!_connection.CanStartTls)
        {
            throw new Pop3CommandException(Pop3ResponseCode.SysTemp, "TLS not available");
        }

        // Flush earlier pipelined responses first; the +OK goes out through StartTlsAsync, after
        // the buffered plaintext is discarded, so the client's TLS hello is never thrown away.
        await FlushAsync();
        long discarded;
        try
        {
            discarded = await _connection.StartTlsAsync("+OK Begin TLS negotiation\r\n"u8.ToArray(), _connection.ConnectionClosed);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A failed handshake leaves nothing to talk to.
            Pop3Log.StlsFailed(_logger, ex.Message);
            throw new ConnectionClosedException();
        }

        if (discarded > 0)
        {
            Pop3Log.DiscardedAfterStls(_logger, discarded);
        }

        // RFC 2595 section 4: the client must discard what it knew, and so do we.
        _input = _connection.Input;
        _output = _connection.Output;
        _user = null;
    }

    private void HandleUser(Pop3Command command)
    {
        if (!AuthenticationAllowed)
        {
            throw new Pop3CommandException(null, PlaintextRefused);
        }

        // RFC 1939 section 7 lets USER fail for unknown names; we never say, so names cannot be probed.
        _user = command.Text;
        Pop3Response.Ok(_output, "Send PASS");
    }

    private async Task HandlePassAsync(Pop3Command command)
    {
        if (!AuthenticationAllowed)
        {
            throw new Pop3CommandException(null, PlaintextRefused);
        }

        var user = _user ?? throw new Pop3CommandException(null, "Send USER first");
        // RFC 1939 section 7: after a failed PASS the client starts again with USER.
        _user = null;
        await LoginAsync(new SaslCredentials(user, command.Text!, null));
    }

    private async Task HandleAuthAsync(Pop3Command command)
    {
        if (!AuthenticationAllowed)
        {
            throw new Pop3CommandException(null, PlaintextRefused);
        }

        if (command.Text is null)
        {
            // AUTH without a mechanism lists them (RFC 1734's habit, still probed by clients).
            Pop3Response.Ok(_output, "Supported SASL mechanisms follow");
            foreach (var name in _services.Authenticator.MechanismNames(_connection.Info))
            {
                Pop3Response.Line(_output, name);
            }

            Pop3Response.End(_output);
            return;
        }

        if (!_services.Authenticator.TryCreateMechanism(command.Text, _connection.Info, out var mechanism))
        {
            throw new Pop3CommandException(null, "Unsupported authentication mechanism");
        }

        _user = null;
        var exchange = new SaslServerExchange(mechanism);
        var step = exchange.Begin(command.InitialResponse);
        while (step.Kind == SaslStepKind.Challenge)
        {
            // RFC 5034 section 4: "+ " and the base64 challenge (empty for PLAIN without an initial response).
            Pop3Response.Challenge(_output, step.ChallengeBase64);
            await FlushAsync();
            var line = await ReadAuthLineAsync() ?? throw new ConnectionClosedException();
            step = exchange.Respond(line);
        }

        switch (step.Kind)
        {
            case SaslStepKind.Cancelled:
                throw new Pop3CommandException(null, "Authentication cancelled");
            case SaslStepKind.Malformed:
                throw new Pop3CommandException(null, "Malformed authentication response");
        }

        await LoginAsync(step.Credentials!);
    }

    private async Task LoginAsync(SaslCredentials credentials)
    {
        var result = await _services.Authenticator.AuthenticateAsync(credentials, _connection.Info, _connection.ConnectionClosed);
        switch (result.Status)
        {
            case AuthStatus.Succeeded when result.Principal is Mailbox mailbox:
                await OpenMaildropAsync(mailbox);
                return;
            case AuthStatus.LockedOut:
                throw new Pop3CommandException(Pop3ResponseCode.SysTemp, "Too many failed logins, try again later");
            case AuthStatus.TemporaryFailure:
                throw new Pop3CommandException(Pop3ResponseCode.SysTemp, "Temporary authentication failure, try again later", countsAsBad: false);
            default:
                if (result.SaslErrorChallenge is { } error)
                {
                    // RFC 7628 section 3.2.3: the JSON error as a challenge, the client's dummy response, then -ERR.
                    Pop3Response.Challenge(_output, Convert.ToBase64String(error));
                    await FlushAsync();
                    _ = await ReadAuthLineAsync() ?? throw new ConnectionClosedException();
                }

                // RFC 3206 section 5: [AUTH] tells the client to ask the user for a new password.
                throw new Pop3CommandException(Pop3ResponseCode.Auth, "Authentication failed");
        }
    }

    /// <summary>One SASL response line after "+ "; null when the client has gone.</summary>
    private async Task<byte[]?> ReadAuthLineAsync()
    {
        using var timeout = new CancellationTokenSource(_options.IdleTimeout, _connection.TimeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, _connection.CloseRequested);
        while (true)
        {
            var result = await _input.ReadAsync(linked.Token);
            var reader = new SequenceReader<byte>(result.Buffer);
            var status = Pop3CommandParser.TryReadLine(ref reader, _options.MaxAuthLineLength, out var line);
            if (status == Pop3ParseStatus.Complete)
            {
                var bytes = line.ToArray();
                _input.AdvanceTo(reader.Position);
                return bytes;
            }

            _input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
            if (status == Pop3ParseStatus.LineTooLong)
            {
                throw new SessionEndException(null, "Line too long, closing connection");
            }

            if (result.IsCompleted || result.IsCanceled)
            {
                return null;
            }
            _connection.AcknowledgeReceived();
        }
    }
}
