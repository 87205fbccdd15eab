using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace HostedMail.Dns.Protocol;

/// <summary>Parses DNS messages defensively: every length is bounds-checked and compression pointers must point strictly backward.</summary>
internal static class DnsMessageReader
{
    // Implementation notes:
    // - A compression pointer must point before the start of the label sequence it interrupts.
    //   Targets therefore strictly decrease, so loops are impossible and decoding ends after at most
    //   message-length jumps; a hop limit is kept anyway as a second fence.
    // - Any inconsistency throws DnsFormatException, which the resolver turns into MalformedResponse.
    private const int MaxPointerHops = 64;

    public static DnsMessage Parse(ReadOnlySpan<byte> data)
    {
        if (data.Length < 12)
        {
            throw new DnsFormatException("message shorter than its header");
        }

        var id = BinaryPrimitives.ReadUInt16BigEndian(data);
        var flags = BinaryPrimitives.ReadUInt16BigEndian(data[2..]);
        int qdCount = BinaryPrimitives.ReadUInt16BigEndian(data[4..]);
        int anCount = BinaryPrimitives.ReadUInt16BigEndian(data[6..]);
        int nsCount = BinaryPrimitives.ReadUInt16BigEndian(data[8..]);
        var truncated = (flags & 0x0200) != 0;
        var pos = 12;
        var questionName = string.Empty;
        DnsRecordType questionType = 0;
        for (var i = 0; i < qdCount; i++)
        {
            var name = ReadName(data, ref pos);
            Need(data, pos, 4);
            if (i == 0)
            {
                questionName = name;
                questionType = (DnsRecordType)BinaryPrimitives.ReadUInt16BigEndian(data[pos..]);
            }

            pos += 4;
        }

        var message = new DnsMessage
        {
            Id = id,
            IsResponse = (flags & 0x8000) != 0,
            Truncated = truncated,
            AuthenticatedData = (flags & 0x0020) != 0,
            ResponseCode = flags & 0x000F,
            QuestionName = questionName,
            QuestionType = questionType,
            QuestionCount = qdCount,
        };

        try
        {
            for (var i = 0; i < anCount; i++)
            {
                message.Answers.Add(ReadRecord(data, ref pos));
            }

            for (var i = 0; i < nsCount; i++)
            {
                message.Authority.Add(ReadRecord(data, ref pos));
            }
        }
        catch (DnsFormatException) when (truncated)
        {
            // A TC=1 answer may end mid-record (RFC 2181 section 9); the caller retries over TCP anyway.
        }

        return message;
    }

    private static void Need(ReadOnlySpan<byte> data, int pos, int count)
    {
        if (pos < 0 || count < 0 || pos > data.Length - count)
        {
            throw new DnsFormatException("record runs past the end of the message");
        }
    }

    public static string ReadName(ReadOnlySpan<byte> data, ref int pos)
    {
        var builder = new StringBuilder();
        var p = pos;
        var limit = pos;
        var end = -1;
        var hops = 0;
        var wireLength = 1;
        while (true)
        {
            Need(data, p, 1);
            var length = data[p];
            if ((length & 0xC0) == 0xC0)
            {
                Need(data, p, 2);
                var target = ((length & 0x3F) << 8) | data[p + 1];
                if (target >= limit || ++hops > MaxPointerHops)
                {
                    throw new DnsFormatException("compression pointer does not point backward");
                }

                if (end < 0)
                {
                    end = p + 2;
                }

                limit = target;
                p = target;
                continue;
            }

            if ((length & 0xC0) != 0)
            {
                // RFC 6891 section 5: extended label types are obsolete.
                throw new DnsFormatException("unknown label type");
            }

            if (length == 0)
            {
                p++;
                break;
            }

            Need(data, p + 1, length);
            wireLength += length + 1;
            if (wireLength > DnsName.MaxWireLength)
            {
                throw new DnsFormatException("name longer than 255 octets");
            }

            if (builder.Length > 0)
            {
                builder.Append('.');
            }

            DnsName.AppendLabel(builder, data.Slice(p + 1, length));
            p += 1 + length;
        }

        pos = end >= 0 ? end : p;
        return builder.ToString();
    }

