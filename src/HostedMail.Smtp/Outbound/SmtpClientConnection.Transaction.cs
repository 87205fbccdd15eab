using System.Text;
using HostedMail.Smtp.Protocol;

namespace HostedMail.Smtp.Outbound;

/// <summary>The envelope of one outgoing transaction (RFC 5321 section 3.3) with the extension parameters it may carry.</summary>
internal sealed record ClientEnvelope(
    string From,
    IReadOnlyList<ClientRecipient> Recipients,
    bool EightBit,
    bool SmtpUtf8,
    string? Ret,
    string? EnvId,
    bool RequireTls);

/// <summary>One RCPT with its DSN parameters (RFC 3461 section 4).</summary>
internal sealed record ClientRecipient(string Address, string? Notify, string? OriginalRecipient);

internal sealed partial class SmtpClientConnection
{
    private static readonly SmtpReply NoRecipientAccepted = new(SmtpReplyCode.TransactionFailed, default, "no recipient accepted");

    /// <summary>
    /// Runs one mail transaction and returns the final reply for each recipient, in order: the
    /// RCPT refusal, or the reply after the data for those accepted. A refused MAIL answers for all.
    /// </summary>
    public async Task<SmtpReply[]> SendAsync(ClientEnvelope envelope, ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        var results = new SmtpReply[envelope.Recipients.Count];
        var commands = new List<string> { MailCommand(envelope, message.Length) };
        commands.AddRange(envelope.Recipients.Select(RcptCommand));
        var useBdat = Extensions.Chunking;

        SmtpReply mail;
        SmtpReply? data = null;
        if (Extensions.Pipelining)
        {
            // RFC 2920 section 3.1: MAIL, the RCPTs and DATA go as one group; replies come in order.
            var group = new StringBuilder();
            foreach (var command in commands)
            {
                group.Append(command).Append("\r\n");
            }

            if (!useBdat)
            {
                group.Append("DATA\r\n");
            }

            await WriteAsync(Encoding.UTF8.GetBytes(group.ToString()), cancellationToken);
            mail = await ReadReplyAsync(CommandTimeout, cancellationToken);
            for (var i = 0; i < results.Length; i++)
            {
                results[i] = await ReadReplyAsync(CommandTimeout, cancellationToken);
            }

            if (!useBdat)
            {
                data = await ReadReplyAsync(CommandTimeout, cancellationToken);
            }
        }
        else
        {
            mail = await CommandAsync(commands[0], CommandTimeout, cancellationToken);
            if (mail.Code == SmtpReplyCode.Ok)
            {
                for (var i = 0; i < results.Length; i++)
                {
                    results[i] = await CommandAsync(commands[i + 1], CommandTimeout, cancellationToken);
                }
            }
        }

        if (mail.Code != SmtpReplyCode.Ok)
        {
            Array.Fill(results, mail);
            await AbortAsync(data, cancellationToken);
            return results;
        }

        var accepted = Enumerable.Range(0, results.Length).Where(i => results[i].Code is SmtpReplyCode.Ok or SmtpReplyCode.UserNotLocalWillForward).ToList();
        if (accepted.Count == 0)
        {
            await AbortAsync(data, cancellationToken);
            return results;
        }

        SmtpReply final;
        if (useBdat)
        {
            // RFC 3030 section 2: one chunk, marked LAST; the bytes go unchanged (no dot-stuffing).
            await WriteAsync(Encoding.ASCII.GetBytes($"BDAT {message.Length} LAST\r\n"), cancellationToken);
            await WriteAsync(message, cancellationToken);
            final = await ReadReplyAsync(DataTimeout, cancellationToken);
        }
        else
        {
            data ??= await CommandAsync("DATA", CommandTimeout, cancellationToken);
            if (data.Code != SmtpReplyCode.StartMailInput)
            {
                final = data;
            }
            else
            {
                await WriteDotStuffedAsync(message, cancellationToken);
                final = await ReadReplyAsync(DataTimeout, cancellationToken);
            }
        }

        foreach (var i in accepted)
        {
            results[i] = final;
        }

        return results;
    }

