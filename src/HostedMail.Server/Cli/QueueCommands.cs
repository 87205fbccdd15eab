using System.CommandLine;
using System.Globalization;
using HostedMail.Core;
using HostedMail.Core.Audit;
using HostedMail.Core.Domains;
using HostedMail.Core.Outbound;
using HostedMail.Core.Tenants;
using Microsoft.Extensions.DependencyInjection;

namespace HostedMail.Server.Cli;

/// <summary>
/// <c>queue list|show|retry|delete</c>: the outbound queue of every tenant. Delete drops a message
/// without telling its sender, like Postfix <c>postsuper -d</c>: operators delete mail that should
/// never have been sent (spam from a stolen password, a mail loop), and a bounce of it would be
/// backscatter. docs/operations.md explains the choice.
/// </summary>
internal static class QueueCommands
{
    public const int DefaultPageSize = 50;
    public const int MaximumPageSize = 1000;

    public static Command Create(CliContext context) =>
        new("queue", "Inspect and manage the outbound queue: list, show, retry, delete") { List(context), Show(context), Retry(context), Delete(context) };

    private static Command List(CliContext context)
    {
        var state = new Option<string>("--state") { Description = "Messages with a recipient in this state: queued (default), delivered, failed, expired, or all", DefaultValueFactory = _ => "queued" };
        var domain = new Option<string?>("--domain") { Description = "Messages with a recipient (in --state) at this domain" };
        var tenant = TenantCommands.TenantOption(required: false);
        var limit = new Option<int>("--limit") { Description = $"Messages per page (1-{MaximumPageSize})", DefaultValueFactory = _ => DefaultPageSize };
        var after = new Option<long>("--after") { Description = "The next page: messages after this queue id (printed at the end of a full page)" };
        var command = new Command("list", "List queued messages (oldest first) with recipient counts, the next attempt and the last reply") { state, domain, tenant, limit, after };
        command.SetAction((parse, ct) => context.RunAsync(async services =>
        {
            var stateValue = parse.GetValue(state)!.Trim().ToLowerInvariant();
            if (stateValue != "all" && !QueueListFilter.States.Contains(stateValue))
            {
                throw new CliUsageException($"--state must be one of {string.Join(", ", QueueListFilter.States)}, all");
            }

            var pageSize = parse.GetValue(limit);
            if (pageSize is < 1 or > MaximumPageSize)
            {
                throw new CliUsageException($"--limit must be between 1 and {MaximumPageSize}");
            }

            string? domainValue = null;
            if (parse.GetValue(domain) is { } d)
            {
                if (DomainName.TryNormalize(d, out var normalized) is { } problem)
                {
                    throw new CliUsageException(problem);
                }

                domainValue = normalized;
            }

            long? tenantId = parse.GetValue(tenant) is { } t ? (await services.GetRequiredService<TenantService>().GetAsync(t, ct)).TenantId : null;
            var filter = new QueueListFilter(stateValue == "all" ? null : stateValue, domainValue, tenantId, Math.Max(0, parse.GetValue(after)), pageSize);
            var entries = await services.GetRequiredService<IOutboundQueueAdmin>().ListAsync(filter, ct);
            Table.Write(context.Out, ["ID", "TENANT", "CREATED", "SIZE", "FROM", "RCPTS", "QUEUED", "DONE", "FAILED", "NEXT ATTEMPT", "TRIES", "LAST REPLY"],
                entries.Select(e => (IReadOnlyList<string>)
                [
                    Number(e.QueueId), Number(e.TenantId), Time(e.CreatedAt), Number(e.Size), e.EnvelopeFrom.Length == 0 ? "<>" : e.EnvelopeFrom,
                    Number(e.Recipients), Number(e.Queued), Number(e.Delivered), Number(e.Failed), e.NextAttemptAt is { } next ? Time(next) : "-",
                    Number(e.Attempts), OneLine(e.LastReply),
                ]));
            if (entries.Count == pageSize)
            {
                context.Out.WriteLine($"more: --after {Number(entries[^1].QueueId)}");
            }
        }));
        return command;
    }

