using HostedMail.Core.AppPasswords;
using HostedMail.Core.Mailboxes;
using HostedMail.Core.Security;
using HostedMail.Identity.AppPasswords;

namespace HostedMail.Identity.MailLogin;

/// <summary>
/// Checks a mailbox's login with its password or one of its app passwords: the mail protocols'
/// (through <see cref="MailboxCredentialVerifier"/>) and the OAuth sign-in page's.
/// </summary>
public sealed class MailboxSignIn(IMailboxStore store, IPasswordHasher hasher, IAppPasswordStore? appPasswords = null,
    TimeProvider? timeProvider = null, AppPasswordUsage? appPasswordUsage = null)
{
    private readonly Lazy<Task<string>> dummyHash = new(() => hasher.HashAsync(Guid.NewGuid().ToString()));

    /// <summary>
    /// Checks a login. Unknown address, disabled mailbox and wrong password look the same to the
    /// caller, so a login cannot be used to probe which addresses exist.
    /// </summary>
    public async Task<Mailbox?> AuthenticateAsync(string address, string password, CancellationToken cancellationToken = default) =>
        (await LoginAsync(address, password, cancellationToken))?.Mailbox;

    /// <summary>
    /// Checks a login like <see cref="AuthenticateAsync"/> and says which credential matched, so
    /// a cache of verified logins can report later uses (<see cref="RecordCachedLoginAsync"/>).
    /// </summary>
    public async Task<MailboxLogin?> LoginAsync(string address, string password, CancellationToken cancellationToken = default)
    {
        if (MailAddress.TryParse(address, allowCatchAll: false, out var parsed) is not null)
        {
            return null;
        }

        var mailbox = await store.FindForLoginAsync(parsed!.Value, cancellationToken);
        var hash = mailbox is null ? null : await store.GetPasswordHashAsync(mailbox.TenantId, mailbox.MailboxId, cancellationToken);
        if (mailbox is null || hash is null)
        {
            // Spend the same hashing work as a real check so response time does not reveal the address exists.
            await hasher.VerifyAsync(await dummyHash.Value, password, cancellationToken);
            return null;
        }

        // An app password (random, stored as SHA-256) is one index lookup; a match skips the slow hash.
        if (appPasswords is not null && AppPasswordService.HashCandidate(password) is { } candidate
            && await appPasswords.FindAsync(mailbox.TenantId, mailbox.MailboxId, candidate, cancellationToken) is { } appPasswordId)
        {
            await RecordAppPasswordUseAsync(mailbox.TenantId, appPasswordId, cancellationToken);
            return new MailboxLogin(mailbox, appPasswordId);
        }

        var check = await hasher.VerifyAsync(hash, password, cancellationToken);
        if (check == PasswordCheck.SuccessRehashNeeded)
        {
            await store.SetPasswordHashAsync(mailbox.TenantId, mailbox.MailboxId, await hasher.HashAsync(password, cancellationToken), null, cancellationToken);
        }

        return check == PasswordCheck.Failed ? null : new MailboxLogin(mailbox, null);
    }

    /// <summary>
    /// A login answered from a node's cache of verified logins: an app password's last use moves
    /// as if it had been verified (noted in memory, written in batches: no write per login).
    /// </summary>
    public Task RecordCachedLoginAsync(MailboxLogin login, CancellationToken cancellationToken = default) =>
        login.AppPasswordId is { } id ? RecordAppPasswordUseAsync(login.Mailbox.TenantId, id, cancellationToken) : Task.CompletedTask;

    /// <summary>Through the coalescing recorder when the host runs one (nodes); else written at once (tools, tests).</summary>
    private Task RecordAppPasswordUseAsync(long tenantId, long appPasswordId, CancellationToken cancellationToken)
    {
        if (appPasswordUsage is not null)
        {
            appPasswordUsage.Note(tenantId, appPasswordId);
            return Task.CompletedTask;
        }

        return appPasswords?.RecordUsesAsync([new AppPasswordUse(tenantId, appPasswordId, (timeProvider ?? TimeProvider.System).GetUtcNow())], cancellationToken) ?? Task.CompletedTask;
    }
}
