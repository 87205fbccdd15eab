namespace HostedMail.Dns.Protocol;

/// <summary>A parsed DNS message (RFC 1035 section 4.1).</summary>
internal sealed class DnsMessage
{
    public ushort Id { get; init; }
    public bool IsResponse { get; init; }
    public bool Truncated { get; init; }
    public bool AuthenticatedData { get; init; }
    public int ResponseCode { get; init; }
    public string QuestionName { get; init; } = string.Empty;
    public DnsRecordType QuestionType { get; init; }
    public int QuestionCount { get; init; }
    public List<DnsRecord> Answers { get; } = [];
    public List<DnsRecord> Authority { get; } = [];
}

/// <summary>RCODE values (RFC 1035 section 4.1.1).</summary>
internal static class DnsResponseCode
{
    public const int NoError = 0;
    public const int FormatError = 1;
    public const int ServerFailure = 2;
    public const int NameError = 3;
    public const int NotImplemented = 4;
    public const int Refused = 5;
}
