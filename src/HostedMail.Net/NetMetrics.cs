using System.Diagnostics.Metrics;
using HostedMail.Core.Security;

namespace HostedMail.Net;

/// <summary>
/// The mail listeners' shared instruments (meter <c>HostedMail.Net</c>): authentication outcomes
/// for SMTP AUTH, IMAP LOGIN/AUTHENTICATE and POP3 USER/PASS/AUTH alike.
/// </summary>
public static class NetMetrics
{
    /// <summary>The meter's name, for the node's OpenTelemetry registration.</summary>
    public const string MeterName = "HostedMail.Net";

    private static readonly Meter Meter = new(MeterName);

    // Tag values are a fixed handful of interned strings, so recording allocates nothing.
    private static readonly Counter<long> AuthAttempts = Meter.CreateCounter<long>(
        "hostedmail.auth.attempts", "{attempt}",
        "Mail logins by result: success, failure (bad credentials), locked_out (refused by the cluster-wide lockout), temporary_failure");

    internal static void AuthAttempt(AuthStatus status) => AuthAttempts.Add(1, new KeyValuePair<string, object?>("hostedmail.auth.result", status switch
    {
        AuthStatus.Succeeded => "success",
        AuthStatus.Failed => "failure",
        AuthStatus.LockedOut => "locked_out",
        _ => "temporary_failure",
    }));
}
