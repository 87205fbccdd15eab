using System.Globalization;

using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace HostedMail.Storage.Migrations;

/// <summary>One numbered SQL migration file and the SHA-256 of its bytes.</summary>
public sealed record Migration(int Version, string FileName, string Sql, string Sha256)
{
    /// <summary>
    /// The first line of a migration that runs outside a transaction, one statement at a time: what
    /// PostgreSQL refuses inside one (<c>CREATE INDEX CONCURRENTLY</c>, which builds an index on a big
    /// table without holding its writers for the whole build). Such a file must be safe to run again
    /// from its start (a failure leaves the statements before it done), and ends each statement with
    /// a semicolon at the end of a line, outside any comment.
    /// </summary>
    public const string OutsideTransactionMarker = "-- migration: outside a transaction";

    /// <summary>Whether the file starts with <see cref="OutsideTransactionMarker"/>.</summary>
    public bool OutsideTransaction => Sql.StartsWith(OutsideTransactionMarker, StringComparison.Ordinal);

    /// <summary>The statements of the file, comment lines left out (for <see cref="OutsideTransaction"/> files).</summary>
    public IReadOnlyList<string> Statements()
    {
        var statements = new List<string>();
        var current = new StringBuilder();
        foreach (var line in Sql.Split('\n'))
        {
            if (line.TrimStart().StartsWith("--", StringComparison.Ordinal))
            {
                continue;
            }

            current.AppendLine(line);
            if (line.TrimEnd().EndsWith(';'))
            {
                statements.Add(current.ToString().Trim());
                current.Clear();
            }
        }

        if (current.ToString().Trim() is { Length: > 0 } rest)
        {
            statements.Add(rest);
        }

        return statements;
    }

    /// <summary>Builds a migration from a file name of the form <c>NNNN_verb_object.sql</c> and its bytes.</summary>
    public static Migration FromFile(string fileName, byte[] content)
    {
        var match = MigrationFileName.Pattern().Match(fileName);
        if (!match.Success)
        {
            throw new MigrationException($"migration file name '{fileName}' is not of the form NNNN_name.sql");
        }

        var version = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        var sha = Convert.ToHexStringLower(SHA256.HashData(content));
        return new Migration(version, fileName, Encoding.UTF8.GetString(content), sha);
    }
}

internal static partial class MigrationFileName
{
    [GeneratedRegex(@"^(\d{4})_[a-z0-9_]+\.sql$")]
    public static partial Regex Pattern();
}

/// <summary>Where migrations come from: the assembly's embedded copies, or a directory (tests, tools).</summary>
public interface IMigrationSource
{
    IReadOnlyList<Migration> Load();
}

/// <summary>The migrations compiled into this assembly from the repository's <c>migrations/</c> folder.</summary>
public sealed class EmbeddedMigrationSource : IMigrationSource
{
    private const string Prefix = "migrations/";

    public IReadOnlyList<Migration> Load()
    {
        var assembly = typeof(EmbeddedMigrationSource).Assembly;
        var list = new List<Migration>();
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            list.Add(Migration.FromFile(name[Prefix.Length..], buffer.ToArray()));
        }

        return MigrationSet.Validate(list);
    }
}

/// <summary>Migrations read from <c>*.sql</c> files in a directory.</summary>
public sealed class DirectoryMigrationSource(string directory) : IMigrationSource
{
    public IReadOnlyList<Migration> Load() =>
        MigrationSet.Validate(Directory.GetFiles(directory, "*.sql").Select(f => Migration.FromFile(Path.GetFileName(f), File.ReadAllBytes(f))).ToList());
}

internal static class MigrationSet
{
    public static IReadOnlyList<Migration> Validate(List<Migration> migrations)
    {
        migrations.Sort((a, b) => a.Version.CompareTo(b.Version));
        for (var i = 1; i < migrations.Count; i++)
        {
            if (migrations[i].Version == migrations[i - 1].Version)
            {
                throw new MigrationException($"migrations {migrations[i - 1].FileName} and {migrations[i].FileName} have the same number");
            }
        }

        return migrations;
    }
}

/// <summary>A migration problem that must stop the node: a changed, unknown or failing migration.</summary>
public sealed class MigrationException : Exception
{
    public MigrationException() : base("migration failed") { }

    public MigrationException(string message) : base(message) { }

    public MigrationException(string message, Exception innerException) : base(message, innerException) { }
}

