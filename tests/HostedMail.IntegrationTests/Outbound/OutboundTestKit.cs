using System.Globalization;
using System.Text;
using HostedMail.Core.Messages;
using HostedMail.Smtp.Outbound;
using HostedMail.Testing.Dns;
using Microsoft.Extensions.DependencyInjection;

namespace HostedMail.IntegrationTests.Outbound;

/// <summary>Shared steps of the outbound tests: route a test domain to a loopback peer, queue a message, build a processor with a manual clock.</summary>
internal static class OutboundTestKit
{
    /// <summary>The node's own worker runs on the system clock; these tests drive processors with a manual clock instead.</summary>
    public static void PauseNodeWorker(MailNode node) => node.Services.GetRequiredService<OutboundOptions>().Enabled = false;

    /// <summary>MX of <paramref name="domain"/> is mx.<paramref name="domain"/> at 127.0.0.1.</summary>
    public static void RouteToLoopback(MailNode node, string domain)
    {
        node.Dns.Add(domain, TestDnsRecord.Mx(10, "mx." + domain));
        node.Dns.Add("mx." + domain, TestDnsRecord.A("127.0.0.1"));
    }

    public static OutboundQueueProcessor Processor(MailNode node, TimeProvider clock, int port, string name = "node-a", Action<OutboundOptions>? configure = null)
    {
        var options = new OutboundOptions
        {
            DestinationPort = port,
            ConnectTimeout = TimeSpan.FromSeconds(5),
            CommandTimeout = TimeSpan.FromSeconds(20),
            DataTimeout = TimeSpan.FromSeconds(20),
        };
        configure?.Invoke(options);
        return OutboundHosting.CreateProcessor(node.Services, clock, name, options);
    }

    public static async Task<long> TenantAsync(MailNode node, string name = "acme") =>
        long.Parse((await node.QueryAsync("SELECT tenant_id FROM tenants WHERE name = @n", ("n", name)))!, CultureInfo.InvariantCulture);

    public static byte[] Message(string subject, string to) => Encoding.UTF8.GetBytes(
        $"From: Alice <alice@acme.example>\r\nTo: <{to}>\r\nSubject: {subject}\r\nMessage-ID: <{Guid.NewGuid():N}@acme.example>\r\n\r\nHello.\r\n.a line that starts with a dot\r\nBye.\r\n");

    /// <summary>Queues a message as submission would (already signed or not, the queue does not care); returns its queue id.</summary>
    public static async Task<long> EnqueueAsync(MailNode node, TimeProvider clock, string from, IReadOnlyList<string> to, string subject,
        string? notify = null, string? ret = null, string? envId = null, bool requireTls = false, TimeSpan? lifetime = null)
    {
        var tenant = await TenantAsync(node);
        var submission = new OutboundSubmission(tenant, null, from, to.Select(a => new OutboundRecipient(a, notify, "rfc822;" + a)).ToList(), envId, ret, requireTls, false,
            clock.GetUtcNow() + (lifetime ?? TimeSpan.FromDays(5)));
        var store = node.Services.GetRequiredService<IMessageStore>();
        var result = await store.StoreAsync(new StoreRequest(MessageParsing.Prepare(Message(subject, to[0])), [], [submission]), CancellationToken.None);
        return result.QueueIds[0];
    }

    public static Task<string?> StatesAsync(MailNode node, long queueId) =>
        node.QueryAsync("SELECT string_agg(recipient || '=' || state || '/' || attempts, ',' ORDER BY recipient) FROM outbound_recipients WHERE queue_id = @q", ("q", queueId));

    /// <summary>Messages in alice's INBOX whose text contains <paramref name="marker"/> (bounces quote the original header).</summary>
    public static async Task<List<string>> AliceMessagesWithAsync(MailNode node, string marker) =>
        (await node.MessagesAsync("alice@acme.example")).Select(m => Encoding.UTF8.GetString(m)).Where(m => m.Contains(marker, StringComparison.Ordinal)).ToList();
}
