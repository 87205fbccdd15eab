using System.Buffers.Binary;

namespace HostedMail.Dns.Protocol;

/// <summary>Builds query messages.</summary>
internal static class DnsMessageWriter
{
    /// <summary>A recursive query with one question and an EDNS0 OPT record (RFC 6891 section 6.1.2).</summary>
    public static byte[] BuildQuery(ushort id, byte[] wireName, DnsRecordType type, ushort udpPayloadSize, bool dnssecOk)
    {
        var message = new byte[12 + wireName.Length + 4 + 11];
        var span = message.AsSpan();
        BinaryPrimitives.WriteUInt16BigEndian(span, id);
        // RD=1; AD=1 asks a validating resolver to report authenticity without DO (RFC 6840 section 5.7).
        BinaryPrimitives.WriteUInt16BigEndian(span[2..], 0x0120);
        BinaryPrimitives.WriteUInt16BigEndian(span[4..], 1);
        BinaryPrimitives.WriteUInt16BigEndian(span[10..], 1);
        wireName.CopyTo(span[12..]);
        var pos = 12 + wireName.Length;
        BinaryPrimitives.WriteUInt16BigEndian(span[pos..], (ushort)type);
        BinaryPrimitives.WriteUInt16BigEndian(span[(pos + 2)..], 1);
        pos += 4;
        span[pos] = 0; // root owner name
        BinaryPrimitives.WriteUInt16BigEndian(span[(pos + 1)..], (ushort)DnsRecordType.OPT);
        BinaryPrimitives.WriteUInt16BigEndian(span[(pos + 3)..], udpPayloadSize);
        // TTL field of OPT: extended RCODE 0, version 0, DO flag (RFC 3225 section 3).
        BinaryPrimitives.WriteUInt32BigEndian(span[(pos + 5)..], dnssecOk ? 0x8000u : 0u);
        BinaryPrimitives.WriteUInt16BigEndian(span[(pos + 9)..], 0);
        return message;
    }
}
