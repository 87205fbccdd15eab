using System.Text;
using HostedMail.Core.Imap;
using HostedMail.Imap.Protocol;
using HostedMail.Mime;

namespace HostedMail.Imap.Server;

// SORT (RFC 5256 section 3, RFC 5957 DISPLAYFROM/DISPLAYTO) and THREAD (RFC 5256 sections 2 and 4).
// Implementation notes:
// - The keys come from each message's parsed header block (the stored header prefix, or the blob
//   for messages stored before it was kept), never from SQL approximations: the RFC's base subject,
//   the first address's mailbox and display name, and the sent date need a real parser.
// - Comparisons of strings use upper-cased ordinal comparison, an approximation of
//   i;unicode-casemap (RFC 5051) that agrees with it for everything but rare titlecase letters.
// - Every sort ends with the sequence number as the last key (RFC 5256 section 3: ties are broken
//   by sequence number), which REVERSE does not reverse.
internal sealed partial class ImapSession
{
    private sealed record SortInfo(
        long Uid,
        int Seq,
        DateTimeOffset Arrival,
        DateTimeOffset Sent,
        long Size,
        string SubjectKey,
        bool IsReplyOrForward,
        string From,
        string To,
        string Cc,
        string DisplayFrom,
        string DisplayTo,
        string? MessageId,
        IReadOnlyList<string> References);

    /// <summary>Sorts the searched UIDs by the criteria (RFC 5256 section 3).</summary>
    private async Task<IReadOnlyList<long>> SortAsync(IReadOnlyList<long> uids, IReadOnlyList<SortCriterion> criteria)
    {
        // ARRIVAL and SIZE need no header: no blob is read or parsed for them.
        var infos = await LoadSortInfoAsync(uids, headers: criteria.Any(c => c.Field is not (SortField.Arrival or SortField.Size)));
        infos.Sort((a, b) =>
        {
            foreach (var criterion in criteria)
            {
                var c = CompareBy(a, b, criterion.Field);
                if (c != 0)
                {
                    return criterion.Reverse ? -c : c;
                }
            }

            return a.Seq.CompareTo(b.Seq);
        });
        return infos.Select(i => i.Uid).ToList();
    }

    private static int CompareBy(SortInfo a, SortInfo b, SortField field) => field switch
    {
        SortField.Arrival => a.Arrival.CompareTo(b.Arrival),
        SortField.Date => a.Sent.CompareTo(b.Sent),
        SortField.Size => a.Size.CompareTo(b.Size),
        SortField.Subject => string.CompareOrdinal(a.SubjectKey, b.SubjectKey),
        SortField.From => string.CompareOrdinal(a.From, b.From),
        SortField.To => string.CompareOrdinal(a.To, b.To),
        SortField.Cc => string.CompareOrdinal(a.Cc, b.Cc),
        SortField.DisplayFrom => string.CompareOrdinal(a.DisplayFrom, b.DisplayFrom),
        SortField.DisplayTo => string.CompareOrdinal(a.DisplayTo, b.DisplayTo),
        _ => 0,
    };

    private async Task<List<SortInfo>> LoadSortInfoAsync(IReadOnlyList<long> uids, bool headers = true)
    {
        var selected = Selected;
        var infos = new List<SortInfo>(uids.Count);
        foreach (var batch in uids.Chunk(_options.FetchBatchSize))
        {
            var messages = await _services.Store.FetchAsync(TenantId, MailboxId, selected.FolderId, batch, headers ? FetchExtras.Header : FetchExtras.None, _connection.ConnectionClosed);
            foreach (var message in messages)
            {
                var seq = selected.SequenceOf((uint)message.Uid);
                if (seq == 0)
                {
                    continue;
                }

                if (!headers)
                {
                    infos.Add(new SortInfo(message.Uid, seq, message.InternalDate, message.InternalDate, message.Size, string.Empty, false,
                        string.Empty, string.Empty, string.Empty, string.Empty, string.Empty, null, []));
                    continue;
                }

                var parsed = MimeMessage.Parse(message.Content ?? await ReadBlobAsync(message));
                var (subject, replyOrForward) = BaseSubject.Extract(parsed.Subject);
                var from = parsed.From;
                var to = parsed.To;
                // RFC 5256 section 2.2: the sent date is the Date: field; when it is missing or
                // unparsable, the internal date. Compared as instants (in UTC).
                var sent = parsed.Date ?? message.InternalDate;
                var references = parsed.References.Count > 0 ? parsed.References : parsed.InReplyTo.Take(1).ToList();
                infos.Add(new SortInfo(message.Uid, seq, message.InternalDate, sent.ToUniversalTime(), message.Size, UnicodeCasemap.Key(subject), replyOrForward,
                    FirstMailbox(from), FirstMailbox(to), FirstMailbox(parsed.Cc), FirstDisplay(from), FirstDisplay(to), parsed.MessageId, references));
            }
        }

        return infos;
    }

