using HostedMail.Core.Security;
using Orleans;
using Orleans.Runtime;
using Orleans.Storage;

namespace HostedMail.Grains.Security;

/// <summary>
/// One authentication failure counter, persisted: the rules are <see cref="AuthFailureCounter"/>'s,
/// the count is this grain's, one per cluster.
/// </summary>
// Implementation notes:
// - Every failure is written before the call returns, so a lockout survives the grain's
//   deactivation and its node's death. Failures stop being written once locked (a locked
//   login or address is refused before it is verified, so nothing is counted).
// - Orleans may briefly run two activations while membership changes. Their writes then
//   conflict on the stored version (InconsistentStateException): the loser re-reads and counts
//   again, so no failure is lost and none is counted twice.
internal abstract class AuthFailureGrain(IPersistentState<AuthFailureCounter> counter, AuthPenaltyOptions options, TimeProvider time) : Grain
{
    protected AuthPenaltyOptions Options => options;

    protected AuthThrottle Read() => counter.State.Read(time.GetUtcNow(), options);

    protected async Task<AuthThrottle> FailAsync(int threshold)
    {
        for (var attempt = 0; ; attempt++)
        {
            var standing = counter.State.Fail(time.GetUtcNow(), threshold, options);
            try
            {
                await counter.WriteStateAsync();
                return standing;
            }
            catch (InconsistentStateException) when (attempt == 0)
            {
                await counter.ReadStateAsync();
            }
        }
    }

    protected async Task ResetAsync()
    {
        if (!counter.RecordExists && counter.State.Failures == 0)
        {
            return;
        }

        try
        {
            await counter.ClearStateAsync();
        }
        catch (InconsistentStateException)
        {
            await counter.ReadStateAsync();
            await counter.ClearStateAsync();
        }
    }

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // A stale counter (no lockout, no failure for ForgetAfter) is dropped as it is loaded, so
        // the rows of logins that stopped failing do not outlive their use.
        if (counter.RecordExists && counter.State.IsStale(time.GetUtcNow(), options))
        {
            await ResetAsync();
        }

        await base.OnActivateAsync(cancellationToken);
    }
}

/// <summary>The mailbox's grain: authentication failures and lockout of its login, cluster-wide.</summary>
internal sealed partial class MailboxGrain(
    [PersistentState("auth-failures", GrainStorageNames.Default)] IPersistentState<AuthFailureCounter> counter,
    AuthPenaltyOptions options,
    TimeProvider time) : AuthFailureGrain(counter, options, time), IMailboxGrain
{
    public Task<AuthThrottle> CheckLoginAsync() => Task.FromResult(Read());

    public Task<AuthThrottle> LoginFailedAsync() => FailAsync(Options.UsernameLockoutThreshold);

    public Task LoginSucceededAsync() => ResetAsync();
}

/// <summary>Authentication failures from one client address, cluster-wide.</summary>
internal sealed class ClientAddressGrain(
    [PersistentState("auth-failures", GrainStorageNames.Default)] IPersistentState<AuthFailureCounter> counter,
    AuthPenaltyOptions options,
    TimeProvider time) : AuthFailureGrain(counter, options, time), IClientAddressGrain
{
    public Task<AuthThrottle> CheckAsync() => Task.FromResult(Read());

    public Task<AuthThrottle> FailedAsync() => FailAsync(Options.AddressLockoutThreshold);
}
