using HostedMail.Core.Security;
using Orleans;

namespace HostedMail.Grains.Security;

/// <summary>
/// <see cref="IAuthenticationLimiter"/> over the grains: the login's <see cref="IMailboxGrain"/> and
/// the address's <see cref="IClientAddressGrain"/>, asked together (one hop each, in parallel).
/// </summary>
internal sealed class GrainAuthenticationLimiter(IGrainFactory grains, AuthPenaltyOptions options, TimeProvider time) : IAuthenticationLimiter
{
    public async ValueTask<PenaltyDecision> CheckAsync(string addressKey, string username, CancellationToken cancellationToken)
    {
        var byAddress = grains.GetGrain<IClientAddressGrain>(addressKey).CheckAsync();
        var byLogin = grains.GetGrain<IMailboxGrain>(AuthenticationKeys.Login(username)).CheckLoginAsync();
        var address = await byAddress.WaitAsync(cancellationToken);
        var login = await byLogin.WaitAsync(cancellationToken);
        var lockedUntil = Max(address.LockedUntil, login.LockedUntil);
        if (lockedUntil is { } until && until > time.GetUtcNow())
        {
            return new PenaltyDecision(TimeSpan.Zero, until - time.GetUtcNow());
        }

        return new PenaltyDecision(options.DelayAfter(Math.Max(address.Failures, login.Failures)), null);
    }

    public async ValueTask RecordFailureAsync(string addressKey, string username, CancellationToken cancellationToken)
    {
        var byAddress = grains.GetGrain<IClientAddressGrain>(addressKey).FailedAsync();
        var byLogin = grains.GetGrain<IMailboxGrain>(AuthenticationKeys.Login(username)).LoginFailedAsync();
        await Task.WhenAll(byAddress, byLogin).WaitAsync(cancellationToken);
    }

    public async ValueTask RecordSuccessAsync(string addressKey, string username, CancellationToken cancellationToken) =>
        await grains.GetGrain<IMailboxGrain>(AuthenticationKeys.Login(username)).LoginSucceededAsync().WaitAsync(cancellationToken);

    private static DateTimeOffset? Max(DateTimeOffset? a, DateTimeOffset? b) => a > b || b is null ? a : b;
}
