using System.CommandLine;
using System.Globalization;
using HostedMail.Core.Audit;
using HostedMail.Core.Domains;
using HostedMail.Core.Tenants;
using Microsoft.Extensions.DependencyInjection;

namespace HostedMail.Server.Cli;

internal static class DomainCommands
{
    public static Command Create(CliContext context)
    {
        var tenantRequired = TenantCommands.TenantOption(required: true);
        var name = new Argument<string>("domain") { Description = "The domain name (Unicode names are stored in punycode)" };
        var verified = new Option<bool>("--verified") { Description = "Operator override: mark verified without the DNS proof (development, tests); recorded in the audit log" };
        var add = new Command("add", "Add a domain to a tenant; it is pending until its ownership TXT record (printed) is published") { name, tenantRequired, verified };
        add.SetAction((parse, ct) => context.RunAsync(async services =>
        {
            // Through the tenant's plan limits, as the portal does (the tenant's grain decides when nodes run).
            var tenants = services.GetRequiredService<TenantService>();
            var tenant = await tenants.GetAsync(parse.GetValue(tenantRequired)!, ct);
            var domain = await tenants.AddDomainAsync(tenant.TenantId, parse.GetValue(name)!, Actor.OperatorCli, parse.GetValue(verified), ct);
            context.Out.WriteLine($"added domain {domain.Name} to tenant '{tenant.Name}' ({Describe(domain)})");
            if (domain.State == DomainState.Pending)
            {
                context.Out.WriteLine($"to verify, publish: {domain.VerificationRecordName}. IN TXT \"{domain.VerificationRecordValue}\"");
            }
        }));

        var tenantOptional = TenantCommands.TenantOption(required: false);
        var list = new Command("list", "List domains with state, verification date and the TXT record that proves ownership") { tenantOptional };
        list.SetAction((parse, ct) => context.RunAsync(async services =>
        {
            long? tenantId = parse.GetValue(tenantOptional) is { } t ? (await services.GetRequiredService<TenantService>().GetAsync(t, ct)).TenantId : null;
            var domains = await services.GetRequiredService<DomainService>().ListAsync(tenantId, ct);
            Table.Write(context.Out, ["TENANT", "DOMAIN", "STATE", "VERIFIED", "TXT RECORD"], domains.Select(d => (IReadOnlyList<string>)
                [d.TenantId.ToString(CultureInfo.InvariantCulture), d.Name, d.State.ToString().ToLowerInvariant(),
                 d.VerifiedAt is { } at ? $"{at.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)} by {d.VerifiedBy.ToString()!.ToLowerInvariant()}" : "-",
                 $"{d.VerificationRecordName} \"{d.VerificationRecordValue}\""]));
        }));

        var verifyName = new Argument<string>("domain") { Description = "The domain name" };
        var verifyTenant = TenantCommands.TenantOption(required: false);
        var verifyOverride = new Option<bool>("--verified") { Description = "Operator override: mark verified without the DNS proof; recorded in the audit log" };
        var verify = new Command("verify", "Check a domain's ownership TXT record and mark it verified") { verifyName, verifyTenant, verifyOverride };
        verify.SetAction((parse, ct) => context.RunAsync(async services =>
        {
            var domains = services.GetRequiredService<DomainService>();
            var tenantId = parse.GetValue(verifyTenant) is { } t
                ? (await services.GetRequiredService<TenantService>().GetAsync(t, ct)).TenantId
                : (await domains.ResolveOwnerAsync(parse.GetValue(verifyName)!, ct)).TenantId;
            var result = await domains.VerifyAsync(tenantId, parse.GetValue(verifyName)!, Actor.OperatorCli, parse.GetValue(verifyOverride), ct);
            if (!result.IsVerified)
            {
                var seen = result.Probe is { Found.Count: > 0 } p ? "found " + string.Join(", ", p.Found.Select(v => $"\"{v}\"")) : "found no TXT record";
                throw new CliUsageException($"domain {result.Domain.Name} is not verified: {seen} at {result.Domain.VerificationRecordName}, expected \"{result.Domain.VerificationRecordValue}\"");
            }

            context.Out.WriteLine($"domain {result.Domain.Name} is verified ({Describe(result.Domain)})");
        }));

        return new Command("domain", "Manage tenants' domains: add, list, verify") { add, list, verify };
    }

    private static string Describe(Domain domain) => domain.State == DomainState.Verified
        ? $"verified by {domain.VerifiedBy.ToString()!.ToLowerInvariant()}"
        : "pending verification";
}
