using System.Globalization;
using HostedMail.Core.Mailboxes;
using HostedMail.Core.Messages;
using HostedMail.Pop3.Protocol;

namespace HostedMail.Pop3.Server;

internal sealed partial class Pop3Session
{
    /// <summary>RFC 1939 section 8: the maildrop is the INBOX.</summary>
    private const string MaildropFolder = "INBOX";

    private Mailbox? _mailbox;
    private Folder? _folder;
    private IAsyncDisposable? _maildropLock;
    private MessageInfo[] _messages = [];
    private bool[] _deleted = [];

    /// <summary>
    /// The UIDL of a message: UIDVALIDITY and UID, so it is the same on every node and in every
    /// session for as long as IMAP would call it the same message (RFC 1939 section 7: 1 to 70
    /// characters in 0x21-0x7E; at most 41 here).
    /// </summary>
    internal static string UniqueId(long uidValidity, long uid) => string.Create(CultureInfo.InvariantCulture, $"{uidValidity}.{uid}");

    private async Task OpenMaildropAsync(Mailbox mailbox)
    {
        var folders = _services.Folders;
        var maildropLock = await _services.MaildropLock.TryAcquireAsync(mailbox.TenantId, mailbox.MailboxId, _connection.ConnectionClosed);
        if (maildropLock is null)
        {
            Pop3Log.MaildropInUse(_logger, mailbox.MailboxId);
            // RFC 2449 section 8.1.1: the credentials were right, the maildrop is busy.
            throw new Pop3CommandException(Pop3ResponseCode.InUse, "Maildrop already locked by another session", countsAsBad: false);
        }

        try
        {
            var folder = await folders.GetFolderAsync(mailbox.TenantId, mailbox.MailboxId, MaildropFolder, _connection.ConnectionClosed)
                ?? throw new Pop3CommandException(Pop3ResponseCode.SysPerm, "The mailbox has no INBOX", countsAsBad: false);
            var messages = await folders.ListMessagesAsync(mailbox.TenantId, mailbox.MailboxId, folder.FolderId, 1, _connection.ConnectionClosed);
            _messages = [.. messages];
            _deleted = new bool[_messages.Length];
            _folder = folder;
            _mailbox = mailbox;
            _maildropLock = maildropLock;
            maildropLock = null;
        }
        finally
        {
            if (maildropLock is not null)
            {
                await maildropLock.DisposeAsync();
            }
        }

        _state = Pop3SessionState.Transaction;
        Pop3Log.LoggedIn(_logger, mailbox.TenantId, mailbox.MailboxId);
        var (count, octets) = Totals();
        Pop3Response.Ok(_output, string.Create(CultureInfo.InvariantCulture, $"Logged in, {count} messages ({octets} octets)"));
    }

    private async ValueTask ReleaseMaildropAsync()
    {
        var held = _maildropLock;
        _maildropLock = null;
        if (held is not null)
        {
            await held.DisposeAsync();
        }
    }

    private (int Count, long Octets) Totals()
    {
        var count = 0;
        long octets = 0;
        for (var i = 0; i < _messages.Length; i++)
        {
            if (!_deleted[i])
            {
                count++;
                octets += _messages[i].Size;
            }
        }

        return (count, octets);
    }

    /// <summary>The message a number names (1-based), refusing unknown and deleted ones (RFC 1939 section 5).</summary>
    private int Lookup(int number)
    {
        if (number < 1 || number > _messages.Length)
        {
            // Not a bad command: clients probe numbers, and a message can vanish between sessions.
            throw new Pop3CommandException(null, "No such message", countsAsBad: false);
        }

        if (_deleted[number - 1])
        {
            throw new Pop3CommandException(null, "Message already deleted", countsAsBad: false);
        }

        return number - 1;
    }

    private void HandleStat()
    {
        var (count, octets) = Totals();
        Pop3Response.Ok(_output, string.Create(CultureInfo.InvariantCulture, $"{count} {octets}"));
    }

    private void HandleList(Pop3Command command)
    {
        if (command.Message is { } number)
        {
            var index = Lookup(number);
            Pop3Response.Ok(_output, string.Create(CultureInfo.InvariantCulture, $"{number} {_messages[index].Size}"));
            return;
        }

        var (count, octets) = Totals();
        Pop3Response.Ok(_output, string.Create(CultureInfo.InvariantCulture, $"{count} messages ({octets} octets)"));
        for (var i = 0; i < _messages.Length; i++)
        {
            if (!_deleted[i])
            {
                Pop3Response.Line(_output, string.Create(CultureInfo.InvariantCulture, $"{i + 1} {_messages[i].Size}"));
            }
        }

        Pop3Response.End(_output);
    }

