namespace HostedMail.Core.Security;

/// <summary>What to do before trying credentials.</summary>
/// <param name="Delay">Wait this long before verifying (zero when there were few failures).</param>
/// <param name="LockedFor">When locked out, the time left; null when not locked out.</param>
public readonly record struct PenaltyDecision(TimeSpan Delay, TimeSpan? LockedFor);

/// <summary>
/// Authentication failure counting per login and per client address, shared by SMTP, IMAP and
/// POP3 on every node. Implemented over <see cref="IMailboxGrain"/> and <see cref="IClientAddressGrain"/>.
/// </summary>
public interface IAuthenticationLimiter
{
    /// <summary>Decides delay and lockout for an attempt from <paramref name="addressKey"/> as <paramref name="username"/>.</summary>
    ValueTask<PenaltyDecision> CheckAsync(string addressKey, string username, CancellationToken cancellationToken);

    /// <summary>Counts a failed attempt against both the address and the login.</summary>
    ValueTask RecordFailureAsync(string addressKey, string username, CancellationToken cancellationToken);

    /// <summary>A success clears the login's count. The address keeps its count: one valid login must not launder a shared address's guessing.</summary>
    ValueTask RecordSuccessAsync(string addressKey, string username, CancellationToken cancellationToken);
}
