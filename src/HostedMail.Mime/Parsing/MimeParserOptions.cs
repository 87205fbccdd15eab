namespace HostedMail.Mime;

/// <summary>Limits that keep parsing of hostile input bounded; exceeding one never throws, it sets a <see cref="MimeIssues"/> flag.</summary>
public sealed record MimeParserOptions
{
    /// <summary>The defaults: generous for real mail, bounded for hostile mail.</summary>
    public static MimeParserOptions Default { get; } = new();

    /// <summary>Deepest nesting of multiparts and message/rfc822 parts; deeper entities are kept as opaque leaves. Capped at 256 to bound recursion.</summary>
    public int MaxNestingDepth { get; init; } = 64;

    /// <summary>Header fields kept per entity; further fields are skipped (their bytes still belong to the header).</summary>
    public int MaxHeaderCount { get; init; } = 10_000;

    /// <summary>Longest single header field in bytes; longer fields are skipped.</summary>
    public int MaxHeaderFieldLength { get; init; } = 1 << 20;

    /// <summary>Entities per message; past it, multiparts are not split further.</summary>
    public int MaxPartCount { get; init; } = 100_000;
}

/// <summary>Irregularities found while parsing; the tree is still usable.</summary>
[Flags]
public enum MimeIssues
{
    /// <summary>Nothing unusual.</summary>
    None = 0,

    /// <summary>A header line ended with LF alone.</summary>
    BareLineFeed = 1 << 0,

    /// <summary>The message contains a NUL byte.</summary>
    NulByte = 1 << 1,

    /// <summary>A header contains 8-bit bytes (legal only under RFC 6532).</summary>
    EightBitHeader = 1 << 2,

    /// <summary>An entity had more header fields than <see cref="MimeParserOptions.MaxHeaderCount"/>.</summary>
    HeaderCountLimit = 1 << 3,

    /// <summary>A header field was longer than <see cref="MimeParserOptions.MaxHeaderFieldLength"/>.</summary>
    HeaderTooLong = 1 << 4,

    /// <summary>Nesting deeper than <see cref="MimeParserOptions.MaxNestingDepth"/> was not parsed.</summary>
    NestingLimit = 1 << 5,

    /// <summary>More entities than <see cref="MimeParserOptions.MaxPartCount"/>.</summary>
    PartLimit = 1 << 6,

    /// <summary>A multipart had no boundary parameter.</summary>
    MissingBoundaryParameter = 1 << 7,

    /// <summary>A multipart's boundary never appeared.</summary>
    BoundaryNotFound = 1 << 8,

    /// <summary>A multipart ended without its close delimiter "--boundary--".</summary>
    MissingCloseDelimiter = 1 << 9,

    /// <summary>A line in a header block was neither a field nor a continuation; the body was taken to start there.</summary>
    InvalidHeaderLine = 1 << 10,

    /// <summary>A header block ended at the end of input or at a boundary, without an empty line.</summary>
    UnterminatedHeader = 1 << 11,
}
