using System.CommandLine;
using System.Globalization;
using System.Text;
using HostedMail.Core;
using HostedMail.Core.Domains;
using HostedMail.Dns;
using HostedMail.Server.Node;
using Microsoft.Extensions.DependencyInjection;

namespace HostedMail.Server.Cli;

/// <summary>
/// <c>hostedmail dns-records</c> prints the DNS records the operator publishes so the service's own
/// mail is trusted (A/AAAA, PTR, SPF, the service domain's DKIM public key, DMARC, MX);
/// <c>hostedmail check-dns</c> looks them up and exits 1 when a required one is missing or wrong.
/// </summary>
internal static class ServiceDnsCommands
{
    public static IEnumerable<Command> Create(CliContext context)
    {
        var records = new Command("dns-records", "Print the DNS records to publish for the node's names and the portal's sender domain (zone-file form)");
        records.SetAction((_, ct) => context.RunAsync(async services =>
        {
            var findings = await CheckAsync(context, services, ct);
            context.Out.Write(ZoneFile(services.GetRequiredService<ServiceMailIdentity>(), findings));
        }));

        var check = new Command("check-dns", "Check the published DNS records of the node and the portal's sender domain; exit 1 when one is missing or wrong");
        check.SetAction((_, ct) => context.RunAsync(async services =>
        {
            var findings = await CheckAsync(context, services, ct);
            Table.Write(context.Out, ["STATUS", "KIND", "TYPE", "NAME", "FOUND"], findings.Select(f => (IReadOnlyList<string>)
                [(f.Required ? string.Empty : "optional ") + f.Status.ToString().ToLowerInvariant(), f.Kind, f.Type, f.Name, f.Detail]));
            var problems = findings.Where(f => f.IsProblem).ToList();
            if (problems.Count > 0)
            {
                context.Out.WriteLine();
                context.Out.WriteLine("Publish (see docs/operations.md, or `hostedmail dns-records`):");
                foreach (var p in problems)
                {
                    context.Out.WriteLine($"  {p.Name}. {p.Type} {p.Expected}");
                }

                throw HostedMailException.Invalid(string.Create(CultureInfo.InvariantCulture, $"{problems.Count} DNS record(s) of the service are missing, wrong or unknown: {string.Join(", ", problems.Select(p => p.Kind))}"));
            }
        }));
        return [records, check];
    }

    private static Task<IReadOnlyList<ServiceDnsFinding>> CheckAsync(CliContext context, IServiceProvider services, CancellationToken cancellationToken)
    {
        var configuration = NodeConfiguration.Build(context.Overrides);
        var time = services.GetRequiredService<TimeProvider>();
        var resolver = new DnsResolver(MailNodeServices.DnsOptions(configuration), time);
        var check = new ServiceDnsCheck(services.GetRequiredService<ServiceMailIdentity>(), services.GetRequiredService<ServiceDkim>(), resolver, time);
        return check.RunAsync(cancellationToken);
    }

    private static string ZoneFile(ServiceMailIdentity identity, IReadOnlyList<ServiceDnsFinding> findings)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"; HostedMail service records: mail name {identity.MailHostname}, HELO {identity.HeloName}, portal sender domain {identity.SenderDomain}\n");
        if (!findings.Any(f => f.Kind == "ptr"))
        {
            sb.Append(CultureInfo.InvariantCulture, $"; PTR: the reverse name of every sending address -> {identity.HeloName}. (set Mail:PublicAddresses or publish A records first)\n");
        }

        var specs = findings.Select(f => new DnsRecordSpec(f.Kind, f.Type, f.Name, f.Expected, f.Required, f.Detail)).ToList();
        // Addresses are the operator's to fill in when the node does not know them.
        foreach (var spec in specs)
        {
            if (spec.Type is "A" or "AAAA" && identity.PublicAddresses.Count == 0)
            {
                sb.Append(CultureInfo.InvariantCulture, $"{spec.Name}.\t{DomainRecords.DefaultTtl}\tIN\t{spec.Type}\t<the node's public address>\n");
            }
            else if (spec.Type is "A" or "AAAA")
            {
                foreach (var address in identity.PublicAddresses)
                {
                    var type = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "AAAA" : "A";
                    sb.Append(CultureInfo.InvariantCulture, $"{spec.Name}.\t{DomainRecords.DefaultTtl}\tIN\t{type}\t{address}\n");
                }
            }
            else
            {
                var zone = DomainRecords.ZoneSnippet(spec.Name, [spec], string.Empty);
                sb.Append(zone[(zone.IndexOf('\n', StringComparison.Ordinal) + 1)..]);
            }
        }

        return sb.ToString();
    }
}
