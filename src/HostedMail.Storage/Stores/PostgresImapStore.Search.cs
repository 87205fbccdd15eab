using System.Globalization;
using System.Text;
using HostedMail.Core.Imap;
using HostedMail.Core.Messages;
using HostedMail.Mime;
using Npgsql;

namespace HostedMail.Storage.Stores;

// SEARCH and SORT: the SearchKey tree becomes one WHERE clause with parameters (never spliced
// input). Header and text keys read message_text, which APPEND fills; messages delivered before
// their text was indexed are indexed here on first need.
internal sealed partial class PostgresImapStore
{
    private const int IndexBatch = 200;

    public async Task<IReadOnlyList<long>> SearchAsync(long tenantId, long mailboxId, long folderId, SearchKey query, IReadOnlyList<SortCriterion> sort, CancellationToken cancellationToken)
    {
        var builder = new SearchSqlBuilder();
        var where = builder.Build(query);
        var order = new StringBuilder();
        foreach (var key in sort)
        {
            order.Append(SortExpression(key.Field)).Append(key.Reverse ? " DESC" : " ASC").Append(", ");
        }

        order.Append("m.uid");
        if (builder.NeedsText || sort.Any(k => k.Field is SortField.To or SortField.Cc or SortField.DisplayTo))
        {
            await IndexTextAsync(tenantId, mailboxId, folderId, cancellationToken);
        }

        var sql = $"""
            SELECT m.uid FROM messages m
            WHERE m.tenant_id = @tenant_id AND m.mailbox_id = @mailbox_id AND m.folder_id = @folder_id AND {where}
            ORDER BY {order}
            """;
        var parameters = builder.Parameters.Prepend(("folder_id", (object?)folderId)).Prepend(("mailbox_id", mailboxId)).Prepend(("tenant_id", tenantId)).ToArray();
        return await Db.QueryAsync(dataSource, sql, r => r.GetInt64(0), cancellationToken, parameters);
    }

    // SQL sort keys: coarse approximations (lower-cased header text, a regex for the base subject).
    // IMAP SORT and THREAD do not use them: they sort on parsed headers in the session
    // (ImapSession.Sort.cs, RFC 5256 exactly); they remain for callers that want a cheap order.
    private static string SortExpression(SortField field) => field switch
    {
        SortField.Arrival => "m.internal_date",
        SortField.Date => "coalesce(m.sent_date, m.internal_date)",
        SortField.From or SortField.DisplayFrom => "lower(coalesce(m.from_address, ''))",
        SortField.Size => "m.size",
        // RFC 5256 section 2.1 base subject, approximately: reply/forward prefixes and [blob]s removed.
        SortField.Subject => @"lower(regexp_replace(coalesce(m.subject, ''), '^(\s*((re|fwd?|fw)(\[[0-9]+\])?:|\[[^]]*\])\s*)+', '', 'i'))",
        SortField.To or SortField.DisplayTo => HeaderSortExpression("to"),
        SortField.Cc => HeaderSortExpression("cc"),
        _ => "m.uid",
    };

    private static string HeaderSortExpression(string field) =>
        $"(SELECT lower(coalesce(substring(t.headers from '(?:^|\\n){field}: *([^\\n]*)'), '')) FROM message_text t WHERE t.tenant_id = m.tenant_id AND t.blob_sha256 = m.blob_sha256)";

    /// <summary>
    /// A folder whose text was extracted by an older <see cref="MessageText.Version"/> (folders.text_version):
    /// its messages whose blob has no current message_text row are marked for indexing again, once.
    /// With nothing stale this is one primary-key probe that updates nothing.
    /// </summary>
    private static readonly string StaleTextSql = $"""
        WITH f AS (
            UPDATE folders SET text_version = {MessageText.Version}
            WHERE tenant_id = @tenant_id AND mailbox_id = @mailbox_id AND folder_id = @folder_id AND text_version < {MessageText.Version}
            RETURNING folder_id
        )
        UPDATE messages m SET text_indexed = false FROM f
        WHERE m.tenant_id = @tenant_id AND m.mailbox_id = @mailbox_id AND m.folder_id = f.folder_id AND m.text_indexed
          AND NOT EXISTS (SELECT 1 FROM message_text t WHERE t.tenant_id = m.tenant_id AND t.blob_sha256 = m.blob_sha256 AND t.version = {MessageText.Version})
        """;

