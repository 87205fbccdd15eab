using System.Buffers;
using HostedMail.Core.Mailboxes;
using HostedMail.Core.Security;
using HostedMail.Net;
using HostedMail.Smtp.Protocol;
using Microsoft.Extensions.Logging;

namespace HostedMail.Smtp.Server;

internal sealed partial class SmtpSession
{
    private static readonly ReadOnlyMemory<byte> ReadyToStartTls = SmtpReplies.ReadyToStartTls.Encoded.ToArray();

    private async Task HandleStartTlsAsync()
    {
        if (_connection.Info.IsTls)
        {
            throw new SmtpReplyException(new SmtpReply(SmtpReplyCode.BadSequence, new EnhancedStatusCode(5, 5, 1), "Already in TLS"));
        }

        if (!_connection.CanStartTls)
        {
            throw new SmtpReplyException(new SmtpReply(SmtpReplyCode.ServiceNotAvailable, new EnhancedStatusCode(4, 7, 0), "TLS not available"));
        }

        long discarded;
        try
        {
            discarded = await _connection.StartTlsAsync(ReadyToStartTls, _connection.ConnectionClosed);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A failed handshake leaves nothing to talk to.
            _logger.LogInformation("STARTTLS handshake failed: {Reason}", ex.Message);
            throw new ConnectionClosedException();
        }

        if (discarded > 0)
        {
            _logger.LogWarning("Discarded {Bytes} plaintext bytes pipelined after STARTTLS", discarded);
        }

        // RFC 3207 section 4.2: forget everything learnt before TLS, the client must EHLO again.
        _input = _connection.Input;
        _output = _connection.Output;
        ResetTransaction();
        _state = SmtpSessionState.Connected;
        _helo = null;
        _esmtp = false;
        _authenticated = null;
    }

    private async Task HandleAuthAsync(SmtpCommand command)
    {
        if (_role != SmtpRole.Submission || !_esmtp)
        {
            throw new SmtpReplyException(new SmtpReply(SmtpReplyCode.CommandNotImplemented, new EnhancedStatusCode(5, 5, 1), "AUTH not available here"));
        }

        if (_authenticated is not null)
        {
            throw new SmtpReplyException(new SmtpReply(SmtpReplyCode.BadSequence, new EnhancedStatusCode(5, 5, 1), "Already authenticated"));
        }

        if (_transaction is not null)
        {
            throw new SmtpReplyException(new SmtpReply(SmtpReplyCode.BadSequence, new EnhancedStatusCode(5, 5, 1), "AUTH not allowed during a mail transaction"));
        }

        if (!_connection.Info.IsTls)
        {
            // RFC 8314 / RFC 4954 section 4: no passwords over plaintext.
            throw new SmtpReplyException(new SmtpReply(SmtpReplyCode.AuthenticationRequired, new EnhancedStatusCode(5, 7, 0), "Must issue a STARTTLS command first"));
        }

        if (!_services.Authenticator.TryCreateMechanism(command.Argument ?? string.Empty, _connection.Info, out var mechanism))
        {
            throw new SmtpReplyException(new SmtpReply(SmtpReplyCode.ParameterNotImplemented, new EnhancedStatusCode(5, 5, 4), "Unrecognized authentication type"));
        }

        var exchange = new SaslServerExchange(mechanism);
        var step = exchange.Begin(command.InitialResponse);
        while (step.Kind == SaslStepKind.Challenge)
        {
            Write(new SmtpReply(SmtpReplyCode.AuthenticationChallenge, step.ChallengeBase64));
            await FlushAsync();
            var line = await ReadAuthLineAsync();
            if (line is null)
            {
                throw new ConnectionClosedException();
            }

            step = exchange.Respond(line);
        }

        switch (step.Kind)
        {
            case SaslStepKind.Cancelled:
                throw new SmtpReplyException(new SmtpReply(SmtpReplyCode.ParameterSyntaxError, new EnhancedStatusCode(5, 0, 0), "Authentication cancelled"));
            case SaslStepKind.Malformed:
                throw new SmtpReplyException(new SmtpReply(SmtpReplyCode.ParameterSyntaxError, new EnhancedStatusCode(5, 5, 2), "Malformed authentication response"));
        }

        var result = await _services.Authenticator.AuthenticateAsync(step.Credentials!, _connection.Info, _connection.ConnectionClosed);
        switch (result.Status)
        {
            case AuthStatus.Succeeded when result.Principal is Mailbox mailbox:
                _authenticated = mailbox;
                Write(new SmtpReply(SmtpReplyCode.AuthenticationSucceeded, EnhancedStatusCode.AuthenticationSucceeded, "Authentication successful"));
                break;
            case AuthStatus.LockedOut:
            case AuthStatus.TemporaryFailure:
                throw new SmtpReplyException(new SmtpReply(SmtpReplyCode.TemporaryAuthenticationFailure, EnhancedStatusCode.TemporaryAuthenticationFailure, "Temporary authentication failure, try again later"));
            default:
                if (result.SaslErrorChallenge is { } error)
                {
                    // RFC 7628 section 3.2.3: the JSON error as a 334 challenge, the client's dummy
                    // response (0x01), then the final 535.
                    Write(new SmtpReply(SmtpReplyCode.AuthenticationChallenge, Convert.ToBase64String(error)));
                    await FlushAsync();
                    if (await ReadAuthLineAsync() is null)
                    {
                        throw new ConnectionClosedException();
                    }
                }

                throw new SmtpReplyException(new SmtpReply(SmtpReplyCode.AuthenticationFailed, EnhancedStatusCode.AuthenticationCredentialsInvalid, "Authentication credentials invalid"));
        }
    }

    /// <summary>One SASL response line after a 334 (RFC 4954 section 4).</summary>
    private async Task<byte[]?> ReadAuthLineAsync()
    {
        using var timeout = new CancellationTokenSource(_options.CommandTimeout, _connection.TimeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, _connection.CloseRequested);
        while (true)
        {
            var result = await _input.ReadAsync(linked.Token);
            var reader = new SequenceReader<byte>(result.Buffer);
            var status = SmtpCommandParser.TryReadLine(ref reader, _options.Limits.MaxAuthLineLength, out var line);
            if (status == SmtpParseStatus.Complete)
            {
                var bytes = line.ToArray();
                _input.AdvanceTo(reader.Position);
                return bytes;
            }

            if (status != SmtpParseStatus.Incomplete)
            {
                _input.AdvanceTo(reader.Position, result.Buffer.End);
                throw new SmtpReplyException(SmtpReplies.LineTooLong, closeConnection: true);
            }

            _input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
            if (result.IsCompleted)
            {
                return null;
            }
            _connection.AcknowledgeReceived();
        }
    }
}
