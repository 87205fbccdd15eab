using Orleans;

namespace HostedMail.Core;

/// <summary>What kind of user-caused failure a <see cref="HostedMailException"/> reports.</summary>
[GenerateSerializer]
public enum HostedMailError
{
    /// <summary>The input breaks a rule (syntax, policy, limit).</summary>
    Invalid,
    /// <summary>A referenced tenant, domain, mailbox or alias does not exist (for this caller).</summary>
    NotFound,
    /// <summary>The change collides with existing state (duplicate, owned by another tenant).</summary>
    Conflict,
}

/// <summary>A failure caused by the caller's input, with a one-line message fit to show them.</summary>
[GenerateSerializer]
[Alias("HostedMail.HostedMailException")]
public sealed class HostedMailException : Exception
{
    public HostedMailException(HostedMailError error, string message) : base(message) => Error = error;

    public HostedMailException() : this(HostedMailError.Invalid, "invalid request") { }

    public HostedMailException(string message) : this(HostedMailError.Invalid, message) { }

    public HostedMailException(string message, Exception innerException) : base(message, innerException) => Error = HostedMailError.Invalid;

    [Id(0)]
    public HostedMailError Error { get; private init; }

    /// <summary>The input field the failure is about, when there is one (the portal names it in <c>errors</c>).</summary>
    [Id(1)]
    public string? Field { get; private init; }

    public static HostedMailException Invalid(string message) => new(HostedMailError.Invalid, message);

    public static HostedMailException Invalid(string field, string message) => new(HostedMailError.Invalid, message) { Field = field };

    public static HostedMailException NotFound(string message) => new(HostedMailError.NotFound, message);

    public static HostedMailException Conflict(string message) => new(HostedMailError.Conflict, message);
}
