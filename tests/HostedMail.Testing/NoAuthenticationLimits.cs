using HostedMail.Core.Security;

namespace HostedMail.Testing;

/// <summary>A limiter that never delays or locks: for protocol tests that fail logins on purpose.</summary>
public sealed class NoAuthenticationLimits : IAuthenticationLimiter
{
    public ValueTask<PenaltyDecision> CheckAsync(string addressKey, string username, CancellationToken cancellationToken) => ValueTask.FromResult(default(PenaltyDecision));

    public ValueTask RecordFailureAsync(string addressKey, string username, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public ValueTask RecordSuccessAsync(string addressKey, string username, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}
