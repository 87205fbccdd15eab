using System.CommandLine;
using HostedMail.Server.Cli;

namespace HostedMail.IntegrationTests.Cli;

/// <summary>Issue 18 item 10: every command, <c>serve</c> included, answers <c>--help</c> with what it does; docs/operations.md documents every one.</summary>
public sealed class CommandHelpTests
{
    private readonly CliRunner cli = new("Host=127.0.0.1;Port=1;Database=unused");

    public static TheoryData<string> CommandPaths()
    {
        var data = new TheoryData<string>();
        foreach (var path in AllPaths())
        {
            data.Add(path);
        }

        return data;
    }

    private static List<string> AllPaths() => Walk(HostedMailCli.Root(new CliContext(TextReader.Null, TextWriter.Null, TextWriter.Null, null)), []).ToList();

    [Theory]
    [MemberData(nameof(CommandPaths))]
    public async Task EveryCommandExplainsItselfInHelp(string path)
    {
        var args = path.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var result = await cli.RunAsync([.. args, "--help"]);
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("Description:", result.Output, StringComparison.Ordinal);
        Assert.Contains("Usage:", result.Output, StringComparison.Ordinal);
        Assert.Contains($" {path}", result.Output.Split("Usage:")[1], StringComparison.Ordinal);
        // The description is the line after "Description:" and says something.
        var description = result.Output.Split('\n').SkipWhile(l => !l.StartsWith("Description:", StringComparison.Ordinal)).Skip(1).First().Trim();
        Assert.True(description.Length >= 15, $"`{path} --help` has no real description: '{description}'");
    }

    [Fact]
    public async Task ServeHelpSaysWhatANodeRunsAndWhereItsConfigurationComesFrom()
    {
        var help = (await cli.RunAsync("serve", "--help")).Output;
        foreach (var word in new[] { "Mail:Listeners", "portal API", "Http:Urls", "outbound queue", "migrations", "HOSTEDMAIL__SECTION__KEY", "SIGTERM" })
        {
            Assert.Contains(word, help, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void OperationsGuideDocumentsEveryCommand()
    {
        var guide = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "operations.md"));
        foreach (var path in AllPaths())
        {
            Assert.True(guide.Contains("hostedmail " + path, StringComparison.Ordinal), $"docs/operations.md does not document `hostedmail {path}`");
        }
    }

    private static IEnumerable<string> Walk(Command command, IReadOnlyList<string> parents)
    {
        foreach (var sub in command.Subcommands)
        {
            var path = parents.Append(sub.Name).ToList();
            yield return string.Join(' ', path);
            foreach (var deeper in Walk(sub, path))
            {
                yield return deeper;
            }
        }
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "HostedMail.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("HostedMail.sln not found above the test output");
    }
}
