namespace HostedMail.Core.Security;

/// <summary>Hashes and checks mailbox passwords; the hash string names its own algorithm and cost.</summary>
public interface IPasswordHasher
{
    string Hash(string password);

    /// <summary>
    /// Checks <paramref name="password"/> against <paramref name="hash"/>. Slow on purpose (a
    /// password hash); implementations take turns with other checks of the process so a burst of
    /// logins does not starve everything else.
    /// </summary>
    Task<PasswordCheck> VerifyAsync(string hash, string password, CancellationToken cancellationToken);
}

/// <summary>The outcome of checking a password against a stored hash.</summary>
public enum PasswordCheck
{
    Failed,
    Success,
    /// <summary>Correct, but the hash uses an older algorithm or cost and should be replaced.</summary>
    SuccessRehashNeeded,
}
