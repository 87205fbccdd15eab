using HostedMail.Core.Mailboxes;
using HostedMail.Core.Security;

namespace HostedMail.Identity.MailLogin;

/// <summary>
/// Checks mailbox logins (SMTP AUTH, IMAP, POP3) for HostedMail.Net's <c>MailAuthenticator</c>
/// against the database through <see cref="MailboxSignIn"/>; on success the principal is the
/// <see cref="Mailbox"/>.
/// </summary>
public sealed class MailboxCredentialVerifier(MailboxSignIn signIn, MailboxService mailboxes) : ICredentialVerifier
{
    public async ValueTask<AuthResult> VerifyAsync(string username, string password, ConnectionInfo connection, CancellationToken cancellationToken)
    {
        try
        {
            var login = await signIn.LoginAsync(username, password, cancellationToken);
            return login is null ? AuthResult.Failed : new AuthResult(AuthStatus.Succeeded, login.Mailbox.Address, login.Mailbox, Credential: login);
        }
        catch (System.Data.Common.DbException)
        {
            // The database did not answer: say "try later", not "wrong password".
            return AuthResult.TemporaryFailure;
        }
    }

    public async ValueTask<long?> CredentialStampAsync(string username, CancellationToken cancellationToken)
    {
        try
        {
            return await mailboxes.CredentialStampAsync(username, cancellationToken);
        }
        catch (System.Data.Common.DbException)
        {
            // No cached success is trusted; VerifyAsync then answers TemporaryFailure itself.
            return null;
        }
    }

    public async ValueTask CachedSuccessAsync(AuthResult cached, CancellationToken cancellationToken)
    {
        if (cached.Credential is not MailboxLogin login)
        {
            return;
        }

        try
        {
            await signIn.RecordCachedLoginAsync(login, cancellationToken);
        }
        catch (System.Data.Common.DbException)
        {
            // Only a last-used time is lost; the login itself was checked against the stamp.
        }
    }
}
