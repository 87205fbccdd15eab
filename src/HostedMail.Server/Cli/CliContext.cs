using HostedMail.Core;
using HostedMail.Identity.OAuth;
using HostedMail.Portal;
using HostedMail.Server.Node;
using HostedMail.Storage.Migrations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace HostedMail.Server.Cli;

/// <summary>What every command runs with: its configuration, its streams, and a way to run against the services.</summary>
internal sealed class CliContext(TextReader input, TextWriter output, TextWriter error, IReadOnlyDictionary<string, string?>? overrides)
{
    public TextReader In { get; } = input;

    public TextWriter Out { get; } = output;

    public TextWriter Err { get; } = error;

    public IReadOnlyDictionary<string, string?>? Overrides { get; } = overrides;

    /// <summary>The configuration the commands run with (appsettings.json and the environment, or the overrides).</summary>
    public IConfiguration Configuration => NodeConfiguration.Build(Overrides);

    /// <summary>
    /// Runs an operator command against the services. Errors a user can cause become one line on
    /// stderr and exit code 1; nothing else is caught.
    /// </summary>
    public async Task<int> RunAsync(Func<IServiceProvider, Task> action)
    {
        try
        {
            var configuration = NodeConfiguration.Build(Overrides);
            var services = new ServiceCollection().AddHostedMailCore(configuration);
            // A password set or a mailbox deleted here ends its OAuth grants like in the portal.
            services.AddHostedMailOAuthGrantRevocation(configuration.ConnectionString());
            // `domain verify` without a node looks for the TXT record itself.
            services.AddDomainOwnershipProbe(PortalOptions.FromConfiguration(configuration));
            // With nodes running, changes go through their grains (CliCluster).
            await using var cluster = await CliCluster.TryConnectAsync(configuration, CancellationToken.None);
            if (cluster is not null)
            {
                services.AddSingleton(cluster.Grains);
            }

            await using var provider = services.BuildServiceProvider();
            await action(provider);
            return 0;
        }
        catch (Exception ex) when (ex is HostedMailException or MigrationException or CliUsageException)
        {
            return Fail(ex.Message);
        }
        catch (HostedMail.Core.Plans.PlanLimitException ex)
        {
            // The same refusal the portal answers with 403: the tenant's plan allows no more.
            return Fail(ex.Message);
        }
        catch (NpgsqlException ex) when (ex is not PostgresException)
        {
            return Fail($"cannot reach the database: {ex.Message}");
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return Fail("the database is not migrated: run `hostedmail migrate`");
        }
        catch (InvalidOperationException ex) when (ex.Message.StartsWith("Database:", StringComparison.Ordinal))
        {
            return Fail(ex.Message);
        }
    }

    public int Fail(string message)
    {
        Err.WriteLine("error: " + message);
        return 1;
    }

    /// <summary>A password from the option, or the first line of standard input with --password-stdin.</summary>
    public string ReadPassword(string? fromOption, bool fromStdin)
    {
        if (fromOption is not null && fromStdin)
        {
            throw new CliUsageException("give --password or --password-stdin, not both");
        }

        if (fromStdin)
        {
            return In.ReadLine() ?? throw new CliUsageException("no password on standard input");
        }

        return fromOption ?? throw new CliUsageException("a password is required: --password or --password-stdin");
    }
}

/// <summary>A command used wrongly in a way the parser cannot see (conflicting options, bad sizes).</summary>
internal sealed class CliUsageException(string message) : Exception(message);
