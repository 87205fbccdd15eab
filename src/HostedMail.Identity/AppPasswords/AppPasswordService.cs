using HostedMail.Core;
using HostedMail.Core.Accounts;
using HostedMail.Core.AppPasswords;
using HostedMail.Core.Audit;
using HostedMail.Core.Mailboxes;
using HostedMail.Identity.Tokens;

namespace HostedMail.Identity.AppPasswords;

/// <summary>
/// Creates app passwords: 20 random base32 characters (100 bits), shown once in groups of four.
/// Being random, they are stored as SHA-256 and found with one index lookup at login (no per-row
/// slow hash, so a mailbox with many app passwords logs in as fast as one with none).
/// </summary>
public sealed class AppPasswordService(IAppPasswordStore store, TimeProvider timeProvider, ICredentialRevocationNotifier? revocations = null)
{
    public const int Length = 20;
    public const int MaximumPerMailbox = 50;

    public async Task<(AppPassword AppPassword, string Password)> CreateAsync(Mailbox mailbox, string name, Actor actor, CancellationToken cancellationToken = default)
    {
        var cleanName = (name ?? string.Empty).Trim();
        if (cleanName.Length is 0 or > 100 || cleanName.Any(char.IsControl))
        {
            throw new FieldValidationException(new Dictionary<string, string> { ["name"] = "name must be 1 to 100 printable characters" });
        }

        if ((await store.ListAsync(mailbox.TenantId, mailbox.MailboxId, cancellationToken)).Count >= MaximumPerMailbox)
        {
            throw HostedMailException.Invalid($"a mailbox may have at most {MaximumPerMailbox} app passwords; revoke unused ones");
        }

        var raw = SecretTokens.New(13)[..Length];
        var shown = string.Join('-', Enumerable.Range(0, Length / 4).Select(i => raw.Substring(i * 4, 4)));
        var created = await store.CreateAsync(mailbox.TenantId, mailbox.MailboxId, cleanName, SecretTokens.Hash(raw), timeProvider.GetUtcNow(),
            new AuditEntry(mailbox.TenantId, actor, "app-password.create", mailbox.Address, new Dictionary<string, string> { ["name"] = cleanName }), cancellationToken);
        return (created, shown);
    }

    public Task<IReadOnlyList<AppPassword>> ListAsync(Mailbox mailbox, CancellationToken cancellationToken = default) => store.ListAsync(mailbox.TenantId, mailbox.MailboxId, cancellationToken);

    /// <summary>Deletes the app password (its credential stamp moves in the same transaction) and ends the mailbox's open sessions on every node.</summary>
    public async Task<bool> DeleteAsync(Mailbox mailbox, long appPasswordId, Actor actor, CancellationToken cancellationToken = default)
    {
        var deleted = await store.DeleteAsync(mailbox.TenantId, mailbox.MailboxId, appPasswordId,
            new AuditEntry(mailbox.TenantId, actor, "app-password.revoke", mailbox.Address, new Dictionary<string, string> { ["id"] = appPasswordId.ToString(System.Globalization.CultureInfo.InvariantCulture) }), cancellationToken);
        if (deleted && revocations is not null)
        {
            await revocations.MailboxRevokedAsync(mailbox.TenantId, mailbox.MailboxId, cancellationToken);
        }

        return deleted;
    }

    /// <summary>
    /// The stored hash of what a client typed, if it has the shape of an app password (spaces and
    /// dashes ignored, any case: people copy it by hand); null otherwise, so a normal password is
    /// never looked up.
    /// </summary>
    public static byte[]? HashCandidate(string password)
    {
        if (password is null || password.Length > 40)
        {
            return null;
        }

        var clean = new string(password.Where(c => c is not (' ' or '-')).ToArray()).ToLowerInvariant();
        return clean.Length == Length && clean.All(c => c is (>= 'a' and <= 'z') or (>= '2' and <= '7')) ? SecretTokens.Hash(clean) : null;
    }
}
