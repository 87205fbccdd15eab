using HostedMail.Core.Domains;
using HostedMail.Dns;

namespace HostedMail.Portal.Dns;

/// <summary>Looks for the ownership TXT record at <c>_hostedmail.&lt;domain&gt;</c> over DNS.</summary>
internal sealed class DnsOwnershipProbe(PortalDns dns) : IDomainOwnershipProbe
{
    public async Task<OwnershipProbeResult> ProbeAsync(string domain, string expectedValue, CancellationToken cancellationToken)
    {
        var (answer, texts) = await dns.Resolver.QueryTxtAsync(DomainOwnership.RecordName(domain), cancellationToken);
        if (answer.IsTransientError)
        {
            return new OwnershipProbeResult(OwnershipProbeStatus.TemporaryFailure, [], $"DNS did not answer ({answer.Status})");
        }

        if (texts.Count == 0)
        {
            return new OwnershipProbeResult(OwnershipProbeStatus.Missing, []);
        }

        // Other TXT records may share the name (another provider's proof): any exact match counts.
        return texts.Any(t => string.Equals(t.Trim(), expectedValue, StringComparison.Ordinal))
            ? new OwnershipProbeResult(OwnershipProbeStatus.Present, texts)
            : new OwnershipProbeResult(OwnershipProbeStatus.Wrong, texts);
    }
}
