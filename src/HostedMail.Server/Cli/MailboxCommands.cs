using System.CommandLine;
using System.Globalization;
using HostedMail.Core.Audit;
using HostedMail.Core.Domains;
using HostedMail.Core.Mailboxes;
using HostedMail.Core.Tenants;
using Microsoft.Extensions.DependencyInjection;

namespace HostedMail.Server.Cli;

internal static class MailboxCommands
{
    public static Command Create(CliContext context)
    {
        var address = new Argument<string>("address") { Description = "The mailbox address, e.g. alice@example.com" };
        var tenant = TenantCommands.TenantOption(required: true);
        var password = new Option<string?>("--password") { Description = "The password (prefer --password-stdin: command lines are visible to other users)" };
        var passwordStdin = new Option<bool>("--password-stdin") { Description = "Read the password from the first line of standard input" };
        var quota = new Option<string?>("--quota") { Description = "Storage quota, e.g. 500M or 2G (default 1G)" };
        var displayName = new Option<string?>("--name") { Description = "Display name" };
        var create = new Command("create", "Create a mailbox with its default folders and a password") { address, tenant, password, passwordStdin, quota, displayName };
        create.SetAction((parse, ct) => context.RunAsync(async services =>
        {
            var tenants = services.GetRequiredService<TenantService>();
            var t = await tenants.GetAsync(parse.GetValue(tenant)!, ct);
            var secret = context.ReadPassword(parse.GetValue(password), parse.GetValue(passwordStdin));
            long? quotaBytes = parse.GetValue(quota) is { } q ? ByteSize.Parse(q) : null;
            // Through the tenant's plan limits (mailboxes, storage), as the portal does.
            var mailbox = await tenants.CreateMailboxAsync(t.TenantId, parse.GetValue(address)!, secret, quotaBytes, parse.GetValue(displayName), Actor.OperatorCli, ct);
            context.Out.WriteLine($"created mailbox {mailbox.Address} in tenant '{t.Name}' (quota {ByteSize.Format(mailbox.QuotaBytes)})");
        }));

        var listTenant = TenantCommands.TenantOption(required: false);
        var listDomain = new Option<string?>("--domain") { Description = "Only mailboxes of this domain" };
        var list = new Command("list", "List mailboxes with their tenant, state, storage used and quota") { listTenant, listDomain };
        list.SetAction((parse, ct) => context.RunAsync(async services =>
        {
            long? tenantId = parse.GetValue(listTenant) is { } tr ? (await services.GetRequiredService<TenantService>().GetAsync(tr, ct)).TenantId : null;
            long? domainId = null;
            if (parse.GetValue(listDomain) is { } dn)
            {
                var domains = services.GetRequiredService<DomainService>();
                var domain = tenantId is { } id ? await domains.GetAsync(id, dn, ct) : await domains.ResolveOwnerAsync(dn, ct);
                (tenantId, domainId) = (domain.TenantId, domain.DomainId);
            }

            var mailboxes = await services.GetRequiredService<MailboxService>().ListAsync(tenantId, domainId, ct);
            Table.Write(context.Out, ["TENANT", "ADDRESS", "STATE", "USED", "QUOTA", "NAME"], mailboxes.Select(m => (IReadOnlyList<string>)
                [m.TenantId.ToString(CultureInfo.InvariantCulture), m.Address, m.State.ToString().ToLowerInvariant(),
                 ByteSize.Format(m.UsedBytes), ByteSize.Format(m.QuotaBytes), m.DisplayName ?? ""]));
        }));

        var pwAddress = new Argument<string>("address") { Description = "The mailbox address" };
        var pwTenant = TenantCommands.TenantOption(required: false);
        var pwPassword = new Option<string?>("--password") { Description = "The new password" };
        var pwStdin = new Option<bool>("--password-stdin") { Description = "Read the new password from standard input" };
        var setPassword = new Command("set-password", "Set a mailbox's password; the old one stops working at once on every node and open sessions end") { pwAddress, pwTenant, pwPassword, pwStdin };
        setPassword.SetAction((parse, ct) => context.RunAsync(async services =>
        {
            var tenantId = await ResolveTenantAsync(services, parse.GetValue(pwTenant), parse.GetValue(pwAddress)!, ct);
            var secret = context.ReadPassword(parse.GetValue(pwPassword), parse.GetValue(pwStdin));
            await services.GetRequiredService<MailboxService>().SetPasswordAsync(tenantId, parse.GetValue(pwAddress)!, secret, Actor.OperatorCli, ct);
            context.Out.WriteLine($"password of {MailAddress.Parse(parse.GetValue(pwAddress)!)} changed");
        }));

        var delAddress = new Argument<string>("address") { Description = "The mailbox address" };
        var delTenant = TenantCommands.TenantOption(required: false);
        var delete = new Command("delete", "Delete a mailbox with all its folders and messages") { delAddress, delTenant };
        delete.SetAction((parse, ct) => context.RunAsync(async services =>
        {
            var tenantId = await ResolveTenantAsync(services, parse.GetValue(delTenant), parse.GetValue(delAddress)!, ct);
            await services.GetRequiredService<MailboxService>().DeleteAsync(tenantId, parse.GetValue(delAddress)!, Actor.OperatorCli, ct);
            context.Out.WriteLine($"deleted mailbox {MailAddress.Parse(parse.GetValue(delAddress)!)}");
        }));

        return new Command("mailbox", "Manage mailboxes: create, list, set-password, delete") { create, list, setPassword, delete };
    }

    /// <summary>The tenant named by --tenant, else the one tenant holding the address's domain.</summary>
    internal static async Task<long> ResolveTenantAsync(IServiceProvider services, string? tenantReference, string address, CancellationToken ct)
    {
        if (tenantReference is not null)
        {
            return (await services.GetRequiredService<TenantService>().GetAsync(tenantReference, ct)).TenantId;
        }

        return (await services.GetRequiredService<DomainService>().ResolveOwnerAsync(MailAddress.Parse(address, allowCatchAll: true).Domain, ct)).TenantId;
    }
}
