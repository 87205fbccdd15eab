using System.Net;
using System.Text;
using System.Text.Json;
using HostedMail.Core.Messages;
using HostedMail.Core.Outbound;
using Microsoft.Extensions.DependencyInjection;

namespace HostedMail.Portal.Tests;

/// <summary>Message tracking: a tenant's admins find their sent and received mail with every attempt; nobody else does.</summary>
public sealed class TrackingTests(PortalHost host) : IClassFixture<PortalHost>
{
    [Fact]
    public async Task AnAdminFindsSentAndReceivedMailWithEachAttemptAndTheNotification()
    {
        using var owner = await host.NewTenantAsync("track");
        await host.AddVerifiedDomainAsync(owner, "track.example");
        var alice = (await owner.PostJsonAsync("/api/v1/mailboxes", new { address = "alice@track.example", password = "a long passphrase" }, HttpStatusCode.Created)).GetProperty("id").GetInt64();
        var bob = (await owner.PostJsonAsync("/api/v1/mailboxes", new { address = "bob@track.example", password = "a long passphrase" }, HttpStatusCode.Created)).GetProperty("id").GetInt64();

        // Alice writes to Bob (delivered here) and to a partner elsewhere (queued), one message.
        await StoreAsync(owner.TenantId, "alice@track.example", "<plan-1@track.example>", "Plans for Monday", [bob], ["partner@elsewhere.example"], alice);
        // Unrelated mail in the same days: only the search decides what is found.
        await StoreAsync(owner.TenantId, "bob@track.example", "<other@track.example>", "Lunch?", [alice], [], bob);

        // The partner's server defers once, then refuses for good.
        var queue = host.Services.GetRequiredService<IOutboundQueue>();
        var now = DateTimeOffset.UtcNow;
        var claimed = Assert.Single(await queue.ClaimAsync("node-a", now.AddMinutes(1), TimeSpan.FromMinutes(5), 10, default), m => m.TenantId == owner.TenantId);
        Assert.Equal(1, await queue.RecordAsync(claimed, [Result(DeliveryOutcome.Deferred, "451 4.7.1 greylisted, try later", now, now.AddMinutes(2))], default));
        claimed = Assert.Single(await queue.ClaimAsync("node-a", now.AddMinutes(10), TimeSpan.FromMinutes(5), 10, default), m => m.TenantId == owner.TenantId);
        Assert.Equal(1, await queue.RecordAsync(claimed, [Result(DeliveryOutcome.Failed, "550 5.1.1 no such user", now.AddMinutes(10), null)], default));

        var byId = await owner.GetJsonAsync("/api/v1/tracking?by=messageId&q=plan-1@track.example");
        Assert.Equal(2, byId.GetProperty("total").GetInt32());
        var items = byId.GetProperty("items").EnumerateArray().ToList();
        var sent = items.Single(i => i.GetProperty("kind").GetString() == "outbound");
        Assert.Equal("alice@track.example", sent.GetProperty("sender").GetString());
        Assert.Equal("plan-1@track.example", sent.GetProperty("messageId").GetString());
        Assert.Equal("Plans for Monday", sent.GetProperty("subject").GetString());
        var partner = Assert.Single(sent.GetProperty("recipients").EnumerateArray());
        Assert.Equal("partner@elsewhere.example", partner.GetProperty("address").GetString());
        Assert.Equal("failed", partner.GetProperty("state").GetString());
        Assert.Equal(2, partner.GetProperty("attempts").GetInt32());
        Assert.Equal(["failed"], partner.GetProperty("notifications").EnumerateArray().Select(n => n.GetString()));
        var log = partner.GetProperty("log").EnumerateArray().ToList();
        Assert.Equal(["deferred", "failed"], log.Select(a => a.GetProperty("outcome").GetString()));
        Assert.Equal("451 4.7.1 greylisted, try later", log[0].GetProperty("reply").GetString());
        Assert.Equal("mx.elsewhere.example", log[1].GetProperty("remoteHost").GetString());
        Assert.Equal("TLSv1.3 TLS_AES_128_GCM_SHA256", log[1].GetProperty("tls").GetString());
        var received = items.Single(i => i.GetProperty("kind").GetString() == "received");
        var bobCopy = Assert.Single(received.GetProperty("recipients").EnumerateArray());
        Assert.Equal("bob@track.example", bobCopy.GetProperty("address").GetString());
        Assert.Equal("delivered", bobCopy.GetProperty("state").GetString());
        Assert.Equal("INBOX", bobCopy.GetProperty("folder").GetString());

        // With the brackets too; by recipient (part of an address); by sender.
        Assert.Equal(2, (await owner.GetJsonAsync("/api/v1/tracking?by=messageId&q=%3Cplan-1@track.example%3E")).GetProperty("total").GetInt32());
        var toPartner = await owner.GetJsonAsync("/api/v1/tracking?by=recipient&q=PARTNER@");
        Assert.Equal("outbound", Assert.Single(toPartner.GetProperty("items").EnumerateArray()).GetProperty("kind").GetString());
        var fromBob = await owner.GetJsonAsync("/api/v1/tracking?by=sender&q=bob@track.example");
        Assert.Equal("other@track.example", Assert.Single(fromBob.GetProperty("items").EnumerateArray()).GetProperty("messageId").GetString());
        // LIKE's wildcards are searched for, not used.
        Assert.Equal(0, (await owner.GetJsonAsync("/api/v1/tracking?by=recipient&q=%25")).GetProperty("total").GetInt32());

        // Paging: total counts all, the page holds limit.
        var everything = await owner.GetJsonAsync("/api/v1/tracking?by=recipient&q=@&limit=2");
        Assert.Equal(3, everything.GetProperty("total").GetInt32());
        Assert.Equal(2, everything.GetProperty("items").GetArrayLength());
        Assert.Single((await owner.GetJsonAsync("/api/v1/tracking?by=recipient&q=@&offset=2&limit=2")).GetProperty("items").EnumerateArray());

        // Bad input is a 400 naming the field.
        await PortalClient.ExpectProblemAsync(await owner.GetAsync("/api/v1/tracking?by=subject&q=x"), HttpStatusCode.BadRequest, "by");
        await PortalClient.ExpectProblemAsync(await owner.GetAsync("/api/v1/tracking?q=%20"), HttpStatusCode.BadRequest, "q");
        await PortalClient.ExpectProblemAsync(await owner.GetAsync("/api/v1/tracking?q=a&days=31"), HttpStatusCode.BadRequest, "days");

        // The window: a month later (signed in again), the last day holds none of it, the last 30 days all.
        host.Time.Advance(TimeSpan.FromDays(30));
        await owner.LoginAsync("owner@track.example", "correct horse battery");
        Assert.Equal(0, (await owner.GetJsonAsync("/api/v1/tracking?by=recipient&q=@&days=1")).GetProperty("total").GetInt32());
        Assert.Equal(3, (await owner.GetJsonAsync("/api/v1/tracking?by=recipient&q=@&days=30")).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task AnotherTenantAndTheReadOnlyRoleSeeNothing()
    {
        using var owner = await host.NewTenantAsync("secret-co");
        await host.AddVerifiedDomainAsync(owner, "secret-co.example");
        var ceo = (await owner.PostJsonAsync("/api/v1/mailboxes", new { address = "ceo@secret-co.example", password = "a long passphrase" }, HttpStatusCode.Created)).GetProperty("id").GetInt64();
        await StoreAsync(owner.TenantId, "ceo@secret-co.example", "<merger@secret-co.example>", "The merger", [ceo], ["banker@elsewhere.example"], ceo);
        Assert.Equal(2, (await owner.GetJsonAsync("/api/v1/tracking?by=messageId&q=merger@secret-co.example&days=30")).GetProperty("total").GetInt32());

        using var other = await host.NewTenantAsync("nosy");
        var token = (await other.PostJsonAsync("/api/v1/account/tokens", new { name = "t", scopes = new[] { "tracking:read" } }, HttpStatusCode.Created)).GetProperty("secret").GetString();
        using var otherToken = host.NewClient();
        otherToken.BearerToken = token;
        foreach (var client in new[] { other, otherToken })
        {
            foreach (var query in new[] { "by=messageId&q=merger@secret-co.example", "by=recipient&q=secret-co", "by=sender&q=ceo@", "by=recipient&q=banker" })
            {
                var found = await client.GetJsonAsync($"/api/v1/tracking?{query}&days=30");
                Assert.Equal(0, found.GetProperty("total").GetInt32());
                Assert.DoesNotContain("secret-co", found.ToString(), StringComparison.Ordinal);
            }
        }

        // A token without the scope, and a read-only user of the same tenant: 403.
        var auditToken = (await owner.PostJsonAsync("/api/v1/account/tokens", new { name = "a", scopes = new[] { "audit:read", "mailboxes:read" } }, HttpStatusCode.Created)).GetProperty("secret").GetString();
        using var withoutScope = host.NewClient();
        withoutScope.BearerToken = auditToken;
        await PortalClient.ExpectProblemAsync(await withoutScope.GetAsync("/api/v1/tracking?q=ceo"), HttpStatusCode.Forbidden);
        await owner.PostJsonAsync("/api/v1/users", new { email = "viewer@secret-co.example", role = "read_only" }, HttpStatusCode.Created);
        using var viewer = host.NewClient();
        await PortalClient.ExpectAsync(await viewer.PostAsync("/api/v1/auth/password-reset/confirm", new { token = host.Mail.TokenFor("viewer@secret-co.example"), newPassword = "a chosen passphrase" }), HttpStatusCode.NoContent);
        await viewer.LoginAsync("viewer@secret-co.example", "a chosen passphrase");
        await viewer.GetJsonAsync("/api/v1/audit");
        await PortalClient.ExpectProblemAsync(await viewer.GetAsync("/api/v1/tracking?q=ceo"), HttpStatusCode.Forbidden);
    }

    private async Task StoreAsync(long tenantId, string from, string messageId, string subject, long[] localMailboxes, string[] remote, long senderMailbox)
    {
        var text = $"From: {from}\r\nTo: someone@track.example\r\nSubject: {subject}\r\nMessage-ID: {messageId}\r\nDate: Mon, 23 Nov 2026 12:00:00 +0000\r\n\r\nHello.\r\n";
        var now = DateTimeOffset.UtcNow;
        var deliveries = localMailboxes.Select(m => new MailboxDelivery(tenantId, m, null, MessageFlags.None, [], now)).ToList();
        var outbound = remote.Length == 0 ? Array.Empty<OutboundSubmission>()
            : [new OutboundSubmission(tenantId, senderMailbox, from, [.. remote.Select(r => new OutboundRecipient(r, null, null))], null, null, false, false, now.AddDays(5))];
        await host.Services.GetRequiredService<IMessageStore>().StoreAsync(new StoreRequest(MessageParsing.Prepare(Encoding.ASCII.GetBytes(text)), deliveries, outbound), default);
    }

    private static RecipientResult Result(DeliveryOutcome outcome, string reply, DateTimeOffset at, DateTimeOffset? next) =>
        new("partner@elsewhere.example", outcome, reply, at, next, "mx.elsewhere.example", "192.0.2.7", "TLSv1.3", "TLS_AES_128_GCM_SHA256", TimeSpan.FromMilliseconds(120), "node-a");
}
