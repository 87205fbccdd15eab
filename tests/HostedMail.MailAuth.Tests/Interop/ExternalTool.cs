using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace HostedMail.MailAuth.Tests.Interop;

/// <summary>Runs Debian's reference implementations; a missing tool fails the test with the package to install.</summary>
internal static class ExternalTool
{
    // Debian's interpreter: the python3 on PATH may be pyenv's, without python3-dkim and python3-spf.
    public const string Python = "/usr/bin/python3";

    public static void Require(string path, string package)
    {
        if (!File.Exists(path))
        {
            Assert.Fail($"{path} is missing: install the Debian package '{package}' (apt-get install -y {package}).");
        }
    }

    /// <summary>Python lines that point dnspython's default resolver at the loopback test server.</summary>
    public static string DnsPrelude(IPEndPoint server) => string.Join('\n',
        "import dns.resolver",
        "r = dns.resolver.Resolver(configure=False)",
        $"r.nameservers = ['{server.Address}']",
        $"r.port = {server.Port.ToString(CultureInfo.InvariantCulture)}",
        "r.timeout = 2",
        "r.lifetime = 4",
        "dns.resolver.default_resolver = r",
        string.Empty);

    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string fileName, IEnumerable<string> arguments, byte[]? stdin, TimeSpan? timeout = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {fileName}");
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        var output = new MemoryStream();
        var error = new MemoryStream();
        var readOut = process.StandardOutput.BaseStream.CopyToAsync(output, cancel.Token);
        var readErr = process.StandardError.BaseStream.CopyToAsync(error, cancel.Token);
        if (stdin is not null)
        {
            await process.StandardInput.BaseStream.WriteAsync(stdin, cancel.Token);
        }

        process.StandardInput.Close();
        try
        {
            await process.WaitForExitAsync(cancel.Token);
            await Task.WhenAll(readOut, readErr);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{fileName} did not finish in time");
        }

        return (process.ExitCode, System.Text.Encoding.UTF8.GetString(output.ToArray()), System.Text.Encoding.UTF8.GetString(error.ToArray()));
    }
}
