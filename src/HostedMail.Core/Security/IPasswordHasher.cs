namespace HostedMail.Core.Security;

/// <summary>Hashes and checks mailbox passwords; the hash string names its own algorithm and cost.</summary>
public interface IPasswordHasher
{
    string Hash(string password);

    PasswordCheck Verify(string hash, string password);
}

/// <summary>The outcome of checking a password against a stored hash.</summary>
public enum PasswordCheck
{
    Failed,
    Success,
    /// <summary>Correct, but the hash uses an older algorithm or cost and should be replaced.</summary>
    SuccessRehashNeeded,
}
