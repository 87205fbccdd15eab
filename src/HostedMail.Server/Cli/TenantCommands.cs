using System.CommandLine;
using System.Globalization;
using HostedMail.Core.Audit;
using HostedMail.Core.Tenants;
using Microsoft.Extensions.DependencyInjection;

namespace HostedMail.Server.Cli;

internal static class TenantCommands
{
    public static Command Create(CliContext context)
    {
        var name = new Argument<string>("name") { Description = "The tenant's short name (unique slug: letters, digits, hyphens; the portal's rule)" };
        var displayName = new Option<string?>("--display-name") { Description = "The name people see (default: the short name)" };
        var plan = new Option<string?>("--plan") { Description = "Plan name (default: free)" };
        var create = new Command("create", "Create a tenant: a short name (slug), a display name and a plan (default: free)") { name, displayName, plan };
        create.SetAction((parse, ct) => context.RunAsync(async services =>
        {
            var tenant = await services.GetRequiredService<TenantService>().CreateAsync(parse.GetValue(name)!, parse.GetValue(displayName), parse.GetValue(plan), Actor.OperatorCli, ct);
            context.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"created tenant {tenant.TenantId} '{tenant.Name}' ({tenant.DisplayName}, plan {tenant.Plan})"));
        }));

        var list = new Command("list", "List tenants: id, short name, display name, plan, state (active or suspended) and creation date");
        list.SetAction((_, ct) => context.RunAsync(async services =>
        {
            var tenants = await services.GetRequiredService<TenantService>().ListAsync(ct);
            Table.Write(context.Out, ["ID", "NAME", "DISPLAY NAME", "PLAN", "STATE", "CREATED"], tenants.Select(t => (IReadOnlyList<string>)
                [t.TenantId.ToString(CultureInfo.InvariantCulture), t.Name, t.DisplayName, t.Plan, t.State.ToString().ToLowerInvariant(), t.CreatedAt.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)]));
        }));

        var command = new Command("tenant", "Manage tenants: create, list, language, set-plan, suspend, resume") { create, list, TenantLanguageCommand.Create(context) };
        foreach (var sub in TenantStateCommands.Create(context))
        {
            command.Subcommands.Add(sub);
        }

        return command;
    }

    /// <summary>The --tenant option every scoped command takes: a tenant id or name.</summary>
    public static Option<string> TenantOption(bool required) => new("--tenant", "-t")
    {
        Description = "Tenant id or name",
        Required = required,
    };
}
