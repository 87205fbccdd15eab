using System.IO.Pipelines;
using HostedMail.Core;
using HostedMail.Smtp.Protocol;
using Microsoft.Extensions.Logging;

namespace HostedMail.Smtp.Server;

internal sealed partial class SmtpSession
{
    private async Task HandleDataAsync()
    {
        var transaction = RequireRecipients();
        if (transaction.Bdat is not null || transaction.Parameters.Body == SmtpBodyType.BinaryMime)
        {
            // RFC 3030 section 3: BINARYMIME content and an open BDAT sequence need BDAT.
            throw new SmtpReplyException(new SmtpReply(SmtpReplyCode.BadSequence, new EnhancedStatusCode(5, 5, 1), "Use BDAT for this message"));
        }

        Write(SmtpReplies.StartMailInput);
        await FlushAsync();
        var decoder = new SmtpDataDecoder(_options.MaxMessageSize);
        using var body = new MemoryStream();
        var writer = PipeWriter.Create(body, new StreamPipeWriterOptions(leaveOpen: true));
        using var timeout = new CancellationTokenSource(_options.DataTimeout, _connection.TimeProvider);
        _readingPastCommandLine = true;
        var read = await SmtpBodyReader.ReadDataAsync(_input, decoder, writer, timeout.Token, _acknowledgeReceived);
        _readingPastCommandLine = false;
        await writer.CompleteAsync();
        if (read == SmtpBodyReadResult.ConnectionClosed)
        {
            // Nothing half-stored: the message is dropped with the connection.
            throw new ConnectionClosedException();
        }

        if (decoder.Rejection is { } rejection)
        {
            ResetTransaction();
            throw new SmtpReplyException(rejection);
        }

        await FinishMessageAsync(transaction, body);
    }

    private async Task HandleBdatAsync(SmtpCommand command)
    {
        var transaction = RequireRecipients();
        if (transaction.Bdat is null)
        {
            transaction.Bdat = new SmtpBdatDecoder(_options.MaxMessageSize, checkLineEndings: transaction.Parameters.Body != SmtpBodyType.BinaryMime);
            transaction.BdatBody = new MemoryStream();
        }

        transaction.Bdat.BeginChunk(command.ChunkSize, command.IsLastChunk);
        var writer = PipeWriter.Create(transaction.BdatBody!, new StreamPipeWriterOptions(leaveOpen: true));
        using var timeout = new CancellationTokenSource(_options.DataTimeout, _connection.TimeProvider);
        _readingPastCommandLine = true;
        var read = await SmtpBodyReader.ReadChunkAsync(_input, transaction.Bdat, writer, timeout.Token, _acknowledgeReceived);
        _readingPastCommandLine = false;
        await writer.CompleteAsync();
        if (read == SmtpBodyReadResult.ConnectionClosed)
        {
            throw new ConnectionClosedException();
        }

        if (!command.IsLastChunk)
        {
            // RFC 3030 section 2: each chunk is acknowledged; a rejection is reported at LAST,
            // because the client may already have pipelined more chunks.
            Write(new SmtpReply(SmtpReplyCode.Ok, EnhancedStatusCode.Success, $"{command.ChunkSize} octets received"));
            return;
        }

        if (transaction.Bdat.Rejection is { } rejection)
        {
            ResetTransaction();
            throw new SmtpReplyException(rejection);
        }

        await FinishMessageAsync(transaction, transaction.BdatBody!);
    }

    private SmtpTransaction RequireRecipients()
    {
        var transaction = _transaction!; // the command table admits DATA and BDAT only in a transaction
        if (transaction.Recipients.Count == 0)
        {
            // RFC 5321 section 3.3: DATA without a valid recipient gets 554 (503 is also allowed).
            throw new SmtpReplyException(new SmtpReply(SmtpReplyCode.TransactionFailed, new EnhancedStatusCode(5, 5, 1), "No valid recipients"));
        }

        return transaction;
    }

    private async Task FinishMessageAsync(SmtpTransaction transaction, MemoryStream body)
    {
        var message = new ReadOnlyMemory<byte>(body.GetBuffer(), 0, (int)body.Length);
        var context = new ReceivedMessage(transaction, message, _helo!, _esmtp, _connection.Info, _authenticated);
        SmtpReply reply;
        try
        {
            reply = _role == SmtpRole.Mx
                ? await _services.Inbound.AcceptAsync(context, _connection.ConnectionClosed)
                : await _services.Submission.AcceptAsync(context, _connection.ConnectionClosed);
        }
        catch (SmtpReplyException ex)
        {
            reply = ex.Reply;
        }
        catch (HostedMailException ex)
        {
            // A mailbox vanished between RCPT and the commit: the client retries later.
            _logger.LogInformation("Transaction {Id} not stored: {Reason}", transaction.Id, ex.Message);
            reply = new SmtpReply(SmtpReplyCode.LocalError, EnhancedStatusCode.MailSystemError, "Local error in processing, try again later");
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or TimeoutException)
        {
            _logger.LogError(ex, "Transaction {Id} not stored", transaction.Id);
            reply = new SmtpReply(SmtpReplyCode.LocalError, EnhancedStatusCode.MailSystemError, "Local error in processing, try again later");
        }

        ResetTransaction();
        SmtpMetrics.MessageAnswered(_role == SmtpRole.Submission, reply.Code);
        Write(reply);
    }
}
