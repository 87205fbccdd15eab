using HostedMail.Core.Aliases;
using HostedMail.Core.Audit;
using HostedMail.Core.Domains;
using HostedMail.Core.Security;

namespace HostedMail.Core.Mailboxes;

/// <summary>Creates, changes and deletes mailboxes; owns address, password and quota rules.</summary>
public sealed class MailboxService(IMailboxStore store, IAliasStore aliases, DomainService domains, IPasswordHasher hasher,
    Billing.IMailboxCountObserver? mailboxCount = null, IOAuthGrantRevoker? oauthGrants = null)
{
    /// <summary>1 GiB unless a quota is given (plans set their own later).</summary>
    public const long DefaultQuotaBytes = 1L << 30;

    public async Task<Mailbox> CreateAsync(long tenantId, string address, string password, long? quotaBytes, string? displayName, Actor actor, CancellationToken cancellationToken = default)
    {
        var parsed = MailAddress.Parse(address);
        var domain = await domains.GetAsync(tenantId, parsed.Domain, cancellationToken);
        CheckPassword(password, parsed.Value);
        var quota = quotaBytes ?? DefaultQuotaBytes;
        if (quota <= 0)
        {
            throw HostedMailException.Invalid("quota must be positive");
        }

        if (displayName is not null && (displayName.Length > 200 || displayName.Any(char.IsControl)))
        {
            throw HostedMailException.Invalid("display name must be at most 200 printable characters");
        }

        if (await aliases.FindAsync(tenantId, parsed.Value, cancellationToken) is not null)
        {
            throw HostedMailException.Conflict($"{parsed.Value} is already an alias");
        }

        var mailbox = new NewMailbox(tenantId, domain.DomainId, parsed.Value, displayName, await hasher.HashAsync(password, cancellationToken), quota);
        var audit = new AuditEntry(tenantId, actor, "mailbox.create", parsed.Value, new Dictionary<string, string> { ["quota_bytes"] = quota.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        var created = await store.CreateAsync(mailbox, DefaultFolder.All, audit, cancellationToken);
        await NotifyCountAsync(tenantId, cancellationToken);
        return created;
    }

    /// <summary>Seat pricing follows the mailbox count (issue 16); the observer never fails the change itself.</summary>
    private Task NotifyCountAsync(long tenantId, CancellationToken cancellationToken) =>
        mailboxCount?.MailboxCountChangedAsync(tenantId, cancellationToken) ?? Task.CompletedTask;

    public async Task SetPasswordAsync(long tenantId, string address, string password, Actor actor, CancellationToken cancellationToken = default)
    {
        var mailbox = await GetAsync(tenantId, address, cancellationToken);
        CheckPassword(password, mailbox.Address);
        await store.SetPasswordHashAsync(tenantId, mailbox.MailboxId, await hasher.HashAsync(password, cancellationToken), new AuditEntry(tenantId, actor, "mailbox.set-password", mailbox.Address), cancellationToken);
        // RFC 9700 section 4.14: OAuth grants end with the password they were given under.
        await RevokeOAuthGrantsAsync(mailbox, cancellationToken);
    }

    /// <summary>Ends the mailbox's OAuth grants (when this process runs the OAuth server).</summary>
    private Task RevokeOAuthGrantsAsync(Mailbox mailbox, CancellationToken cancellationToken) =>
        oauthGrants?.RevokeMailboxAsync(mailbox.TenantId, mailbox.MailboxId, mailbox.Address, cancellationToken) ?? Task.CompletedTask;

    public async Task DeleteAsync(long tenantId, string address, Actor actor, CancellationToken cancellationToken = default)
    {
        var mailbox = await GetAsync(tenantId, address, cancellationToken);
        await store.DeleteAsync(tenantId, mailbox.MailboxId, new AuditEntry(tenantId, actor, "mailbox.delete", mailbox.Address), cancellationToken);
        await RevokeOAuthGrantsAsync(mailbox, cancellationToken);
        await NotifyCountAsync(tenantId, cancellationToken);
    }

    public async Task<Mailbox> GetAsync(long tenantId, string address, CancellationToken cancellationToken = default)
    {
        var parsed = MailAddress.Parse(address);
        return await store.FindAsync(tenantId, parsed.Value, cancellationToken)
            ?? throw HostedMailException.NotFound($"unknown mailbox {parsed.Value}");
    }

    public Task<IReadOnlyList<Mailbox>> ListAsync(long? tenantId, long? domainId = null, CancellationToken cancellationToken = default) =>
        store.ListAsync(tenantId, domainId, cancellationToken);

    /// <summary>The credential stamp of a login address (see <see cref="IMailboxStore.FindCredentialStampAsync(string, CancellationToken)"/>); null when it may not log in.</summary>
    public async Task<long?> CredentialStampAsync(string address, CancellationToken cancellationToken = default) =>
        MailAddress.TryParse(address, allowCatchAll: false, out var parsed) is null
            ? await store.FindCredentialStampAsync(parsed!.Value, cancellationToken)
            : null;

    /// <summary>
    /// The mailbox behind a login address when it may log in now (active, its domain verified, its
    /// tenant active), without a password: for a login whose credential was checked elsewhere (an
    /// OAuth access token). Null otherwise. Logins with a password or an app password are checked
    /// by HostedMail.Identity's <c>MailboxSignIn</c>.
    /// </summary>
    public async Task<Mailbox?> FindLoginAsync(string address, CancellationToken cancellationToken = default) =>
        MailAddress.TryParse(address, allowCatchAll: false, out var parsed) is null
            ? await store.FindForLoginAsync(parsed!.Value, cancellationToken)
            : null;

    private static void CheckPassword(string password, string address)
    {
        var problem = PasswordPolicy.Check(password ?? string.Empty, address);
        if (problem is not null)
        {
            throw HostedMailException.Invalid(problem);
        }
    }
}
