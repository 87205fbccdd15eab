using System.CommandLine;
using System.Globalization;
using HostedMail.Core.Aliases;
using HostedMail.Core.Audit;
using HostedMail.Core.Tenants;
using Microsoft.Extensions.DependencyInjection;

namespace HostedMail.Server.Cli;

internal static class AliasCommands
{
    public static Command Create(CliContext context)
    {
        var address = new Argument<string>("address") { Description = "The alias address; *@domain is the domain's catch-all" };
        var targets = new Argument<string[]>("target") { Description = "Mailboxes or external addresses it delivers to", Arity = ArgumentArity.OneOrMore };
        var tenant = TenantCommands.TenantOption(required: true);
        var create = new Command("create", "Create an alias delivering to mailboxes and/or external addresses (*@domain is the catch-all)") { address, targets, tenant };
        create.SetAction((parse, ct) => context.RunAsync(async services =>
        {
            var tenants = services.GetRequiredService<TenantService>();
            var t = await tenants.GetAsync(parse.GetValue(tenant)!, ct);
            // Through the tenant's plan limits, as the portal does.
            var alias = await tenants.CreateAliasAsync(t.TenantId, parse.GetValue(address)!, parse.GetValue(targets)!, Actor.OperatorCli, ct);
            context.Out.WriteLine($"created alias {alias.Address} -> {string.Join(", ", alias.Targets)}");
        }));

        var listTenant = TenantCommands.TenantOption(required: false);
        var list = new Command("list", "List aliases and the addresses they deliver to") { listTenant };
        list.SetAction((parse, ct) => context.RunAsync(async services =>
        {
            long? tenantId = parse.GetValue(listTenant) is { } tr ? (await services.GetRequiredService<TenantService>().GetAsync(tr, ct)).TenantId : null;
            var aliases = await services.GetRequiredService<AliasService>().ListAsync(tenantId, ct);
            Table.Write(context.Out, ["TENANT", "ALIAS", "TARGETS"], aliases.Select(a => (IReadOnlyList<string>)
                [a.TenantId.ToString(CultureInfo.InvariantCulture), a.Address, string.Join(", ", a.Targets)]));
        }));

        return new Command("alias", "Manage aliases: addresses that deliver to mailboxes or external addresses") { create, list };
    }
}