    /// <summary>Ends a transaction that will carry no data: a pipelined DATA that got 354 still needs its end mark.</summary>
    private async Task AbortAsync(SmtpReply? data, CancellationToken cancellationToken)
    {
        if (data?.Code == SmtpReplyCode.StartMailInput)
        {
            // RFC 2920 section 3.1: with no valid recipient the client ends the data at once.
            await WriteAsync(".\r\n"u8.ToArray(), cancellationToken);
            await ReadReplyAsync(DataTimeout, cancellationToken);
        }

        await CommandAsync("RSET", CommandTimeout, cancellationToken);
    }

    private string MailCommand(ClientEnvelope envelope, int size)
    {
        var command = new StringBuilder("MAIL FROM:<").Append(envelope.From).Append('>');
        if (Extensions.Size is not null)
        {
            command.Append(" SIZE=").Append(size);
        }

        if (envelope.EightBit && Extensions.EightBitMime)
        {
            command.Append(" BODY=8BITMIME");
        }

        if (envelope.SmtpUtf8 && Extensions.SmtpUtf8)
        {
            command.Append(" SMTPUTF8");
        }

        if (Extensions.Dsn)
        {
            if (envelope.Ret is not null)
            {
                command.Append(" RET=").Append(envelope.Ret);
            }

            if (envelope.EnvId is not null)
            {
                command.Append(" ENVID=").Append(XText(envelope.EnvId));
            }
        }

        if (envelope.RequireTls)
        {
            command.Append(" REQUIRETLS");
        }

        return command.ToString();
    }

    private string RcptCommand(ClientRecipient recipient)
    {
        var command = new StringBuilder("RCPT TO:<").Append(recipient.Address).Append('>');
        if (Extensions.Dsn)
        {
            if (recipient.Notify is not null)
            {
                command.Append(" NOTIFY=").Append(recipient.Notify);
            }

            // RFC 3461 section 4.2: ORCPT=addr-type;xtext. UTF-8 originals (RFC 6533) are not passed on.
            if (recipient.OriginalRecipient is { } orcpt && orcpt.IndexOf(';', StringComparison.Ordinal) is > 0 and var semi && Ascii.IsValid(orcpt))
            {
                command.Append(" ORCPT=").Append(orcpt[..semi]).Append(';').Append(XText(orcpt[(semi + 1)..]));
            }
        }

        return command.ToString();
    }

    /// <summary>RFC 3461 section 4: xtext, every char outside "!".."~" and '+', '=' as +XX.</summary>
    internal static string XText(string value)
    {
        var sb = new StringBuilder(value.Length);
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            if (b is < 33 or > 126 or (byte)'+' or (byte)'=')
            {
                sb.Append('+').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
            else
            {
                sb.Append((char)b);
            }
        }

        return sb.ToString();
    }

    /// <summary>Writes the message with dot-stuffing and the end mark (RFC 5321 section 4.5.2), in large writes.</summary>
    private async Task WriteDotStuffedAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        var output = new MemoryStream(Math.Min(message.Length + 1024, WriteBufferSize + 1024));
        var position = 0;
        if (message.Length > 0 && message.Span[0] == (byte)'.')
        {
            output.WriteByte((byte)'.');
        }

        while (position < message.Length)
        {
            var next = message.Span[position..].IndexOf("\n."u8);
            var end = next < 0 ? message.Length : position + next + 1;
            output.Write(message.Span[position..end]);
            if (next >= 0)
            {
                output.WriteByte((byte)'.');
            }

            position = end;
            if (output.Length >= WriteBufferSize)
            {
                await WriteAsync(output.GetBuffer().AsMemory(0, (int)output.Length), cancellationToken);
                output.SetLength(0);
            }
        }

        if (!message.Span.EndsWith("\r\n"u8))
        {
            output.Write("\r\n"u8);
        }

        output.Write(".\r\n"u8);
        await WriteAsync(output.GetBuffer().AsMemory(0, (int)output.Length), cancellationToken);
    }
}
