using System.Globalization;
using HostedMail.Core.Mailboxes;
using Microsoft.Extensions.DependencyInjection;

namespace HostedMail.IntegrationTests.Storage;

/// <summary>Mailboxes for the storage tests, made as an operator makes them (the CLI).</summary>
internal static class StorageTestMailboxes
{
    /// <summary>A new mailbox: in a new tenant and domain, or beside <paramref name="sibling"/>.</summary>
    public static async Task<Mailbox> CreateAsync(string connectionString, IServiceProvider services, string name, Mailbox? sibling = null)
    {
        var cli = new Cli.CliRunner(connectionString);
        var domain = sibling?.Address.Split('@')[1] ?? name + ".example";
        var tenant = sibling?.TenantId.ToString(CultureInfo.InvariantCulture) ?? name + "-co";
        if (sibling is null)
        {
            await cli.OkAsync("tenant", "create", tenant);
            await cli.OkAsync("domain", "add", domain, "--tenant", tenant, "--verified");
        }

        await cli.OkAsync("mailbox", "create", $"{name}@{domain}", "--tenant", tenant, "--password", "a long enough password");
        return (await services.GetRequiredService<IMailboxStore>().ListAsync(null, null, CancellationToken.None)).Single(m => m.Address == $"{name}@{domain}");
    }
}
