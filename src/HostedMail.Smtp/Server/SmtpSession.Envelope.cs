using HostedMail.Core.Delivery;
using HostedMail.Core.Messages;
using HostedMail.Net;
using HostedMail.Smtp.Protocol;

namespace HostedMail.Smtp.Server;

internal sealed partial class SmtpSession
{
    private async Task HandleMailAsync(SmtpCommand command)
    {
        if (_transaction is not null)
        {
            throw new SmtpReplyException(new SmtpReply(SmtpReplyCode.BadSequence, new EnhancedStatusCode(5, 5, 1), "Nested MAIL command"));
        }

        if (_role == SmtpRole.Submission && _authenticated is null)
        {
            throw new SmtpReplyException(new SmtpReply(SmtpReplyCode.AuthenticationRequired, new EnhancedStatusCode(5, 7, 0), "Authentication required"));
        }

        var parameters = command.MailParameters ?? new SmtpMailParameters();
        if (!_esmtp && (parameters != new SmtpMailParameters()))
        {
            // Parameters are ESMTP (RFC 5321 section 4.1.1.11): not after HELO.
            throw new SmtpReplyException(SmtpReplies.UnknownParameter);
        }

        if (parameters.Size is { } declared && declared > _options.MaxMessageSize)
        {
            throw new SmtpReplyException(SmtpReplies.MessageTooBig);
        }

        if (command.Path.IsUtf8 && !parameters.SmtpUtf8)
        {
            throw new SmtpReplyException(new SmtpReply(SmtpReplyCode.MailboxNameNotAllowed, EnhancedStatusCode.NonAsciiAddressNotPermitted, "Non-ASCII address requires the SMTPUTF8 parameter"));
        }

        if (parameters.RequireTls && !_connection.Info.IsTls)
        {
            throw new SmtpReplyException(new SmtpReply(SmtpReplyCode.AuthenticationRequired, EnhancedStatusCode.EncryptionNeeded, "REQUIRETLS needs a TLS session"));
        }

        if (_role == SmtpRole.Submission)
        {
            // RFC 6409 section 6.1: the submission server decides who may use which envelope sender.
            if (command.Path.Kind != SmtpPathKind.Mailbox
                || !await _services.Senders.MaySendAsAsync(_authenticated!, command.Path.Address, _connection.ConnectionClosed))
            {
                throw new SmtpReplyException(new SmtpReply(SmtpReplyCode.MailboxNameNotAllowed, EnhancedStatusCode.NotAuthorized, $"Sender address {command.Path} is not yours to use"));
            }

            // RFC 3463 section 3.8: 4.7.1, a policy refusal that passes once the reason is gone (an overdue payment is paid).
            foreach (var policy in _services.SubmissionPolicies)
            {
                if (await policy.RefusalAsync(_authenticated!.TenantId, _connection.ConnectionClosed) is { } refusal)
                {
                    throw new SmtpReplyException(new SmtpReply(SmtpReplyCode.LocalError, new EnhancedStatusCode(4, 7, 1), refusal));
                }
            }
        }

        _transaction = new SmtpTransaction(ShortId.New(12), command.Path, parameters);
        _state = SmtpSessionState.InTransaction;
        Write(new SmtpReply(SmtpReplyCode.Ok, EnhancedStatusCode.SenderOk, "Sender OK"));
    }