    private static Command Show(CliContext context)
    {
        var id = QueueIdArgument();
        var command = new Command("show", "Show one message: envelope, every recipient's state and last reply, and every delivery attempt") { id };
        command.SetAction((parse, ct) => context.RunAsync(async services =>
        {
            var queueId = ParseQueueId(parse.GetValue(id)!);
            var message = await services.GetRequiredService<IOutboundQueueAdmin>().GetAsync(queueId, ct) ?? throw NoSuchMessage(queueId);
            var o = context.Out;
            o.WriteLine($"queue id     {Number(message.QueueId)}");
            o.WriteLine($"tenant       {Number(message.TenantId)}");
            o.WriteLine($"from         <{message.EnvelopeFrom}>");
            o.WriteLine($"size         {Number(message.Size)} bytes");
            o.WriteLine($"created      {Time(message.CreatedAt)}");
            o.WriteLine($"expires      {Time(message.ExpiresAt)}");
            o.WriteLine($"options      {string.Join(' ', Options(message).DefaultIfEmpty("-"))}");
            o.WriteLine($"finished     {(message.FinishedAt is { } f ? Time(f) : "no")}");
            o.WriteLine();
            Table.Write(o, ["RECIPIENT", "STATE", "TRIES", "NEXT ATTEMPT", "DELIVERING NODE", "LAST REPLY"], message.Recipients.Select(r => (IReadOnlyList<string>)
                [r.Address, r.State, Number(r.Attempts), r.State == "queued" ? Time(r.NextAttemptAt) : "-", r.ClaimedBy ?? "-", OneLine(r.LastReply)]));
            o.WriteLine();
            var attempts = await services.GetRequiredService<IOutboundQueue>().QueryLogAsync(message.TenantId, message.QueueId, 1000, ct);
            if (attempts.Count == 0)
            {
                o.WriteLine("no delivery attempts yet");
                return;
            }

            Table.Write(o, ["ATTEMPTED", "RECIPIENT", "OUTCOME", "NODE", "REMOTE", "TLS", "REPLY"], attempts.Reverse().Select(a => (IReadOnlyList<string>)
                [Time(a.AttemptedAt), a.Recipient, a.Outcome.ToString().ToLowerInvariant(), a.Node,
                 a.RemoteHost is null ? a.RemoteIp ?? "-" : $"{a.RemoteHost} [{a.RemoteIp}]", a.TlsProtocol ?? "-", OneLine(a.Reply)]));
        }));
        return command;
    }

    private static Command Retry(CliContext context)
    {
        var id = QueueIdArgument();
        var command = new Command("retry", "Try a message's waiting recipients again now (the next worker poll takes them), whatever their retry schedule said") { id };
        command.SetAction((parse, ct) => context.RunAsync(async services =>
        {
            var queueId = ParseQueueId(parse.GetValue(id)!);
            var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
            var due = await services.GetRequiredService<IOutboundQueueAdmin>().RetryAsync(queueId, now,
                tenantId => new AuditEntry(tenantId, Actor.OperatorCli, "queue.retry", Number(queueId)), ct) ?? throw NoSuchMessage(queueId);
            context.Out.WriteLine(due == 0
                ? $"message {Number(queueId)} has no recipient waiting (delivered, failed, or being delivered right now)"
                : $"message {Number(queueId)}: {Number(due)} recipient(s) due now");
        }));
        return command;
    }

    private static Command Delete(CliContext context)
    {
        var id = QueueIdArgument();
        var command = new Command("delete",
            "Drop a message from the queue silently (no bounce to the sender, like postsuper -d); its delivery log goes with it, the audit log keeps the deletion") { id };
        command.SetAction((parse, ct) => context.RunAsync(async services =>
        {
            var queueId = ParseQueueId(parse.GetValue(id)!);
            var deleted = await services.GetRequiredService<IOutboundQueueAdmin>().DeleteAsync(queueId,
                tenantId => new AuditEntry(tenantId, Actor.OperatorCli, "queue.delete", Number(queueId)), ct);
            context.Out.WriteLine(deleted ? $"deleted message {Number(queueId)}" : throw NoSuchMessage(queueId));
        }));
        return command;
    }

    private static Argument<string> QueueIdArgument() => new("id") { Description = "The message's queue id (the ID column of queue list)" };

    private static long ParseQueueId(string text) =>
        long.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id > 0
            ? id
            : throw new CliUsageException($"'{text}' is not a queue id (a positive number from queue list)");

    private static HostedMailException NoSuchMessage(long queueId) => HostedMailException.NotFound($"no queued message {Number(queueId)}");

    private static IEnumerable<string> Options(QueueMessageDetails m)
    {
        if (m.EnvId is { } envid)
        {
            yield return "ENVID=" + envid;
        }

        if (m.Ret is { } ret)
        {
            yield return "RET=" + ret;
        }

        if (m.RequireTls)
        {
            yield return "REQUIRETLS";
        }

        if (m.SmtpUtf8)
        {
            yield return "SMTPUTF8";
        }
    }

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Time(DateTimeOffset at) => at.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>Remote replies can be multi-line and long; a table cell gets one line.</summary>
    private static string OneLine(string? reply) =>
        reply is null ? "-" : string.Join(" / ", reply.Split(["\r\n", "\n"], StringSplitOptions.RemoveEmptyEntries)) is var line && line.Length > 200 ? line[..200] + "..." : line;
}
