using System.CommandLine;
using HostedMail.Core.Audit;
using HostedMail.Core.Tenants;
using HostedMail.Portal;
using Microsoft.Extensions.DependencyInjection;

namespace HostedMail.Server.Cli;

/// <summary><c>tenant set-plan|suspend|resume</c>: the operator's side of what billing and support change.</summary>
internal static class TenantStateCommands
{
    public static IEnumerable<Command> Create(CliContext context)
    {
        var planTenant = new Argument<string>("tenant") { Description = "Tenant id or name" };
        var planName = new Argument<string>("plan") { Description = "A plan this deployment knows (Plans:* in the configuration; built in: free, business)" };
        var setPlan = new Command("set-plan", "Move a tenant to another plan; its limits apply to the next change it makes") { planTenant, planName };
        setPlan.SetAction((parse, ct) => context.RunAsync(async services =>
        {
            var catalog = PortalOptions.FromConfiguration(context.Configuration).Plans;
            var tenant = await services.GetRequiredService<TenantService>().SetPlanAsync(parse.GetValue(planTenant)!, parse.GetValue(planName)!, catalog, Actor.OperatorCli, ct);
            context.Out.WriteLine($"tenant '{tenant.Name}' is on plan {tenant.Plan}");
        }));

        var suspendTenant = new Argument<string>("tenant") { Description = "Tenant id or name" };
        var suspend = new Command("suspend",
            "Suspend a tenant: its mailboxes cannot log in, open IMAP/POP3/SMTP sessions end on every node, mail to it is deferred (4xx), nothing is deleted")
            { suspendTenant };
        suspend.SetAction((parse, ct) => context.RunAsync(async services =>
        {
            var tenant = await services.GetRequiredService<TenantService>().SuspendAsync(parse.GetValue(suspendTenant)!, Actor.OperatorCli, ct);
            context.Out.WriteLine($"tenant '{tenant.Name}' is suspended");
        }));

        var resumeTenant = new Argument<string>("tenant") { Description = "Tenant id or name" };
        var resume = new Command("resume", "Lift a suspension: logins and mail delivery work again") { resumeTenant };
        resume.SetAction((parse, ct) => context.RunAsync(async services =>
        {
            var tenant = await services.GetRequiredService<TenantService>().ResumeAsync(parse.GetValue(resumeTenant)!, Actor.OperatorCli, ct);
            context.Out.WriteLine($"tenant '{tenant.Name}' is active");
        }));

        return [setPlan, suspend, resume];
    }
}
