using HostedMail.Server.Cli;

namespace HostedMail.IntegrationTests.Cli;

/// <summary>Runs the real command line in-process against a test database and captures its output.</summary>
/// <summary>Runs operator commands in-process against the database (and <paramref name="settings"/>, when given).</summary>
public sealed class CliRunner(string connectionString, IReadOnlyDictionary<string, string?>? settings = null)
{
    public async Task<CliResult> RunWithInputAsync(string stdin, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var overrides = new Dictionary<string, string?>
        {
            ["Database:ConnectionString"] = connectionString,
            // Hashing cost is not under test here; keep CLI tests fast.
            ["Security:PasswordHashIterations"] = "1000",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            overrides[key] = value;
        }

        var exitCode = await HostedMailCli.RunAsync(args, new StringReader(stdin), output, error, overrides);
        return new CliResult(exitCode, output.ToString(), error.ToString());
    }

    public Task<CliResult> RunAsync(params string[] args) => RunWithInputAsync(string.Empty, args);

    /// <summary>Runs a command that must succeed, and returns its standard output.</summary>
    public async Task<string> OkAsync(params string[] args)
    {
        var result = await RunAsync(args);
        Assert.True(result.ExitCode == 0, $"`hostedmail {string.Join(' ', args)}` failed ({result.ExitCode}): {result.Error}");
        return result.Output;
    }

    /// <summary>Runs a command that must fail with one line on stderr, and returns that line.</summary>
    public async Task<string> FailsAsync(params string[] args)
    {
        var result = await RunAsync(args);
        Assert.True(result.ExitCode != 0, $"`hostedmail {string.Join(' ', args)}` succeeded but should have failed: {result.Output}");
        var lines = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("error: ", lines[0], StringComparison.Ordinal);
        return lines[0];
    }
}

public sealed record CliResult(int ExitCode, string Output, string Error);