    private static DnsRecord ReadRecord(ReadOnlySpan<byte> data, ref int pos)
    {
        var name = ReadName(data, ref pos);
        Need(data, pos, 10);
        var type = (DnsRecordType)BinaryPrimitives.ReadUInt16BigEndian(data[pos..]);
        var ttl = BinaryPrimitives.ReadUInt32BigEndian(data[(pos + 4)..]);
        int rdLength = BinaryPrimitives.ReadUInt16BigEndian(data[(pos + 8)..]);
        pos += 10;
        Need(data, pos, rdLength);
        var start = pos;
        var rdEnd = pos + rdLength;
        pos = rdEnd;

        // RFC 2181 section 8: a TTL with the top bit set is treated as zero.
        if (ttl > int.MaxValue)
        {
            ttl = 0;
        }

        var rdata = data[start..rdEnd];
        switch (type)
        {
            case DnsRecordType.A when rdLength == 4:
            case DnsRecordType.AAAA when rdLength == 16:
                return new AddressRecord(name, type, ttl, new IPAddress(rdata));
            case DnsRecordType.A:
            case DnsRecordType.AAAA:
                throw new DnsFormatException("address record of the wrong length");
            case DnsRecordType.CNAME:
            case DnsRecordType.PTR:
            case DnsRecordType.NS:
                return new NameRecord(name, type, ttl, ReadNameWithin(data, start, rdEnd));
            case DnsRecordType.MX:
                Need(data, start, 3);
                if (rdLength < 3)
                {
                    throw new DnsFormatException("MX record too short");
                }

                return new MxRecord(name, ttl, BinaryPrimitives.ReadUInt16BigEndian(rdata), ReadNameWithin(data, start + 2, rdEnd));
            case DnsRecordType.SRV:
                if (rdLength < 7)
                {
                    throw new DnsFormatException("SRV record too short");
                }

                return new SrvRecord(
                    name,
                    ttl,
                    BinaryPrimitives.ReadUInt16BigEndian(rdata),
                    BinaryPrimitives.ReadUInt16BigEndian(rdata[2..]),
                    BinaryPrimitives.ReadUInt16BigEndian(rdata[4..]),
                    ReadNameWithin(data, start + 6, rdEnd));
            case DnsRecordType.TXT:
                return new TxtRecord(name, ttl, ReadCharacterStrings(rdata));
            case DnsRecordType.TLSA:
                if (rdLength < 3)
                {
                    throw new DnsFormatException("TLSA record too short");
                }

                return new TlsaRecord(name, ttl, rdata[0], rdata[1], rdata[2], rdata[3..].ToArray());
            case DnsRecordType.SOA:
                return ReadSoa(data, name, ttl, start, rdEnd);
            default:
                return new UnknownRecord(name, type, ttl, rdata.ToArray());
        }
    }

    private static string ReadNameWithin(ReadOnlySpan<byte> data, int start, int rdEnd)
    {
        var p = start;
        var target = ReadName(data, ref p);
        if (p > rdEnd)
        {
            throw new DnsFormatException("name runs past its record");
        }

        return target;
    }

    private static SoaRecord ReadSoa(ReadOnlySpan<byte> data, string name, uint ttl, int start, int rdEnd)
    {
        var p = start;
        var primary = ReadName(data, ref p);
        var mailbox = ReadName(data, ref p);
        if (p > rdEnd - 20)
        {
            throw new DnsFormatException("SOA record too short");
        }

        var s = data[p..];
        return new SoaRecord(
            name,
            ttl,
            primary,
            mailbox,
            BinaryPrimitives.ReadUInt32BigEndian(s),
            BinaryPrimitives.ReadUInt32BigEndian(s[4..]),
            BinaryPrimitives.ReadUInt32BigEndian(s[8..]),
            BinaryPrimitives.ReadUInt32BigEndian(s[12..]),
            BinaryPrimitives.ReadUInt32BigEndian(s[16..]));
    }

    private static string[] ReadCharacterStrings(ReadOnlySpan<byte> rdata)
    {
        var strings = new List<string>();
        var p = 0;
        while (p < rdata.Length)
        {
            int length = rdata[p];
            if (p + 1 + length > rdata.Length)
            {
                throw new DnsFormatException("TXT character-string runs past its record");
            }

            // TXT data is octets; UTF-8 is what publishers mean in practice, invalid sequences become U+FFFD
            // and so still fail the ASCII checks of SPF and DKIM rather than passing silently.
            strings.Add(Encoding.UTF8.GetString(rdata.Slice(p + 1, length)));
            p += 1 + length;
        }

        return [.. strings];
    }
}
