using System.Net;
using HostedMail.Core.Mailboxes;
using HostedMail.Identity.MailLogin;
using Microsoft.Extensions.DependencyInjection;

namespace HostedMail.Portal.Tests;

public sealed class MailboxTests(PortalHost host) : IClassFixture<PortalHost>
{
    [Fact]
    public async Task MailboxesAreCreatedChangedDisabledAndDeleted()
    {
        using var client = await host.NewTenantAsync("boxes");
        var domainId = await host.AddVerifiedDomainAsync(client, "boxes.example");
        await PortalClient.ExpectProblemAsync(await client.PostAsync("/api/v1/mailboxes", new { address = "alice@boxes.example", password = "alice12345" }), HttpStatusCode.BadRequest, "password");
        await PortalClient.ExpectProblemAsync(await client.PostAsync("/api/v1/mailboxes", new { address = "not an address", password = "a long passphrase" }), HttpStatusCode.BadRequest, "address");
        await PortalClient.ExpectProblemAsync(await client.PostAsync("/api/v1/mailboxes", new { address = "alice@other.example", password = "a long passphrase" }), HttpStatusCode.NotFound);
        var created = await client.PostJsonAsync("/api/v1/mailboxes", new { address = "Alice@Boxes.example", password = "a long passphrase", quotaBytes = 1L << 20, displayName = "Alice" }, HttpStatusCode.Created);
        var id = created.GetProperty("id").GetInt64();
        Assert.Equal("alice@boxes.example", created.GetProperty("address").GetString());
        await PortalClient.ExpectProblemAsync(await client.PostAsync("/api/v1/mailboxes", new { address = "alice@boxes.example", password = "a long passphrase" }), HttpStatusCode.Conflict);

        var list = await client.GetJsonAsync($"/api/v1/mailboxes?domainId={domainId}");
        Assert.Equal(1, list.GetProperty("total").GetInt32());
        Assert.Equal(0, list.GetProperty("items")[0].GetProperty("usedBytes").GetInt64());

        var signIn = host.Services.GetRequiredService<MailboxSignIn>();
        Assert.NotNull(await signIn.AuthenticateAsync("alice@boxes.example", "a long passphrase"));
        var patched = await PortalClient.ExpectAsync(await client.PatchAsync($"/api/v1/mailboxes/{id}", new { quotaBytes = 2L << 20, enabled = false }), HttpStatusCode.OK);
        Assert.Equal("disabled", patched.GetProperty("state").GetString());
        Assert.Equal(2L << 20, patched.GetProperty("quotaBytes").GetInt64());
        Assert.Null(await signIn.AuthenticateAsync("alice@boxes.example", "a long passphrase"));
        await PortalClient.ExpectAsync(await client.PatchAsync($"/api/v1/mailboxes/{id}", new { enabled = true }), HttpStatusCode.OK);
        await PortalClient.ExpectProblemAsync(await client.PatchAsync($"/api/v1/mailboxes/{id}", new { quotaBytes = 0 }), HttpStatusCode.BadRequest, "quotaBytes");
        await PortalClient.ExpectProblemAsync(await client.PatchAsync($"/api/v1/mailboxes/{id}", new { quotaBytes = 100L << 30 }), HttpStatusCode.Forbidden);

        await PortalClient.ExpectProblemAsync(await client.PutAsync($"/api/v1/mailboxes/{id}/password", new { password = "short" }), HttpStatusCode.BadRequest, "password");
        await PortalClient.ExpectAsync(await client.PutAsync($"/api/v1/mailboxes/{id}/password", new { password = "another long passphrase" }), HttpStatusCode.NoContent);
        Assert.NotNull(await signIn.AuthenticateAsync("alice@boxes.example", "another long passphrase"));

        await PortalClient.ExpectAsync(await client.DeleteAsync($"/api/v1/mailboxes/{id}"), HttpStatusCode.NoContent);
        await PortalClient.ExpectProblemAsync(await client.GetAsync($"/api/v1/mailboxes/{id}"), HttpStatusCode.NotFound);
        Assert.Null(await signIn.AuthenticateAsync("alice@boxes.example", "another long passphrase"));
    }

