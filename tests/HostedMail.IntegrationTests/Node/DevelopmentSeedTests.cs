using System.Diagnostics;
using HostedMail.Core.Mailboxes;
using HostedMail.Identity.MailLogin;
using HostedMail.IntegrationTests.Cli;
using HostedMail.Server.Node;
using HostedMail.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace HostedMail.IntegrationTests.Node;

/// <summary>
/// Issue 18 item 9: the demo password script/server prints is the one that works. script/seed-demo
/// (what script/server runs) against a real database, with the real hostedmail executable.
/// </summary>
public sealed class DevelopmentSeedTests
{
    [Fact]
    public async Task AnExistingDemoMailboxIsResetToThePrintedPassword()
    {
        await using var database = await TestDatabase.CreateMigratedAsync();
        var cli = new CliRunner(database.ConnectionString);
        // An earlier run (or the portal) left the demo mailbox with another password than the file's.
        await cli.OkAsync("tenant", "create", "demo");
        await cli.OkAsync("domain", "add", "example.test", "--tenant", "demo", "--verified");
        await cli.OkAsync("mailbox", "create", "demo@example.test", "--tenant", "demo", "--password", "an older secret phrase");
        using var directory = new TemporaryDirectory();
        var passwordFile = Path.Combine(directory.Path, "demo-password");
        await File.WriteAllTextAsync(passwordFile, "Fresh0Passphrase42");

        var printed = await SeedAsync(database.ConnectionString, passwordFile);

        Assert.Equal("Fresh0Passphrase42", printed);
        Assert.NotNull(await AuthenticateAsync(database.ConnectionString, printed));
        Assert.Null(await AuthenticateAsync(database.ConnectionString, "an older secret phrase"));
    }

    [Fact]
    public async Task AFreshDatabaseGetsTheDemoTenantAndAGeneratedPasswordThatWorksTwice()
    {
        await using var database = await TestDatabase.CreateMigratedAsync();
        using var directory = new TemporaryDirectory();
        var passwordFile = Path.Combine(directory.Path, "demo-password");

        var printed = await SeedAsync(database.ConnectionString, passwordFile);
        Assert.Equal(printed, await File.ReadAllTextAsync(passwordFile));
        Assert.True(printed.Length >= 15, printed);
        Assert.NotNull(await AuthenticateAsync(database.ConnectionString, printed));

        // A second start keeps the file's password and it still works.
        Assert.Equal(printed, await SeedAsync(database.ConnectionString, passwordFile));
        Assert.NotNull(await AuthenticateAsync(database.ConnectionString, printed));
        Assert.Contains("demo@example.test", await new CliRunner(database.ConnectionString).OkAsync("mailbox", "list", "--tenant", "demo"), StringComparison.Ordinal);
    }

    private static async Task<string> SeedAsync(string connectionString, string passwordFile)
    {
        var start = new ProcessStartInfo("bash") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(NodeProcess.RepositoryFile(Path.Combine("script", "seed-demo")));
        start.Environment["DLL"] = NodeProcess.ExecutablePath();
        start.Environment["DEMO_PASSWORD_FILE"] = passwordFile;
        start.Environment["HOSTEDMAIL__DATABASE__CONNECTIONSTRING"] = connectionString;
        start.Environment["HOSTEDMAIL__SECURITY__PASSWORDHASHITERATIONS"] = "1000";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"seed-demo failed ({process.ExitCode}): {await error}");
        return (await output).TrimEnd('\n');
    }

    private static async Task<Mailbox?> AuthenticateAsync(string connectionString, string password)
    {
        var configuration = NodeConfiguration.Build(new Dictionary<string, string?> { ["Database:ConnectionString"] = connectionString });
        await using var services = new ServiceCollection().AddHostedMailCore(configuration).BuildServiceProvider();
        return await services.GetRequiredService<MailboxSignIn>().AuthenticateAsync("demo@example.test", password);
    }

    private sealed class TemporaryDirectory : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("hm-seed-").FullName;

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
