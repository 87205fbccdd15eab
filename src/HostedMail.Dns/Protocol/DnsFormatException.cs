namespace HostedMail.Dns.Protocol;

/// <summary>A malformed DNS message; caught inside the resolver and turned into <see cref="DnsStatus.MalformedResponse"/>.</summary>
#pragma warning disable CA1064 // Never escapes the assembly: the resolver converts it into a status.
internal sealed class DnsFormatException(string message) : Exception(message);
#pragma warning restore CA1064
