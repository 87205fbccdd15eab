using System.CommandLine;
using HostedMail.Core.Audit;
using HostedMail.Core.Tenants;
using Microsoft.Extensions.DependencyInjection;

namespace HostedMail.Server.Cli;

/// <summary><c>hostedmail tenant language TENANT [en|de]</c>: shows or sets the language of a tenant's delivery notifications.</summary>
internal static class TenantLanguageCommand
{
    public static Command Create(CliContext context)
    {
        var tenant = new Argument<string>("tenant") { Description = "Tenant id or name" };
        var language = new Argument<string?>("language") { Description = $"{string.Join(", ", TenantLanguage.Supported)}, or 'default' for English; omit to show", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("language", "Show or set the language of a tenant's system mail (bounces, delay warnings)") { tenant, language };
        command.SetAction((parse, ct) => context.RunAsync(async services =>
        {
            var tenants = services.GetRequiredService<TenantService>();
            var value = parse.GetValue(language);
            if (value is null)
            {
                context.Out.WriteLine((await tenants.GetAsync(parse.GetValue(tenant)!, ct)).Language ?? TenantLanguage.English);
                return;
            }

            var updated = await tenants.SetLanguageAsync(parse.GetValue(tenant)!, value == "default" ? null : value, Actor.OperatorCli, ct);
            context.Out.WriteLine($"tenant '{updated.Name}' now gets system mail in {updated.Language ?? TenantLanguage.English}");
        }));
        return command;
    }
}