    /// <summary>RFC 5256 section 3: the IMAP addr-mailbox of the first address (a group's name for a group), folded.</summary>
    private static string FirstMailbox(IReadOnlyList<MailAddress> addresses) => UnicodeCasemap.Key(addresses.Count == 0 ? string.Empty : addresses[0] switch
    {
        MailboxAddress m => m.LocalPart,
        GroupAddress g => g.DisplayName ?? string.Empty,
        _ => string.Empty,
    });

    /// <summary>RFC 5957 section 2: the decoded display name of the first address, else its addr-spec.</summary>
    private static string FirstDisplay(IReadOnlyList<MailAddress> addresses) => UnicodeCasemap.Key(addresses.Count == 0 ? string.Empty : addresses[0] switch
    {
        MailboxAddress m => string.IsNullOrWhiteSpace(m.DisplayName) ? m.Address : m.DisplayName.Trim(),
        GroupAddress g => g.DisplayName ?? string.Empty,
        _ => string.Empty,
    });

    private async Task<string?> HandleSortAsync(SortCommand command)
    {
        var uids = await SortAsync(await RunSearchAsync(command.Key, command.Uid, []), command.Criteria);
        if (command.Return is { } ret)
        {
            WriteEsearch(command.Tag, command.Uid, uids, ret, null);
        }
        else
        {
            _w.Ascii("* SORT");
            foreach (var n in Numbers(uids, command.Uid))
            {
                _w.Space().Number(n);
            }

            _w.Crlf();
        }

        return command.Uid ? "UID SORT completed" : "SORT completed";
    }

    private async Task<string?> HandleThreadAsync(ThreadCommand command)
    {
        if (command.Algorithm is not ("ORDEREDSUBJECT" or "REFERENCES"))
        {
            throw ImapCommandException.Bad("Unsupported threading algorithm");
        }

        var infos = await LoadSortInfoAsync(await RunSearchAsync(command.Key, command.Uid, []));
        infos.Sort((a, b) => a.Seq.CompareTo(b.Seq));
        var roots = command.Algorithm == "ORDEREDSUBJECT" ? ThreadBySubject(infos) : ThreadByReferences(infos);
        var sb = new StringBuilder("* THREAD");
        foreach (var root in roots)
        {
            sb.Append(root == roots[0] ? " (" : "(");
            FormatThread(root, sb, command.Uid);
            sb.Append(')');
        }

        _w.Ascii(sb.ToString()).Crlf();
        return command.Uid ? "UID THREAD completed" : "THREAD completed";
    }

    /// <summary>A thread tree node; <see cref="Info"/> is null for a dummy (a message referenced but not in the set).</summary>
    private sealed class ThreadNode(SortInfo? info)
    {
        public SortInfo? Info { get; set; } = info;

        public ThreadNode? Parent { get; set; }

        public List<ThreadNode> Children { get; } = [];

        /// <summary>What sorts this node among its siblings: its own sent date and sequence number, a dummy's first child's.</summary>
        public (DateTimeOffset Sent, int Seq) SortKey => Info is { } i ? (i.Sent, i.Seq) : Children.Count > 0 ? Children[0].SortKey : (DateTimeOffset.MaxValue, int.MaxValue);

        public void Add(ThreadNode child)
        {
            child.Parent = this;
            Children.Add(child);
        }

        public bool IsAncestorOf(ThreadNode node)
        {
            for (var p = node.Parent; p is not null; p = p.Parent)
            {
                if (p == this)
                {
                    return true;
                }
            }

            return false;
        }
    }

    private static int CompareThreadNodes(ThreadNode a, ThreadNode b)
    {
        var (sa, qa) = a.SortKey;
        var (sb, qb) = b.SortKey;
        var c = sa.CompareTo(sb);
        return c != 0 ? c : qa.CompareTo(qb);
    }

    /// <summary>
    /// RFC 5256 section 4 ORDEREDSUBJECT: messages grouped by base subject; in each group, sorted by
    /// sent date, the first is the root and the others its children; threads by their root's date.
    /// </summary>
    private static List<ThreadNode> ThreadBySubject(List<SortInfo> infos)
    {
        var roots = new List<ThreadNode>();
        foreach (var group in infos.GroupBy(i => i.SubjectKey))
        {
            var ordered = group.OrderBy(i => i.Sent).ThenBy(i => i.Seq).ToList();
            var root = new ThreadNode(ordered[0]);
            foreach (var info in ordered.Skip(1))
            {
                root.Add(new ThreadNode(info));
            }

            roots.Add(root);
        }

        roots.Sort(CompareThreadNodes);
        return roots;
    }

