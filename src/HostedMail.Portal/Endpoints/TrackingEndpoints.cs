using HostedMail.Core.Outbound;
using HostedMail.Portal.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace HostedMail.Portal.Endpoints;

internal sealed record TrackingAttemptDto(DateTimeOffset AttemptedAt, [property: JsonValues("delivered", "deferred", "failed", "expired")] string Outcome, string? RemoteHost, string? RemoteIp, string? Reply, string? Tls, int DurationMs);

internal sealed record TrackingRecipientDto(string Address, [property: JsonValues("queued", "delivered", "failed", "expired")] string State, int Attempts, string? LastReply, DateTimeOffset? NextAttemptAt, string? Folder,
    [property: JsonValues("delayed", "failed")] IReadOnlyList<string> Notifications, IReadOnlyList<TrackingAttemptDto> Log);

internal sealed record TrackedMessageDto([property: JsonValues("outbound", "received")] string Kind, long Id, DateTimeOffset At, string Sender, string? MessageId, string? Subject, long Size, IReadOnlyList<TrackingRecipientDto> Recipients)
{
    public static TrackedMessageDto From(TrackedMessage m) => new(m.Kind == TrackedKind.Outbound ? "outbound" : "received", m.Id, m.At, m.Sender, m.MessageId, m.Subject, m.Size,
        [.. m.Recipients.Select(r => new TrackingRecipientDto(r.Address, r.State, r.AttemptCount, r.LastReply, r.NextAttemptAt, r.Folder, r.Notifications,
            [.. r.Attempts.Select(a => new TrackingAttemptDto(a.AttemptedAt, a.Outcome.ToString().ToLowerInvariant(), a.RemoteHost, a.RemoteIp, a.Reply,
                a.TlsProtocol is null ? null : $"{a.TlsProtocol} {a.TlsCipher}".Trim(), (int)a.Duration.TotalMilliseconds))]))]);
}

/// <summary>Message tracking: the tenant's sent and received mail of the last days, by recipient, sender or Message-ID. Owners and admins only.</summary>
internal static class TrackingEndpoints
{
    public const int DefaultDays = 7;
    public const int MaximumDays = 30;
    public const int MaximumTextLength = 998;

    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/tracking", SearchAsync).Require(Area.Tracking, write: false).WithTags("Message tracking").Produces<ListDto<TrackedMessageDto>>()
            .WithSummary("Messages of the last ?days= (1 to 30, default 7) whose ?by= (recipient, sender or messageId) matches ?q=, newest first, "
                + "with each recipient's state, delivery attempts (remote host, reply, TLS) and the notifications sent to the sender. Pages with ?offset=&limit=.");
    }

    private static async Task<IResult> SearchAsync(PortalCaller caller, IMessageTracking tracking, TimeProvider time, string? q, string? by, int? days, int? offset, int? limit, CancellationToken ct)
    {
        if (!Paging.TryCreate(offset, limit, out var paging, out var problem))
        {
            return problem!;
        }

        TrackingField? field = by switch
        {
            null or "" or "recipient" => TrackingField.Recipient,
            "sender" => TrackingField.Sender,
            "messageId" => TrackingField.MessageId,
            _ => null,
        };
        var text = q?.Trim() ?? string.Empty;
        var errors = new Dictionary<string, string>();
        if (field is null)
        {
            errors["by"] = "by must be recipient, sender or messageId";
        }

        if (text.Length == 0)
        {
            errors["q"] = "enter an address, part of one, or a Message-ID";
        }
        else if (text.Length > MaximumTextLength || text.Any(char.IsControl))
        {
            errors["q"] = $"the search text must be at most {MaximumTextLength} characters without control characters";
        }

        if (days is < 1 or > MaximumDays)
        {
            errors["days"] = $"days must be between 1 and {MaximumDays}";
        }

        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        var since = time.GetUtcNow().AddDays(-(days ?? DefaultDays));
        var page = await tracking.SearchAsync(caller.TenantId, new TrackingQuery(field!.Value, text, since, paging.Offset, paging.Limit), ct);
        return Results.Ok(new ListDto<TrackedMessageDto>([.. page.Items.Select(TrackedMessageDto.From)], page.Total));
    }
}