    private static readonly string MissingTextSql = $"""
        SELECT DISTINCT m.blob_sha256,
            EXISTS (SELECT 1 FROM message_text t WHERE t.tenant_id = m.tenant_id AND t.blob_sha256 = m.blob_sha256 AND t.version = {MessageText.Version}),
            EXISTS (SELECT 1 FROM message_text t WHERE t.tenant_id = m.tenant_id AND t.blob_sha256 = m.blob_sha256 AND t.version < {MessageText.Version})
        FROM messages m
        WHERE m.tenant_id = @tenant_id AND m.mailbox_id = @mailbox_id AND m.folder_id = @folder_id AND NOT m.text_indexed
        LIMIT @limit
        """;

    /// <summary>
    /// Fills message_text for messages of the folder not indexed yet (text is extracted here, not at
    /// delivery or APPEND) and marks them. With nothing to do this is one probe of a partial index.
    /// </summary>
    private async Task IndexTextAsync(long tenantId, long mailboxId, long folderId, CancellationToken cancellationToken)
    {
        var parameters = new (string, object?)[] { ("tenant_id", tenantId), ("mailbox_id", mailboxId), ("folder_id", folderId), ("limit", IndexBatch) };
        await using (var probe = await dataSource.OpenConnectionAsync(cancellationToken))
        {
            await Db.ExecuteAsync(probe, null, StaleTextSql, cancellationToken, ("tenant_id", tenantId), ("mailbox_id", mailboxId), ("folder_id", folderId));
        }

        var pending = true;
        while (pending)
        {
            var missing = await Db.QueryAsync(dataSource, MissingTextSql,
                r => (Sha: r.GetFieldValue<byte[]>(0), Current: r.GetBoolean(1), Stale: r.GetBoolean(2)), cancellationToken, parameters);
            if (missing.Count == 0)
            {
                return;
            }

            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            foreach (var (sha, _, stale) in missing.Where(m => !m.Current))
            {
                var bytes = await folders.ReadBlobAsync(tenantId, sha, cancellationToken) ?? [];
                var parsed = MimeMessage.Parse(bytes);
                await InsertTextAsync(connection, null, tenantId, sha, MessageText.Extract(parsed), MessageText.SentDay(parsed), cancellationToken);
                if (stale)
                {
                    // The sent date was parsed by an older version too (RFC 5256 section 2.2 forms).
                    await Db.ExecuteAsync(connection, null, """
                        UPDATE messages SET sent_date = @sent_date
                        WHERE tenant_id = @tenant_id AND mailbox_id = @mailbox_id AND folder_id = @folder_id AND blob_sha256 = @sha AND sent_date IS DISTINCT FROM @sent_date
                        """, cancellationToken, ("tenant_id", tenantId), ("mailbox_id", mailboxId), ("folder_id", folderId), ("sha", sha), ("sent_date", parsed.Date));
                }
            }

            // Marks every message of the folder sharing these blobs (copies included).
            await Db.ExecuteAsync(connection, null, """
                UPDATE messages SET text_indexed = true
                WHERE tenant_id = @tenant_id AND mailbox_id = @mailbox_id AND folder_id = @folder_id AND NOT text_indexed AND blob_sha256 = ANY(@shas)
                """, cancellationToken, ("tenant_id", tenantId), ("mailbox_id", mailboxId), ("folder_id", folderId), ("shas", missing.Select(m => m.Sha).ToArray()));
            pending = missing.Count == IndexBatch;
        }
    }

    /// <summary>Turns a SearchKey tree into SQL over messages m, collecting parameters.</summary>
    private sealed class SearchSqlBuilder
    {
        private readonly List<(string, object?)> _parameters = [];

        public IReadOnlyList<(string Name, object? Value)> Parameters => _parameters;

        public bool NeedsText { get; private set; }

        public string Build(SearchKey key) => key switch
        {
            AndKey a => a.Keys.Count == 0 ? "TRUE" : "(" + string.Join(" AND ", a.Keys.Select(Build)) + ")",
            OrKey o => $"({Build(o.Left)} OR {Build(o.Right)})",
            NotKey n => $"(NOT {Build(n.Key)})",
            AllKey => "TRUE",
            NoneKey => "FALSE",
            UidSetKey u => UidSet(u),
            FlagKey f => $"(m.flags & {(int)f.Flag} {(f.IsSet ? "<>" : "=")} 0)",
            // Keywords compare case-insensitively (docs/imap-conformance.md D34).
            KeywordKey k => $"({(k.IsSet ? string.Empty : "NOT ")}EXISTS (SELECT 1 FROM unnest(m.keywords) x WHERE lower(x) = lower({Add(k.Keyword)})))",
            SizeKey s => $"(m.size {(s.Larger ? ">" : "<")} {Add(s.Size)})",
            DateKey d => Date(d),
            AgeKey a => $"(m.internal_date {(a.Older ? "<=" : ">")} now() - make_interval(secs => {Add((double)a.Seconds)}))",
            HeaderKey h => Header(h),
            TextKey t => Text(t),
            ModSeqKey m => $"(m.modseq >= {Add(m.ModSeq)})",
            _ => throw new NotSupportedException("search key " + key.GetType().Name),
        };

