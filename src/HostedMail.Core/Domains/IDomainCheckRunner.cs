using Orleans;

namespace HostedMail.Core.Domains;

/// <summary>
/// Runs a domain's background DNS checks (ownership while pending, MX once verified) that are due
/// by its schedule in <see cref="IDomainHealthStore"/>. The domain's grain calls it from its
/// reminder, so a check runs once per interval for the whole cluster, not once per node.
/// </summary>
public interface IDomainCheckRunner
{
    /// <param name="name">The domain name (the grain's key).</param>
    /// <param name="domain">
    /// The domain's writes (a pending domain whose record appeared is verified through it), run in
    /// the reminder's turn of the grain: going through <see cref="DomainService"/> would call the
    /// grain from inside its own turn and wait for ever.
    /// </param>
    Task<DomainCheckRun> RunDueAsync(string name, IDomainOperations domain, CancellationToken cancellationToken);
}

/// <summary>How many checks ran; <see cref="Exists"/> false when no tenant has the domain any more (its reminder ends).</summary>
[GenerateSerializer]
[Alias("HostedMail.DomainCheckRun")]
public sealed record DomainCheckRun(bool Exists, int Ran);
