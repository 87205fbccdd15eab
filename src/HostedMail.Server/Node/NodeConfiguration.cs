using Microsoft.Extensions.Configuration;

namespace HostedMail.Server.Node;

/// <summary>
/// The node's configuration: <c>appsettings.json</c> beside the executable, then environment
/// variables <c>HOSTEDMAIL__SECTION__KEY</c>. Explicit overrides (tests) replace the file: a
/// test node must not pick up the development ports and paths of <c>appsettings.json</c>.
/// </summary>
internal static class NodeConfiguration
{
    public const string EnvironmentPrefix = "HOSTEDMAIL__";

    public static IConfigurationBuilder AddHostedMailSources(this IConfigurationBuilder builder, IReadOnlyDictionary<string, string?>? overrides)
    {
        if (overrides is not null)
        {
            return builder.AddInMemoryCollection(overrides);
        }

        builder.AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true, reloadOnChange: false);
        builder.AddEnvironmentVariables(EnvironmentPrefix);
        return builder;
    }

    public static IConfiguration Build(IReadOnlyDictionary<string, string?>? overrides) =>
        new ConfigurationBuilder().AddHostedMailSources(overrides).Build();

    public static string ConnectionString(this IConfiguration configuration) =>
        configuration["Database:ConnectionString"] is { Length: > 0 } cs
            ? cs
            : throw new InvalidOperationException("Database:ConnectionString is not configured (set HOSTEDMAIL__DATABASE__CONNECTIONSTRING)");
}
