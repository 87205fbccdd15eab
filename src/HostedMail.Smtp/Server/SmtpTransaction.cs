using HostedMail.Core.Delivery;
using HostedMail.Core.Messages;
using HostedMail.Smtp.Protocol;

namespace HostedMail.Smtp.Server;

/// <summary>The envelope of one mail transaction, from MAIL FROM to the end of DATA or RSET.</summary>
internal sealed class SmtpTransaction(string id, SmtpPath sender, SmtpMailParameters parameters)
{
    /// <summary>Identifies the transaction in logs, the Received header and the 250 reply.</summary>
    public string Id { get; } = id;

    public SmtpPath Sender { get; } = sender;

    public SmtpMailParameters Parameters { get; } = parameters;

    public List<AcceptedRecipient> Recipients { get; } = [];

    /// <summary>Set while BDAT chunks are arriving.</summary>
    public SmtpBdatDecoder? Bdat { get; set; }

    /// <summary>The BDAT body so far.</summary>
    public MemoryStream? BdatBody { get; set; }
}

/// <summary>A recipient accepted at RCPT: local mailboxes and forwards, or a remote address (submission).</summary>
internal sealed record AcceptedRecipient(string Address, RecipientResolution? Local, OutboundRecipient? Remote);