    [Fact]
    public async Task AnAppPasswordCreatedThroughTheApiLogsInUntilRevoked()
    {
        using var client = await host.NewTenantAsync("apppw");
        await host.AddVerifiedDomainAsync(client, "apppw.example");
        var mailbox = await client.PostJsonAsync("/api/v1/mailboxes", new { address = "bob@apppw.example", password = "his long passphrase" }, HttpStatusCode.Created);
        var id = mailbox.GetProperty("id").GetInt64();
        await PortalClient.ExpectProblemAsync(await client.PostAsync($"/api/v1/mailboxes/{id}/app-passwords", new { name = "" }), HttpStatusCode.BadRequest, "name");
        var created = await client.PostJsonAsync($"/api/v1/mailboxes/{id}/app-passwords", new { name = "Thunderbird on laptop" }, HttpStatusCode.Created);
        var password = created.GetProperty("password").GetString()!;
        Assert.Matches("^[a-z2-7]{4}(-[a-z2-7]{4}){4}$", password);

        var signIn = host.Services.GetRequiredService<MailboxSignIn>();
        var listed = (await client.GetJsonAsync($"/api/v1/mailboxes/{id}/app-passwords")).GetProperty("items");
        Assert.Equal(System.Text.Json.JsonValueKind.Null, listed[0].GetProperty("lastUsedAt").ValueKind);
        Assert.DoesNotContain(password, listed.ToString());

        // As typed into a client: with the dashes, without them, with spaces, upper case.
        Assert.Equal("bob@apppw.example", (await signIn.AuthenticateAsync("bob@apppw.example", password))?.Address);
        Assert.NotNull(await signIn.AuthenticateAsync("bob@apppw.example", password.Replace("-", "", StringComparison.Ordinal)));
        Assert.NotNull(await signIn.AuthenticateAsync("bob@apppw.example", password.Replace("-", " ", StringComparison.Ordinal).ToUpperInvariant()));
        Assert.NotNull(await signIn.AuthenticateAsync("bob@apppw.example", "his long passphrase"));
        Assert.Null(await signIn.AuthenticateAsync("bob@apppw.example", "aaaa-bbbb-cccc-dddd-eeee"));
        Assert.NotEqual(System.Text.Json.JsonValueKind.Null, (await client.GetJsonAsync($"/api/v1/mailboxes/{id}/app-passwords")).GetProperty("items")[0].GetProperty("lastUsedAt").ValueKind);

        // Another mailbox does not accept it.
        await client.PostJsonAsync("/api/v1/mailboxes", new { address = "carol@apppw.example", password = "her long passphrase" }, HttpStatusCode.Created);
        Assert.Null(await signIn.AuthenticateAsync("carol@apppw.example", password));

        var appId = created.GetProperty("appPassword").GetProperty("id").GetInt64();
        await PortalClient.ExpectAsync(await client.DeleteAsync($"/api/v1/mailboxes/{id}/app-passwords/{appId}"), HttpStatusCode.NoContent);
        await PortalClient.ExpectProblemAsync(await client.DeleteAsync($"/api/v1/mailboxes/{id}/app-passwords/{appId}"), HttpStatusCode.NotFound);
        Assert.Null(await signIn.AuthenticateAsync("bob@apppw.example", password));
    }

    [Fact]
    public async Task PlanLimitsRefuseTheFourthMailbox()
    {
        using var client = await host.NewTenantAsync("boxlimit");
        await host.AddVerifiedDomainAsync(client, "boxlimit.example");
        for (var i = 0; i < 3; i++)
        {
            await client.PostJsonAsync("/api/v1/mailboxes", new { address = $"user{i}@boxlimit.example", password = "a long passphrase", quotaBytes = 1L << 20 }, HttpStatusCode.Created);
        }

        var problem = await PortalClient.ExpectProblemAsync(await client.PostAsync("/api/v1/mailboxes", new { address = "user3@boxlimit.example", password = "a long passphrase" }), HttpStatusCode.Forbidden);
        Assert.Equal("mailboxes", problem.GetProperty("limit").GetString());
    }