    private async Task HandleRcptAsync(SmtpCommand command)
    {
        var transaction = _transaction!; // the command table admits RCPT only in a transaction
        if (transaction.Bdat is not null)
        {
            throw new SmtpReplyException(new SmtpReply(SmtpReplyCode.BadSequence, new EnhancedStatusCode(5, 5, 1), "RCPT not allowed during BDAT"));
        }

        if (transaction.Recipients.Count >= _options.MaxRecipients)
        {
            // RFC 5321 section 4.5.3.1.10: 452 so the client sends the rest in another transaction.
            throw new SmtpReplyException(new SmtpReply(SmtpReplyCode.InsufficientStorage, EnhancedStatusCode.TooManyRecipients, "Too many recipients"));
        }

        if (command.Path.IsUtf8 && !transaction.Parameters.SmtpUtf8)
        {
            throw new SmtpReplyException(new SmtpReply(SmtpReplyCode.MailboxNameNotAllowed, EnhancedStatusCode.NonAsciiAddressNotPermitted, "Non-ASCII address requires SMTPUTF8"));
        }

        var address = command.Path.Kind == SmtpPathKind.Postmaster
            ? _options.PostmasterAddress ?? throw new SmtpReplyException(Refuse(RecipientProblem.UnknownMailbox))
            : command.Path.Address;

        if (_role == SmtpRole.Mx && await ResolveSrsAsync(address) is { } bounceBack)
        {
            transaction.Recipients.Add(new AcceptedRecipient(address, bounceBack, null));
            Write(new SmtpReply(SmtpReplyCode.Ok, EnhancedStatusCode.DestinationOk, "Recipient OK"));
            return;
        }

        // Quoted local parts with '@', '%' or '!' and address literals are relay attempts in
        // disguise; they are looked up as written, match nothing hosted here, and are refused.
        var relayDisguise = command.Path.IsAddressLiteral
            || (command.Path.IsQuotedLocalPart && command.Path.LocalPart!.AsSpan().IndexOfAny("@%!") >= 0);
        var resolution = relayDisguise
            ? RecipientResolution.Rejected(_role == SmtpRole.Mx ? RecipientProblem.NotHostedHere : RecipientProblem.InvalidAddress)
            : await _services.Recipients.ResolveAsync(address, _connection.ConnectionClosed);

        var parameters = command.RcptParameters;
        var notify = parameters is null || parameters.Notify == SmtpDsnNotify.NotSpecified ? null : parameters.Notify.ToString().ToUpperInvariant().Replace(" ", string.Empty, StringComparison.Ordinal);
        var orcpt = parameters?.OriginalRecipient is { } o ? $"{parameters.OriginalRecipientType};{o}" : null;
        if (resolution.Problem is null)
        {
            CheckQuota(resolution, transaction.Parameters.Size);
            transaction.Recipients.Add(new AcceptedRecipient(address, resolution, null));
        }
        else if (_role == SmtpRole.Submission && resolution.Problem == RecipientProblem.NotHostedHere)
        {
            transaction.Recipients.Add(new AcceptedRecipient(address, null, new OutboundRecipient(address, notify, orcpt)));
        }
        else
        {
            throw new SmtpReplyException(Refuse(resolution.Problem.Value));
        }

        Write(new SmtpReply(SmtpReplyCode.Ok, EnhancedStatusCode.DestinationOk, "Recipient OK"));
    }

    /// <summary>
    /// A reply (usually a bounce) to a sender we rewrote with SRS when forwarding: routed back to
    /// the original sender through the queue, for the tenant that owns the SRS domain.
    /// </summary>
    private async Task<RecipientResolution?> ResolveSrsAsync(string address)
    {
        if (_services.Srs.Reverse(address) is not { } original)
        {
            return null;
        }

        var owner = await _services.Domains.FindVerifiedAsync(address[(address.LastIndexOf('@') + 1)..].ToLowerInvariant(), _connection.ConnectionClosed);
        return owner is null ? null : new RecipientResolution(null, owner.TenantId, [], [original]);
    }

    /// <summary>Over quota: 552 5.2.2 when the message can never fit, 452 4.2.2 while the mailbox is full (RFC 3463 section 3.3).</summary>
    private static void CheckQuota(RecipientResolution resolution, long? declaredSize)
    {
        foreach (var mailbox in resolution.Mailboxes)
        {
            if (declaredSize is { } size && size > mailbox.QuotaBytes)
            {
                throw new SmtpReplyException(new SmtpReply(SmtpReplyCode.ExceededStorageAllocation, EnhancedStatusCode.MailboxFull, "Message is larger than the mailbox's quota"));
            }

            if (mailbox.UsedBytes + (declaredSize ?? 0) >= mailbox.QuotaBytes)
            {
                throw new SmtpReplyException(new SmtpReply(SmtpReplyCode.InsufficientStorage, EnhancedStatusCode.MailboxFull.WithClass(4), "Mailbox is full, try again later"));
            }
        }
    }

    private static SmtpReply Refuse(RecipientProblem problem) => problem switch
    {
        RecipientProblem.NotHostedHere => new SmtpReply(SmtpReplyCode.MailboxUnavailable, EnhancedStatusCode.NotAuthorized, "Relay access denied"),
        RecipientProblem.TenantSuspended => new SmtpReply(SmtpReplyCode.MailboxBusy, new EnhancedStatusCode(4, 2, 1), "Mailbox temporarily unavailable, try again later"),
        RecipientProblem.MailboxDisabled => new SmtpReply(SmtpReplyCode.MailboxUnavailable, new EnhancedStatusCode(5, 2, 1), "Mailbox disabled, not accepting messages"),
        RecipientProblem.AliasLoop => new SmtpReply(SmtpReplyCode.MailboxUnavailable, new EnhancedStatusCode(5, 4, 6), "Routing loop detected"),
        RecipientProblem.InvalidAddress => SmtpReplies.BadRecipientSyntax,
        _ => new SmtpReply(SmtpReplyCode.MailboxUnavailable, EnhancedStatusCode.BadDestinationMailbox, "No such user here"),
    };
}
