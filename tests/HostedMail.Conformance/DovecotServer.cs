using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using HostedMail.Net;
using HostedMail.Testing;

namespace HostedMail.Conformance;

/// <summary>
/// A private Dovecot (the IMAP reference) for one test run: its own configuration, runtime
/// directory, maildir store and passwd-file in a temporary directory, listening on a free
/// loopback port, in the foreground (<c>dovecot -F</c>) as a child of the test process, stopped
/// on dispose. It never uses /etc/dovecot or a system service, so a system Dovecot that Debian's
/// package may have started on port 143 neither conflicts with it nor is needed by it.
/// </summary>
public sealed class DovecotServer : IAsyncDisposable
{
    public const string Password = "conformance password";

    private readonly Process _process;
    private readonly string _directory;

    private DovecotServer(Process process, string directory, int port, string version)
    {
        _process = process;
        _directory = directory;
        Port = port;
        Version = version;
    }

    public int Port { get; }

    public string Version { get; }

    /// <summary>The users the passwd-file holds: "corpus" for the message comparison, "s1".."s99" for conversations (one fresh each).</summary>
    public static IReadOnlyList<string> Users { get; } = ["corpus", .. Enumerable.Range(1, 99).Select(i => "s" + i.ToString(CultureInfo.InvariantCulture))];

    public string LogPath => Path.Combine(_directory, "dovecot.log");

    public static async Task<DovecotServer> StartAsync()
    {
        var binary = "/usr/sbin/dovecot";
        if (!File.Exists(binary))
        {
            throw new InvalidOperationException("Dovecot is not installed: run script/bootstrap (Debian packages dovecot-imapd dovecot-pop3d)");
        }

        var version = (await ExternalProcess.RunAsync(binary, ["--version"])).Output.Trim();
        // The comparison was calibrated against Debian 12's 2.3.19; another version may differ in quirks,
        // which the allow-list would then report as new differences rather than hide.
        if (!version.StartsWith("2.3.", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"expected Dovecot 2.3.x (Debian 12 ships 2.3.19), found {version}");
        }

        var directory = Directory.CreateTempSubdirectory("hostedmail-dovecot-").FullName;
        var isRoot = Environment.UserName == "root" || GetId("-u") == "0";
        string uid, gid, internalUser, loginUser;
        if (isRoot)
        {
            // Dovecot refuses to run mail processes as root; they run as nobody, the login and internal
            // processes as the package's own users (Debian's dovecot-core creates them).
            uid = "65534";
            gid = "65534";
            internalUser = "dovecot";
            loginUser = "dovenull";
        }
        else
        {
            uid = GetId("-u");
            gid = GetId("-g");
            internalUser = Environment.UserName;
            loginUser = Environment.UserName;
        }

        var mail = Path.Combine(directory, "mail");
        Directory.CreateDirectory(mail);
        // The temp directory is 0700 by default; the unprivileged processes must reach their files.
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("Dovecot runs on Linux");
        }

        File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
            UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        if (isRoot)
        {
            await ExternalProcess.RunAsync("chown", [$"{uid}:{gid}", mail]);
        }

        var users = Path.Combine(directory, "users");
        await File.WriteAllLinesAsync(users, Users.Select(u => $"{u}:{{PLAIN}}{Password}::::::"));

        var port = FreePorts.Next();
        var template = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "dovecot", "dovecot.conf"));
        var configuration = template
            .Replace("@DIR@", directory, StringComparison.Ordinal)
            .Replace("@ID@", Path.GetFileName(directory), StringComparison.Ordinal)
            .Replace("@INTERNAL_USER@", internalUser, StringComparison.Ordinal)
            .Replace("@LOGIN_USER@", loginUser, StringComparison.Ordinal)
            .Replace("@UID@", uid, StringComparison.Ordinal)
            .Replace("@GID@", gid, StringComparison.Ordinal)
            .Replace("@PORT@", port.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
        var configurationPath = Path.Combine(directory, "dovecot.conf");
        await File.WriteAllTextAsync(configurationPath, configuration);

        var start = new ProcessStartInfo(binary) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        start.ArgumentList.Add("-F");
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(configurationPath);
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start dovecot");
        var stderr = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEndAsync();
        var server = new DovecotServer(process, directory, port, version);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            if (process.HasExited)
            {
                var log = File.Exists(server.LogPath) ? await File.ReadAllTextAsync(server.LogPath) : string.Empty;
                throw new InvalidOperationException($"dovecot exited with {process.ExitCode}: {await stderr}\n{log}");
            }

            if (await AcceptsAsync(port))
            {
                return server;
            }

            if (DateTime.UtcNow > deadline)
            {
                await server.DisposeAsync();
                throw new TimeoutException($"dovecot did not accept connections on 127.0.0.1:{port} within 30 s");
            }

            // Polling a port for readiness: a short delay between connection attempts, not a sleep
            // standing in for an event (Dovecot has no readiness notification in -F mode).
            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            // SIGTERM to the master (not the process tree): the master stops its children itself.
            await ExternalProcess.RunAsync("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]);
            using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await _process.WaitForExitAsync(cancel.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A child still closing a log file; the temp directory is cleaned by the OS later.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static string GetId(string flag)
    {
        using var process = Process.Start(new ProcessStartInfo("id", flag) { RedirectStandardOutput = true, UseShellExecute = false })!;
        var output = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        return output;
    }


    private static async Task<bool> AcceptsAsync(int port)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
