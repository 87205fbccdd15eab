using System.Diagnostics;
using System.Net;
using HostedMail.Net;

namespace HostedMail.IntegrationTests;

/// <summary>
/// The real <c>hostedmail serve</c> executable in its own process, for tests that must kill a
/// node (SIGKILL) or run several nodes as separate processes.
/// </summary>
public sealed class NodeProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> output = new();
    private readonly SemaphoreSlim outputArrived = new(0);

    private static readonly string[] DevelopmentListeners = ["smtp", "submission", "submissions", "imap", "imaps", "pop3", "pop3s"];

    private NodeProcess(Process process) => this.process = process;

    public static async Task<NodeProcess> StartAsync(IReadOnlyDictionary<string, string> settings, int httpPort)
    {
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(ExecutablePath());
        start.ArgumentList.Add("serve");
        // appsettings.json beside the executable names the development listeners (2525, 5587, 1143,
        // ...): a test node starts only the listeners its test names, so it never competes for
        // those ports with a development node or another test's node.
        foreach (var name in DevelopmentListeners.Where(n => !settings.ContainsKey($"Mail:Listeners:{n}:Endpoint")))
        {
            start.Environment[$"HOSTEDMAIL__Mail__Listeners__{name}__Enabled"] = "false";
        }

        // Likewise the silo's ports (11111/30000 by default): free ones unless the test names them.
        foreach (var key in new[] { "SiloPort", "GatewayPort" }.Where(k => !settings.ContainsKey("Orleans:" + k)))
        {
            start.Environment[$"HOSTEDMAIL__Orleans__{key}"] = FreePorts.Next().ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        foreach (var (key, value) in settings)
        {
            // Case kept: listener names are keys (a "submission..." name is the submission role).
            start.Environment["HOSTEDMAIL__" + key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the node");
        var node = new NodeProcess(process);
        process.OutputDataReceived += (_, e) => node.Collect(e.Data);
        process.ErrorDataReceived += (_, e) => node.Collect(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var http = new HttpClient();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            deadline.Token.ThrowIfCancellationRequested();
            if (process.HasExited)
            {
                throw new InvalidOperationException($"the node exited with {process.ExitCode} before it was ready");
            }

            try
            {
                if ((await http.GetAsync(new Uri($"http://127.0.0.1:{httpPort}/readyz"), deadline.Token)).IsSuccessStatusCode)
                {
                    return node;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(100, deadline.Token);
        }
    }

    /// <summary>Every line the node printed so far (stdout and stderr).</summary>
    public IReadOnlyCollection<string> Output => output;

    /// <summary>Waits until the node prints a line containing <paramref name="text"/>; returns it.</summary>
    public async Task<string> WaitForOutputAsync(string text, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        while (true)
        {
            if (output.FirstOrDefault(l => l.Contains(text, StringComparison.Ordinal)) is { } line)
            {
                return line;
            }

            try
            {
                await outputArrived.WaitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"the node did not print \"{text}\" within {timeout}; it printed:\n" + string.Join("\n", output));
            }
        }
    }

    private void Collect(string? line)
    {
        if (line is not null)
        {
            output.Enqueue(line);
            outputArrived.Release();
        }
    }

    /// <summary>Kills the node at once, as a crash or the OOM killer would.</summary>
    public async Task KillAsync()
    {
        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            await KillAsync();
        }

        process.Dispose();
        outputArrived.Dispose();
    }


    /// <summary>A file of the repository this test build belongs to, e.g. <c>script/seed-demo</c>.</summary>
    internal static string RepositoryFile(string relativePath)
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "HostedMail.sln")))
        {
            directory = directory.Parent;
        }

        return Path.Combine(directory?.FullName ?? throw new InvalidOperationException("HostedMail.sln not found above the test output"), relativePath);
    }

    /// <summary>The node's build output next to this test build (same configuration).</summary>
    internal static string ExecutablePath()
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
        var path = RepositoryFile(Path.Combine("src", "HostedMail.Server", "bin", configuration, "net10.0", "hostedmail.dll"));
        return File.Exists(path) ? path : throw new InvalidOperationException($"{path} is missing: build the solution first (script/test does)");
    }
}