    private void HandleUidl(Pop3Command command)
    {
        var uidValidity = _folder!.UidValidity;
        if (command.Message is { } number)
        {
            var index = Lookup(number);
            Pop3Response.Ok(_output, string.Create(CultureInfo.InvariantCulture, $"{number} {UniqueId(uidValidity, _messages[index].Uid)}"));
            return;
        }

        Pop3Response.Ok(_output, "Unique-ID listing follows");
        for (var i = 0; i < _messages.Length; i++)
        {
            if (!_deleted[i])
            {
                Pop3Response.Line(_output, string.Create(CultureInfo.InvariantCulture, $"{i + 1} {UniqueId(uidValidity, _messages[i].Uid)}"));
            }
        }

        Pop3Response.End(_output);
    }

    private async Task HandleRetrAsync(Pop3Command command)
    {
        var index = Lookup(command.Message!.Value);
        var message = _messages[index];
        // TODO(pop3): IFolderStore.ReadBlobAsync returns the whole blob; a streaming read would
        // keep large messages out of memory (the writes below are already sliced and flushed).
        var blob = await _services.Folders.ReadBlobAsync(_mailbox!.TenantId, message.BlobSha256, _connection.ConnectionClosed)
            ?? throw new Pop3CommandException(null, "Message is no longer available", countsAsBad: false);

        // RFC 1939 section 7: RETR answers with the size in octets (the stored size, before
        // stuffing); TOP sends the header, the blank line and the first n body lines.
        var top = command.Verb == Pop3Verb.Top;
        Pop3Response.Ok(_output, top ? "Top of message follows" : string.Create(CultureInfo.InvariantCulture, $"{message.Size} octets"));
        var stuffer = new Pop3DotStuffer(top ? command.Lines : -1);
        var chunkSize = Math.Max(1024, _options.WriteChunkSize);
        for (var offset = 0; offset < blob.Length && !stuffer.IsStopped; offset += chunkSize)
        {
            stuffer.Write(_output, blob.AsSpan(offset, Math.Min(chunkSize, blob.Length - offset)));
            if (_output.UnflushedBytes >= chunkSize)
            {
                await FlushAsync();
            }
        }

        stuffer.Complete(_output);
    }

    private void HandleDele(Pop3Command command)
    {
        var number = command.Message!.Value;
        _deleted[Lookup(number)] = true;
        Pop3Response.Ok(_output, string.Create(CultureInfo.InvariantCulture, $"Message {number} deleted"));
    }

    private void HandleRset()
    {
        Array.Clear(_deleted);
        var (count, octets) = Totals();
        Pop3Response.Ok(_output, string.Create(CultureInfo.InvariantCulture, $"Maildrop has {count} messages ({octets} octets)"));
    }

    private async Task HandleQuitAsync()
    {
        _done = true;
        if (_state != Pop3SessionState.Transaction)
        {
            Pop3Response.Ok(_output, $"{_options.Hostname} POP3 server signing off");
            return;
        }

        // RFC 1939 section 6: QUIT in TRANSACTION enters UPDATE and removes the deleted messages.
        _state = Pop3SessionState.Update;
        var uids = new List<long>();
        for (var i = 0; i < _messages.Length; i++)
        {
            if (_deleted[i])
            {
                uids.Add(_messages[i].Uid);
            }
        }

        var left = _messages.Length - uids.Count;
        if (uids.Count > 0)
        {
            try
            {
                // Not the connection's token: the client has asked for the removal and may hang
                // up right after QUIT; the store call is one transaction either way.
                var removed = await _services.Folders.ExpungeAsync(_mailbox!.TenantId, _mailbox.MailboxId, _folder!.FolderId, uids, CancellationToken.None);
                Pop3Log.Expunged(_logger, removed.Count);
            }
            catch (Exception ex) when (ex is System.Data.Common.DbException or TimeoutException or InvalidOperationException)
            {
                Pop3Log.ExpungeFailed(_logger, ex);
                Pop3Response.Err(_output, Pop3ResponseCode.SysTemp, "Some deleted messages not removed");
                return;
            }
        }

        Pop3Response.Ok(_output, string.Create(CultureInfo.InvariantCulture, $"{_options.Hostname} POP3 server signing off ({left} messages left)"));
    }
}
