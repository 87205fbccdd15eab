using System.CommandLine;
using HostedMail.Server.Node;
using HostedMail.Storage.Migrations;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace HostedMail.Server.Cli;

/// <summary>The <c>hostedmail</c> command line: <c>serve</c>, <c>migrate</c> and the operator commands.</summary>
internal static class HostedMailCli
{
    public static async Task<int> RunAsync(string[] args, TextReader input, TextWriter output, TextWriter error,
        IReadOnlyDictionary<string, string?>? overrides = null, CancellationToken cancellationToken = default)
    {
        var context = new CliContext(input, output, error, overrides);
        var root = Root(context);
        return await root.Parse(args).InvokeAsync(new InvocationConfiguration
        {
            Output = output,
            Error = error,
            // The host handles SIGTERM/SIGINT itself and shuts down gracefully; the parser must not race it.
            ProcessTerminationTimeout = null,
        }, cancellationToken);
    }

    /// <summary>The whole command tree (tests walk it to check every command's help).</summary>
    internal static RootCommand Root(CliContext context)
    {
        var root = new RootCommand("HostedMail: a multi-tenant hosted mail service node and its operator commands")
        {
            ServeCommand(context),
            MigrateCommand(context),
            TenantCommands.Create(context),
            DomainCommands.Create(context),
            MailboxCommands.Create(context),
            AliasCommands.Create(context),
            QueueCommands.Create(context),
            BillingCommands.Create(context),
        };
        foreach (var command in ServiceDnsCommands.Create(context))
        {
            root.Subcommands.Add(command);
        }

        return root;
    }

    private static Command ServeCommand(CliContext context)
    {
        var command = new Command("serve",
            "Run a node in the foreground: the mail listeners of Mail:Listeners (SMTP, submission, IMAP, POP3), the portal API, "
            + "autoconfig and health endpoints on Http:Urls, and the outbound queue worker (Outbound:Enabled); applies pending migrations first "
            + "(Database:MigrateOnStart). Configuration: appsettings.json beside the executable, then HOSTEDMAIL__SECTION__KEY variables. "
            + "SIGTERM stops gracefully");
        command.SetAction(async (_, cancellationToken) =>
        {
            await using var app = NodeHost.Build(context.Overrides);
            try
            {
                await NodeHost.MigrateOnStartAsync(app, cancellationToken);
            }
            catch (MigrationException ex)
            {
                app.Logger.LogCritical("Cannot start: {Reason}", ex.Message);
                return context.Fail(ex.Message);
            }

            await app.RunAsync();
            return 0;
        });
        return command;
    }

    private static Command MigrateCommand(CliContext context)
    {
        var command = new Command("migrate", "Apply pending database migrations (each once, under an advisory lock; a changed released migration stops here)");
        command.SetAction((_, cancellationToken) => context.RunAsync(async services =>
        {
            var applied = await services.GetRequiredService<MigrationRunner>().ApplyAsync(cancellationToken);
            context.Out.WriteLine(applied.Count == 0 ? "database is up to date" : "applied " + string.Join(", ", applied));
        }));
        return command;
    }
}
