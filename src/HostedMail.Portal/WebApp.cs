using HostedMail.Identity.OAuth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.FileProviders;
using Microsoft.Net.Http.Headers;

namespace HostedMail.Portal;

/// <summary>
/// Serves the portal's single-page app (<c>web/dist</c>, built by script/bootstrap) at <c>/</c>
/// beside <c>/api/v1</c>, and puts the security headers on every response the node's HTTP
/// listener sends, API, autoconfig and health included.
/// </summary>
public static class WebApp
{
    // Implementation notes:
    // - Headers are set in OnStarting, so an error path that clears the response (Problems'
    //   500 handler calls Response.Clear) still sends them.
    // - Static files are served before authentication runs: an asset request never costs the
    //   session lookup in PostgreSQL.
    // - The client-route fallback answers only GET/HEAD on paths without a file extension and
    //   outside the server's own prefixes, so unknown API routes stay problem+json 404s and a
    //   wrong method on an API route stays a 405.

    /// <summary>
    /// No inline script or style anywhere (Vite emits files only), no framing (clickjacking),
    /// XHR only to this origin. <c>img-src data:</c> is not needed: QR codes are SVG elements.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; connect-src 'self'; " +
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    /// <summary>Paths the server answers itself; the app's index.html is never served for them.</summary>
    private static readonly string[] ServerPrefixes = ["/api", "/.well-known", "/mail", "/autodiscover", "/healthz", "/readyz"];

    /// <summary>Adds the security headers and the static files of the app; call before authentication.</summary>
    public static void UseWebApp(WebApplication app)
    {
        app.Use((context, next) =>
        {
            var response = context.Response;
            response.OnStarting(() =>
            {
                var headers = response.Headers;
                // The OAuth consent page's form is answered by a redirect to the client, which
                // browsers check against form-action too: that page names the one origin it allows.
                headers.ContentSecurityPolicy = context.Items.TryGetValue(OAuthPage.FormActionSourcesItem, out var extra) && extra is string sources
                    ? ContentSecurityPolicy.Replace("form-action 'self'", "form-action 'self' " + sources, StringComparison.Ordinal)
                    : ContentSecurityPolicy;
                headers.XContentTypeOptions = "nosniff";
                headers.XFrameOptions = "DENY";   // frame-ancestors for browsers without CSP level 2
                headers["Referrer-Policy"] = "no-referrer";
                headers["Cross-Origin-Opener-Policy"] = "same-origin";
                headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()";
                if (context.Request.IsHttps)
                {
                    // RFC 6797 section 6.1. No includeSubDomains: the node also answers on tenants'
                    // autoconfig. and mta-sts. names, whose parents are the tenants' to decide.
                    headers.StrictTransportSecurity = "max-age=31536000";
                }

                return Task.CompletedTask;
            });
            return next(context);
        });

        if (FindRoot(app.Configuration) is not { } root)
        {
            return;
        }

        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = new PhysicalFileProvider(root),
            ContentTypeProvider = new FileExtensionContentTypeProvider(),
            OnPrepareResponse = file =>
            {
                // Vite puts a content hash in every name under assets/: they never change.
                file.Context.Response.Headers.CacheControl = file.Context.Request.Path.StartsWithSegments("/assets")
                    ? "public, max-age=31536000, immutable"
                    : "no-cache";
            },
        });
    }

    /// <summary>Maps the client-route fallback to index.html.</summary>
    public static void MapWebApp(WebApplication app)
    {
        var root = FindRoot(app.Configuration);
        app.MapMethods("/{**path:nonfile}", [HttpMethods.Get, HttpMethods.Head], (HttpContext context) =>
        {
            var path = context.Request.Path;
            if (ServerPrefixes.Any(p => path.StartsWithSegments(p, StringComparison.OrdinalIgnoreCase)))
            {
                return Results.NotFound();
            }

            if (root is null)
            {
                return Results.Text("The portal's web app is not built: run script/bootstrap (npm ci and the build in web/).\n", "text/plain; charset=utf-8", statusCode: StatusCodes.Status404NotFound);
            }

            context.Response.Headers.CacheControl = "no-cache";
            return Results.File(Path.Combine(root, "index.html"), "text/html; charset=utf-8");
        }).AllowAnonymous().ExcludeFromDescription().WithOrder(int.MaxValue);
    }

    /// <summary>
    /// <c>Portal:WebRoot</c>, else <c>wwwroot</c> beside the executable (the container image), else
    /// <c>web/dist</c> of the checkout the executable was built in (script/server, tests).
    /// </summary>
    internal static string? FindRoot(IConfiguration configuration)
    {
        if (configuration["Portal:WebRoot"] is { Length: > 0 } configured)
        {
            return File.Exists(Path.Combine(configured, "index.html")) ? Path.GetFullPath(configured) : null;
        }

        var beside = Path.Combine(AppContext.BaseDirectory, "wwwroot");
        if (File.Exists(Path.Combine(beside, "index.html")))
        {
            return beside;
        }

        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var dist = Path.Combine(directory.FullName, "web", "dist");
            if (File.Exists(Path.Combine(dist, "index.html")))
            {
                return dist;
            }
        }

        return null;
    }
}
