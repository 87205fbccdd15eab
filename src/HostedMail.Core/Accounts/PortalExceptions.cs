namespace HostedMail.Core.Accounts;

/// <summary>Invalid input, with a message per field (becomes RFC 9457 problem details with an <c>errors</c> member).</summary>
public sealed class FieldValidationException : Exception
{
    public FieldValidationException(IReadOnlyDictionary<string, string> errors) : base(string.Join("; ", errors.Select(e => $"{e.Key}: {e.Value}"))) => Errors = errors;

    public FieldValidationException() : this(new Dictionary<string, string>()) { }

    public FieldValidationException(string message) : base(message) => Errors = new Dictionary<string, string>();

    public FieldValidationException(string message, Exception innerException) : base(message, innerException) => Errors = new Dictionary<string, string>();

    public IReadOnlyDictionary<string, string> Errors { get; }
}

/// <summary>The caller is known but their role does not allow the change.</summary>
public sealed class PortalForbiddenException : Exception
{
    public PortalForbiddenException() : base("forbidden") { }

    public PortalForbiddenException(string message) : base(message) { }

    public PortalForbiddenException(string message, Exception innerException) : base(message, innerException) { }
}
