using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace HostedMail.IntegrationTests.Architecture;

/// <summary>The rules of ../shared/ARCHITECTURE.md that the code can be checked against.</summary>
public sealed partial class ArchitectureTests
{
    // ARCHITECTURE.md "Projects": a project may reference only projects listed before it.
    private static readonly string[] Order =
    [
        "HostedMail.Mime", "HostedMail.Dns", "HostedMail.MailAuth", "HostedMail.Core", "HostedMail.Storage", "HostedMail.Grains",
        "HostedMail.Identity", "HostedMail.Billing", "HostedMail.Net", "HostedMail.Smtp", "HostedMail.Imap", "HostedMail.Pop3",
        "HostedMail.Portal", "HostedMail.Server",
    ];

    private static readonly string[] Protocols = ["HostedMail.Smtp", "HostedMail.Imap", "HostedMail.Pop3", "HostedMail.Net"];

    [Fact]
    public void ProjectReferencesPointOnlyToProjectsListedBefore()
    {
        var projects = Directory.GetFiles(Path.Combine(RepositoryRoot(), "src"), "*.csproj", SearchOption.AllDirectories);
        Assert.NotEmpty(projects);
        foreach (var project in projects)
        {
            var name = Path.GetFileNameWithoutExtension(project);
            var position = Array.IndexOf(Order, name);
            Assert.True(position >= 0, $"{name} is not in ARCHITECTURE.md's project table");
            foreach (var reference in References(project))
            {
                var target = Array.IndexOf(Order, reference);
                Assert.True(target >= 0 && target < position, $"{name} references {reference}, which the architecture lists after it");
            }
        }
    }

    [Fact]
    public void ProtocolProjectsNeverSeeSql()
    {
        foreach (var name in Protocols)
        {
            var project = Path.Combine(RepositoryRoot(), "src", name, name + ".csproj");
            var document = XDocument.Load(project);
            var packages = document.Descendants("PackageReference").Select(e => (string?)e.Attribute("Include") ?? "");
            Assert.DoesNotContain(packages, p => p.StartsWith("Npgsql", StringComparison.Ordinal));
            Assert.DoesNotContain("HostedMail.Storage", References(project));
        }
    }

    /// <summary>
    /// Npgsql refuses a DateTimeOffset with a non-zero offset for timestamptz; a message dated
    /// "+0200" once crashed delivery because one call site built its own parameter. Storage's
    /// Db.Parameter is the one place parameters are made (and timestamps become UTC).
    /// </summary>
    [Fact]
    public void StoresBuildParametersOnlyThroughDbParameter()
    {
        var storage = Path.Combine(RepositoryRoot(), "src", "HostedMail.Storage");
        var offenders = Directory.GetFiles(storage, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Where(f => Path.GetFileName(f) != "Db.cs")
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (File: Path.GetFileName(f), Line: i + 1, Text: line)))
            .Where(l => ParameterConstruction().IsMatch(l.Text))
            .Select(l => $"{l.File}:{l.Line}: {l.Text.Trim()}")
            .ToList();
        Assert.True(offenders.Count == 0, "parameters built outside Db.Parameter:\n" + string.Join('\n', offenders));
    }

    [GeneratedRegex(@"new\s+NpgsqlParameter\b|AddWithValue\s*\(")]
    private static partial Regex ParameterConstruction();

    /// <summary>
    /// ARCHITECTURE.md "Grains own entities": the domain's grain answers RCPT from memory because
    /// every change to the domain goes through it. A verification, DKIM key change or deletion
    /// written anywhere else (as the portal once did) would leave that memory stale, so the stores'
    /// domain writes are called from HostedMail.Grains only; a store decorator may hand the call on
    /// to the store it wraps.
    /// </summary>
    [Fact]
    public void DomainWritesAreCalledOnlyFromTheGrains()
    {
        var src = Path.Combine(RepositoryRoot(), "src");
        var grains = Path.Combine(src, "HostedMail.Grains") + Path.DirectorySeparatorChar;
        var offenders = Directory.GetFiles(src, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Where(f => !f.StartsWith(grains, StringComparison.Ordinal))
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (File: Path.GetRelativePath(src, f), Line: i + 1, Text: line)))
            .Where(l => DomainWriteCall().Matches(l.Text).Any(m => m.Groups["receiver"].Value != "inner"))
            .Select(l => $"{l.File}:{l.Line}: {l.Text.Trim()}")
            .ToList();
        Assert.True(offenders.Count == 0, "domain writes outside src/HostedMail.Grains (go through IDomainGrain / DomainService):\n" + string.Join('\n', offenders));
    }

    [GeneratedRegex(@"(?<receiver>\w+)\s*\.\s*(?:MarkVerifiedAsync|RecordCheckAsync|AddDkimKeyAsync|RetireDkimKeyAsync|DeleteDomainAsync)\s*\(")]
    private static partial Regex DomainWriteCall();

    private static IEnumerable<string> References(string project) =>
        XDocument.Load(project).Descendants("ProjectReference")
            .Select(e => Path.GetFileNameWithoutExtension(((string?)e.Attribute("Include") ?? "").Replace('\\', '/')));

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "HostedMail.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("HostedMail.sln not found above " + AppContext.BaseDirectory);
    }
}
