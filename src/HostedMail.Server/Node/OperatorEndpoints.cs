using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Orleans.Dashboard;

namespace HostedMail.Server.Node;

/// <summary>
/// The operators' HTTP endpoints: Prometheus metrics at <c>/metrics</c> and the Orleans Dashboard
/// at <c>/dashboard</c>, on the node's HTTP listener (<c>Http:Urls</c>) beside the portal.
/// </summary>
/// <remarks>
/// Operators have no web login (they work with the <c>hostedmail</c> CLI on the node), so these
/// endpoints take one shared secret, <c>Operator:Token</c>: <c>Authorization: Bearer TOKEN</c>
/// (Prometheus <c>authorization.credentials</c>) or HTTP Basic with any user name and the token
/// as password (browsers, for the dashboard). Without a configured token both endpoints refuse
/// everyone: the dashboard shows every grain and silo, the metrics the traffic of every tenant.
/// The token travels in clear over HTTP, so the listener must be TLS-terminated or on loopback
/// (docs/operations.md).
/// </remarks>
internal static class OperatorEndpoints
{
    public const string MetricsPath = "/metrics";
    public const string DashboardPath = "/dashboard";

    public static void MapOperatorEndpoints(this WebApplication app)
    {
        var token = app.Configuration["Operator:Token"] is { Length: > 0 } t ? Encoding.UTF8.GetBytes(t) : null;
        app.UseWhen(IsOperatorPath, branch => branch.Use(async (context, next) =>
        {
            if (token is null)
            {
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
                await context.Response.WriteAsync("operator endpoints are off: set Operator:Token (docs/operations.md)\n");
                return;
            }

            if (!Presents(context.Request, token))
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                context.Response.Headers.WWWAuthenticate = "Basic realm=\"HostedMail operators\", charset=\"UTF-8\"";
                await context.Response.WriteAsync("operator token required\n");
                return;
            }

            await next(context);
        }));
        app.MapPrometheusScrapingEndpoint(MetricsPath);
        if (app.Configuration.GetValue("Operator:Dashboard", true))
        {
            app.MapOrleansDashboard(routePrefix: DashboardPath);
        }
    }

    private static bool IsOperatorPath(HttpContext context) =>
        context.Request.Path.StartsWithSegments(MetricsPath, StringComparison.OrdinalIgnoreCase)
        || context.Request.Path.StartsWithSegments(DashboardPath, StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether the request carries the token as a bearer token or as the Basic password (RFC 7617); compared in constant time.</summary>
    internal static bool Presents(HttpRequest request, byte[] token)
    {
        var header = request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return Same(Encoding.UTF8.GetBytes(header["Bearer ".Length..].Trim()), token);
        }

        if (header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            var buffer = new byte[header.Length];
            if (!Convert.TryFromBase64String(header["Basic ".Length..].Trim(), buffer, out var length))
            {
                return false;
            }

            var colon = Array.IndexOf(buffer, (byte)':', 0, length);
            return colon >= 0 && Same(buffer.AsSpan(colon + 1, length - colon - 1), token);
        }

        return false;
    }

    private static bool Same(ReadOnlySpan<byte> presented, byte[] token) => CryptographicOperations.FixedTimeEquals(presented, token);
}