        private string UidSet(UidSetKey key)
        {
            if (key.Ranges.Count == 0)
            {
                return "FALSE";
            }

            if (key.Ranges.Count == 1)
            {
                return $"(m.uid BETWEEN {Add(key.Ranges[0].Start)} AND {Add(key.Ranges[0].End)})";
            }

            var lows = Add(key.Ranges.Select(r => r.Start).ToArray());
            var highs = Add(key.Ranges.Select(r => r.End).ToArray());
            return $"EXISTS (SELECT 1 FROM unnest({lows}::bigint[], {highs}::bigint[]) r(lo, hi) WHERE m.uid BETWEEN r.lo AND r.hi)";
        }

        private string Date(DateKey d)
        {
            // RFC 3501 section 6.4.4: dates compare by calendar day, disregarding time and zone.
            // SENT*: the day as written in the Date: field, in its own zone (message_text.sent_day);
            // rows indexed before that column, or without a usable Date:, fall back to the UTC day of
            // the parsed instant, then of the internal date. BEFORE/ON/SINCE: the internal date's zone
            // is not kept, so its days are UTC days.
            var op = d.Comparison switch { DateComparison.Before => "<", DateComparison.On => "=", _ => ">=" };
            if (!d.SentDate)
            {
                return $"((m.internal_date AT TIME ZONE 'UTC')::date {op} {Add(d.Date)})";
            }

            NeedsText = true;
            return $"""
                (coalesce((SELECT t.sent_day FROM message_text t WHERE t.tenant_id = m.tenant_id AND t.blob_sha256 = m.blob_sha256),
                          (coalesce(m.sent_date, m.internal_date) AT TIME ZONE 'UTC')::date) {op} {Add(d.Date)})
                """;
        }

        private string Header(HeaderKey h)
        {
            if (h.Field.Equals("subject", StringComparison.OrdinalIgnoreCase) && h.Value.Length > 0)
            {
                // RFC 9051 section 6.4.4: SUBJECT matches the envelope's subject: the decoded (whole)
                // first Subject field, kept in messages.subject, so no text extraction is needed.
                return $"coalesce(m.subject ILIKE {Add("%" + EscapeLike(h.Value) + "%")}, false)";
            }

            NeedsText = true;
            var pattern = "(^|\n)" + RegexEscape(h.Field.ToLowerInvariant()) + ":" + (h.Value.Length == 0 ? string.Empty : "[^\n]*" + RegexEscape(h.Value));
            return $"EXISTS (SELECT 1 FROM message_text t WHERE t.tenant_id = m.tenant_id AND t.blob_sha256 = m.blob_sha256 AND t.headers ~* {Add(pattern)})";
        }

        private string Text(TextKey t)
        {
            NeedsText = true;
            var like = Add("%" + EscapeLike(t.Value) + "%");
            // TEXT: "the header or body" (RFC 3501 section 6.4.4), MIME part headers included (they are
            // in the body); BODY: the body text only.
            var condition = t.BodyOnly ? $"t.body ILIKE {like}" : $"(t.body ILIKE {like} OR t.headers ILIKE {like} OR t.part_headers ILIKE {like})";
            return $"EXISTS (SELECT 1 FROM message_text t WHERE t.tenant_id = m.tenant_id AND t.blob_sha256 = m.blob_sha256 AND {condition})";
        }

        private string Add(object value)
        {
            var name = "p" + _parameters.Count.ToString(CultureInfo.InvariantCulture);
            _parameters.Add((name, value));
            return "@" + name;
        }

        private static string RegexEscape(string value)
        {
            var sb = new StringBuilder(value.Length * 2);
            foreach (var c in value)
            {
                if (!char.IsAsciiLetterOrDigit(c) && c < 128 && c != ' ')
                {
                    sb.Append('\\');
                }

                sb.Append(c);
            }

            return sb.ToString();
        }
    }
}