    /// <summary>RFC 5256 section 4 REFERENCES, steps 1 to 6.</summary>
    private static List<ThreadNode> ThreadByReferences(List<SortInfo> infos)
    {
        // (1) Containers by Message-ID; a message without one, or with one already taken by another
        // message, gets a unique id of its own.
        var byId = new Dictionary<string, ThreadNode>(StringComparer.Ordinal);
        ThreadNode Container(string id)
        {
            if (!byId.TryGetValue(id, out var node))
            {
                byId[id] = node = new ThreadNode(null);
            }

            return node;
        }

        foreach (var info in infos)
        {
            var id = info.MessageId;
            if (id is null || (byId.TryGetValue(id, out var taken) && taken.Info is not null))
            {
                id = "\0unique-" + info.Uid;
            }

            var node = Container(id);
            node.Info = info;
            var refs = info.References.Where(r => r != id).ToList();

            // (1A) Link each reference to the next, unless the child already has a parent or the link would make a loop.
            for (var k = 0; k + 1 < refs.Count; k++)
            {
                var parent = Container(refs[k]);
                var child = Container(refs[k + 1]);
                if (child.Parent is null && parent != child && !child.IsAncestorOf(parent))
                {
                    parent.Add(child);
                }
            }

            // (1B) The last reference is the message's parent, replacing any parent it had.
            if (refs.Count > 0)
            {
                var parent = Container(refs[^1]);
                if (parent != node && !node.IsAncestorOf(parent))
                {
                    node.Parent?.Children.Remove(node);
                    node.Parent = null;
                    parent.Add(node);
                }
            }
        }

        // (2) The root set.
        var roots = byId.Values.Where(n => n.Parent is null).ToList();

        // (3) Prune dummies: childless ones go; others are replaced by their children, except at
        // the root where only a single child is promoted.
        roots = Prune(roots, atRoot: true);

        // (4) Sort the root set (and, as step 6 wants anyway, every level) by sent date.
        SortTree(roots);

        // (5) Merge threads by base subject.
        var table = new Dictionary<string, ThreadNode>(StringComparer.Ordinal);
        static SortInfo? SubjectSource(ThreadNode n) => n.Info ?? n.Children.FirstOrDefault()?.Info;
        foreach (var root in roots)
        {
            if (SubjectSource(root) is not { SubjectKey.Length: > 0 } source)
            {
                continue;
            }

            if (!table.TryGetValue(source.SubjectKey, out var existing)
                || (existing.Info is not null && root.Info is null)
                || (existing.Info is { IsReplyOrForward: true } && root.Info is { IsReplyOrForward: false }))
            {
                table[source.SubjectKey] = root;
            }
        }

        var removed = new HashSet<ThreadNode>();
        for (var i = 0; i < roots.Count; i++)
        {
            var root = roots[i];
            if (removed.Contains(root) || SubjectSource(root) is not { SubjectKey.Length: > 0 } source
                || !table.TryGetValue(source.SubjectKey, out var target) || target == root)
            {
                continue;
            }

            if (target.Info is null && root.Info is null)
            {
                foreach (var child in root.Children)
                {
                    target.Add(child);
                }

                removed.Add(root);
            }
            else if (target.Info is null)
            {
                target.Add(root);
                removed.Add(root);
            }
            else if (root.Info is { IsReplyOrForward: true } && !target.Info.IsReplyOrForward)
            {
                target.Add(root);
                removed.Add(root);
            }
            else
            {
                var dummy = new ThreadNode(null);
                roots[roots.IndexOf(target)] = dummy;
                dummy.Add(target);
                dummy.Add(root);
                table[source.SubjectKey] = dummy;
                removed.Add(root);
            }
        }

        roots = roots.Where(r => !removed.Contains(r)).ToList();

        // (6) Sort every set of siblings by sent date, the deepest first.
        SortTree(roots);
        return roots;
    }

    private static List<ThreadNode> Prune(List<ThreadNode> siblings, bool atRoot)
    {
        var result = new List<ThreadNode>();
        foreach (var node in siblings)
        {
            var children = Prune(node.Children, atRoot: false);
            node.Children.Clear();
            foreach (var child in children)
            {
                node.Add(child);
            }

            if (node.Info is not null)
            {
                result.Add(node);
            }
            else if (node.Children.Count == 0)
            {
                continue;
            }
            else if (!atRoot || node.Children.Count == 1)
            {
                foreach (var child in node.Children)
                {
                    child.Parent = atRoot ? null : node.Parent;
                    result.Add(child);
                }
            }
            else
            {
                result.Add(node);
            }
        }

        return result;
    }

    private static void SortTree(List<ThreadNode> siblings)
    {
        foreach (var node in siblings)
        {
            SortTree(node.Children);
        }

        siblings.Sort(CompareThreadNodes);
    }

    /// <summary>RFC 5256 section 5 thread-list syntax: a chain of single children as "1 2 3", several as "(2)(3)", a dummy as its children only.</summary>
    private static void FormatThread(ThreadNode node, StringBuilder sb, bool uid)
    {
        if (node.Info is { } info)
        {
            sb.Append(uid ? info.Uid : info.Seq);
            if (node.Children.Count == 0)
            {
                return;
            }

            sb.Append(' ');
            if (node.Children.Count == 1)
            {
                FormatThread(node.Children[0], sb, uid);
                return;
            }
        }

        foreach (var child in node.Children)
        {
            sb.Append('(');
            FormatThread(child, sb, uid);
            sb.Append(')');
        }
    }
}