    [Fact]
    public async Task AliasesAndCatchAll()
    {
        using var client = await host.NewTenantAsync("aliases");
        await host.AddVerifiedDomainAsync(client, "aliases.example");
        await client.PostJsonAsync("/api/v1/mailboxes", new { address = "dora@aliases.example", password = "a long passphrase" }, HttpStatusCode.Created);
        await PortalClient.ExpectProblemAsync(await client.PostAsync("/api/v1/aliases", new { address = "sales@aliases.example", targets = Array.Empty<string>() }), HttpStatusCode.BadRequest, "targets");
        await PortalClient.ExpectProblemAsync(await client.PostAsync("/api/v1/aliases", new { address = "sales@aliases.example", targets = new[] { "ghost@aliases.example" } }), HttpStatusCode.BadRequest, "targets");
        var alias = await client.PostJsonAsync("/api/v1/aliases", new { address = "sales@aliases.example", targets = new[] { "dora@aliases.example", "partner@elsewhere.example" } }, HttpStatusCode.Created);
        var catchAll = await client.PostJsonAsync("/api/v1/aliases", new { address = "*@aliases.example", targets = new[] { "dora@aliases.example" } }, HttpStatusCode.Created);
        Assert.True(catchAll.GetProperty("catchAll").GetBoolean());
        await PortalClient.ExpectProblemAsync(await client.PostAsync("/api/v1/aliases", new { address = "dora@aliases.example", targets = new[] { "partner@elsewhere.example" } }), HttpStatusCode.Conflict);

        var id = alias.GetProperty("id").GetInt64();
        await PortalClient.ExpectProblemAsync(await client.PutAsync($"/api/v1/aliases/{id}/targets", new { targets = new[] { "sales@aliases.example" } }), HttpStatusCode.BadRequest, "targets");
        var updated = await PortalClient.ExpectAsync(await client.PutAsync($"/api/v1/aliases/{id}/targets", new { targets = new[] { "other@elsewhere.example" } }), HttpStatusCode.OK);
        Assert.Equal("other@elsewhere.example", updated.GetProperty("targets")[0].GetString());
        Assert.Equal(2, (await client.GetJsonAsync("/api/v1/aliases")).GetProperty("total").GetInt32());
        await PortalClient.ExpectAsync(await client.DeleteAsync($"/api/v1/aliases/{id}"), HttpStatusCode.NoContent);
        await PortalClient.ExpectProblemAsync(await client.GetAsync($"/api/v1/aliases/{id}"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task TheAuditLogListsChangesWithActorAndAddressAndPages()
    {
        using var client = await host.NewTenantAsync("audit");
        await host.AddVerifiedDomainAsync(client, "audit.example");
        var page = await client.GetJsonAsync("/api/v1/audit?limit=2");
        var items = page.GetProperty("items");
        Assert.Equal(2, items.GetArrayLength());
        Assert.Equal("domain.verify", items[0].GetProperty("action").GetString());
        Assert.Equal("user:owner@audit.example", items[0].GetProperty("actor").GetString());
        Assert.Equal("127.0.0.1", items[0].GetProperty("remoteAddress").GetString());
        var next = await client.GetJsonAsync($"/api/v1/audit?limit=50&before={page.GetProperty("nextBefore").GetInt64()}");
        var actions = next.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("action").GetString()).ToList();
        Assert.Contains("tenant.signup", actions);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, next.GetProperty("nextBefore").ValueKind);
        await PortalClient.ExpectProblemAsync(await client.GetAsync("/api/v1/audit?limit=0"), HttpStatusCode.BadRequest, "limit");
    }
}
