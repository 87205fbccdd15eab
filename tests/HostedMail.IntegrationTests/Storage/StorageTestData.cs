using System.Globalization;
using HostedMail.Core.Mailboxes;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace HostedMail.IntegrationTests.Storage;

/// <summary>What the storage tests share: mailboxes made as an operator makes them (the CLI), and a look at the database.</summary>
internal static class StorageTestData
{
    /// <summary>A new mailbox: in a new tenant and domain, or beside <paramref name="sibling"/>.</summary>
    public static async Task<Mailbox> CreateMailboxAsync(string connectionString, IServiceProvider services, string name, Mailbox? sibling = null)
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

    /// <summary>The first column of the first row as text ("" for none or NULL).</summary>
    public static async Task<string> QueryAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToString(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture) ?? string.Empty;
    }
}
