namespace HostedMail.Core.Mailboxes;

/// <summary>
/// Tells this node when a mailbox's credentials are revoked anywhere in the cluster (password
/// changed, app password deleted, mailbox disabled or deleted, tenant suspended), after the change
/// committed, so that sessions logged in as that mailbox end. New logins do not depend on it:
/// they check the credential stamp (<see cref="IMailboxStore.FindCredentialStampAsync"/>).
/// </summary>
public interface ICredentialRevocationFeed
{
    /// <summary>Calls <paramref name="onRevoked"/> with the mailbox address of every revocation until disposed.</summary>
    IDisposable Subscribe(Action<string> onRevoked);
}
