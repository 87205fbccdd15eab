using System.Diagnostics;

namespace HostedMail.Pop3.Tests;

/// <summary>Runs a real client program (python3, fetchmail) and captures its output.</summary>
internal static class ExternalClient
{
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(string program, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(Require(program))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {program}");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} did not finish in 60 s: {await output}{await error}");
        }

        return (process.ExitCode, await output, await error);
    }

    /// <summary>The program's path, or a failure that names the Debian package to install.</summary>
    private static string Require(string program)
    {
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin").Split(':'))
        {
            var candidate = Path.Combine(directory, program);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        var package = program == "fetchmail" ? "fetchmail" : "python3";
        throw new InvalidOperationException($"{program} is not installed: apt-get install -y {package}");
    }
}
