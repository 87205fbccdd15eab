using System.Reflection;
using System.Text.RegularExpressions;
using HostedMail.Storage.Stores;
using HostedMail.Testing;
using Npgsql;

namespace HostedMail.IntegrationTests.Storage;

/// <summary>
/// <see cref="PositionalSql"/>: named parameters become <c>$n</c> only where PostgreSQL would read a
/// parameter, never inside literals, quoted names, dollar quotes or comments; every statement text of
/// the stores survives the rewrite unchanged but for its placeholders; and a rewritten command gets
/// the values of the right names from a real server.
/// </summary>
public sealed partial class PositionalSqlTests
{
    [Theory]
    [InlineData("SELECT @a, @b, @a", "SELECT $1, $2, $1", "a,b")]
    [InlineData("WHERE x = @since::bigint AND y = ANY(@uids)", "WHERE x = $1::bigint AND y = ANY($2)", "since,uids")]
    [InlineData("SELECT @Tenant_Id, @tenant_id", "SELECT $1, $1", "Tenant_Id")]
    [InlineData("SELECT 'a@b.example', '@x''@y', @z", "SELECT 'a@b.example', '@x''@y', $1", "z")]
    [InlineData("SELECT E'\\'@x', @y", "SELECT E'\\'@x', $1", "y")]
    [InlineData("SELECT \"@col\", \"a\"\"@b\", @c", "SELECT \"@col\", \"a\"\"@b\", $1", "c")]
    [InlineData("SELECT $$ @x $$, $t$ @y $ @z $t$, @w", "SELECT $$ @x $$, $t$ @y $ @z $t$, $1", "w")]
    [InlineData("SELECT 1 -- @x\n, @y", "SELECT 1 -- @x\n, $1", "y")]
    [InlineData("SELECT /* @x /* @y */ @z */ @w", "SELECT /* @x /* @y */ @z */ $1", "w")]
    [InlineData("WHERE k @> @a AND k <@ @b AND d @@ q", "WHERE k @> $1 AND k <@ $2 AND d @@ q", "a,b")]
    [InlineData("SELECT $1, a$b, @c", "SELECT $1, a$b, $1", "c")]
    [InlineData("SELECT x@y FROM t", "SELECT x@y FROM t", "")]
    public void RewritesOnlyWhatPostgresReadsAsAParameter(string sql, string expected, string names)
    {
        var rewritten = PositionalSql.Rewrite(sql);

        Assert.Equal(expected, rewritten.Text);
        Assert.Equal(names.Length == 0 ? [] : names.Split(','), rewritten.Names);
    }

    [Fact]
    public void EveryStatementTextOfTheStoresSurvivesTheRewrite()
    {
        // Each $n put back as @name gives the text back: only placeholders changed.
        var texts = typeof(PositionalSql).Assembly.GetTypes()
            .SelectMany(t => t.GetFields(BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public))
            .Where(f => f.FieldType == typeof(string) && (f.IsLiteral || f.IsInitOnly))
            .Select(f => (string?)f.GetValue(null))
            .Where(s => s is not null && s.Contains('@', StringComparison.Ordinal) && StatementStart().IsMatch(s))
            .Cast<string>()
            .ToList();
        Assert.True(texts.Count > 20, $"found only {texts.Count} statement texts");
        foreach (var sql in texts)
        {
            var rewritten = PositionalSql.Rewrite(sql);
            Assert.NotEmpty(rewritten.Names);
            var restored = Placeholder().Replace(rewritten.Text, m => "@" + rewritten.Names[int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) - 1]);
            Assert.Equal(sql, restored);
            Assert.DoesNotMatch(NamedParameter(), StripQuoted(rewritten.Text));
        }
    }

    [Fact]
    public async Task ARewrittenCommandGetsEachNamesValue()
    {
        await using var database = await TestDatabase.CreateMigratedAsync();
        await using var connection = await database.DataSource.OpenConnectionAsync();
        await using var command = Db.Command(connection, null, "SELECT @b::text || @a::text || @b::text || '@a'", ("a", "x"), ("b", "y"), ("unused", 1));
        PositionalSql.Apply(command);

        Assert.Equal("SELECT $1::text || $2::text || $1::text || '@a'", command.CommandText);
        Assert.Equal("yxy@a", await command.ExecuteScalarAsync());

        await using var batch = new NpgsqlBatch(connection) { BatchCommands = { Db.Statement("SELECT @n::int + 1", ("n", 41)), new NpgsqlBatchCommand("SELECT 7") } };
        PositionalSql.Apply(batch);
        await using var reader = await batch.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(42, reader.GetInt32(0));
        Assert.True(await reader.NextResultAsync());
        Assert.True(await reader.ReadAsync());
        Assert.Equal(7, reader.GetInt32(0));
    }

    [Fact]
    public async Task AMissingValueIsRefusedBeforeAnythingIsSent()
    {
        await using var database = await TestDatabase.CreateMigratedAsync();
        await using var connection = await database.DataSource.OpenConnectionAsync();
        await using var command = Db.Command(connection, null, "SELECT @a, @b", ("a", 1));

        var error = Assert.Throws<InvalidOperationException>(() => PositionalSql.Apply(command));
        Assert.Contains("@b", error.Message, StringComparison.Ordinal);
    }

    private static string StripQuoted(string sql) => Quoted().Replace(sql, string.Empty);

    [GeneratedRegex(@"^\s*(WITH|SELECT|INSERT|UPDATE|DELETE)\b", RegexOptions.IgnoreCase)]
    private static partial Regex StatementStart();

    [GeneratedRegex(@"\$(\d+)")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"(?<![\w@<])@[A-Za-z_]")]
    private static partial Regex NamedParameter();

    [GeneratedRegex(@"'([^']|'')*'|""([^""]|"""")*""")]
    private static partial Regex Quoted();
}
