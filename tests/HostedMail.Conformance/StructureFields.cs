using System.Globalization;

namespace HostedMail.Conformance;

/// <summary>
/// Flattens ENVELOPE, BODY and BODYSTRUCTURE (RFC 3501 section 7.4.2, RFC 9051 section 7.5.2) into
/// named fields, e.g. "BODYSTRUCTURE[2].params" or "ENVELOPE.subject", so a difference is reported
/// where it is.
/// </summary>
public static class StructureFields
{
    private static readonly string[] EnvelopeFields = ["date", "subject", "from", "sender", "reply-to", "to", "cc", "bcc", "in-reply-to", "message-id"];
    private static readonly string[] SinglePartFields = ["type", "subtype", "params", "id", "description", "encoding", "size"];
    private static readonly string[] SinglePartExtensions = ["md5", "disposition", "language", "location"];
    private static readonly string[] MultipartExtensions = ["params", "disposition", "language", "location"];

    public static Dictionary<string, string> Flatten(string key, ImapValue value)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        if (key == "ENVELOPE")
        {
            Envelope("ENVELOPE", value, fields);
        }
        else if (value is ImapList body)
        {
            Body(key, body, IsMultipart(body) ? string.Empty : "1", fields);
        }

        return fields;
    }

    private static void Envelope(string prefix, ImapValue value, Dictionary<string, string> fields)
    {
        if (value is not ImapList envelope)
        {
            fields[prefix] = value.Canonical();
            return;
        }

        for (var i = 0; i < envelope.Items.Count; i++)
        {
            fields[$"{prefix}.{(i < EnvelopeFields.Length ? EnvelopeFields[i] : i.ToString(CultureInfo.InvariantCulture))}"] = envelope.Items[i].Canonical();
        }
    }

    private static bool IsMultipart(ImapList body) => body.Items.Count > 0 && body.Items[0] is ImapList;

    private static void Body(string key, ImapList body, string path, Dictionary<string, string> fields)
    {
        var name = $"{key}[{path}]";
        if (IsMultipart(body))
        {
            var children = body.Items.TakeWhile(i => i is ImapList).Cast<ImapList>().ToList();
            fields[name + ".parts"] = children.Count.ToString(CultureInfo.InvariantCulture);
            for (var i = 0; i < children.Count; i++)
            {
                Body(key, children[i], path.Length == 0 ? (i + 1).ToString(CultureInfo.InvariantCulture) : $"{path}.{i + 1}", fields);
            }

            var rest = body.Items.Skip(children.Count).ToList();
            Named(name, rest, ["subtype", .. MultipartExtensions], fields);
            return;
        }

        var items = body.Items;
        Named(name, items.Take(SinglePartFields.Length).ToList(), SinglePartFields, fields);
        var next = SinglePartFields.Length;
        var type = items.Count > 0 && items[0] is ImapString t ? t.Octets.ToUpperInvariant() : string.Empty;
        var subtype = items.Count > 1 && items[1] is ImapString st ? st.Octets.ToUpperInvariant() : string.Empty;
        if (type == "MESSAGE" && subtype is "RFC822" or "GLOBAL" && items.Count > next + 2)
        {
            Envelope(name + ".envelope", items[next], fields);
            if (items[next + 1] is ImapList embedded)
            {
                // The encapsulated message's parts are numbered below this one (RFC 3501 section 6.4.5).
                Body(key, embedded, IsMultipart(embedded) ? path : path + ".1", fields);
            }

            fields[name + ".lines"] = items[next + 2].Canonical();
            next += 3;
        }
        else if (type == "TEXT" && items.Count > next)
        {
            fields[name + ".lines"] = items[next].Canonical();
            next++;
        }

        Named(name, items.Skip(next).ToList(), SinglePartExtensions, fields);
    }

    private static void Named(string prefix, List<ImapValue> items, string[] names, Dictionary<string, string> fields)
    {
        for (var i = 0; i < items.Count; i++)
        {
            fields[$"{prefix}.{(i < names.Length ? names[i] : "extension" + (i - names.Length + 1).ToString(CultureInfo.InvariantCulture))}"] = items[i].Canonical();
        }
    }
}
