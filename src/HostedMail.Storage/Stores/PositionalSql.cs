using System.Collections.Concurrent;
using System.Text;
using Npgsql;

namespace HostedMail.Storage.Stores;

/// <summary>
/// A statement's named parameters (<c>@name</c>) made positional (<c>$1</c>, <c>$2</c>, ...). Npgsql
/// parses and rewrites the text of every command that has named parameters, each time it runs
/// (<c>SqlQueryParser</c>: ~3 % of the node's CPU under the mixed IMAP workload), and sends a command
/// whose parameters are all positional as it is. The stores keep writing readable named statements;
/// the stores run their commands through <see cref="Db.ExecuteReaderAsync(NpgsqlBatch, CancellationToken)"/>
/// and its siblings, which apply this first, and each statement text is rewritten once (statement
/// texts are constants or a few fixed variants).
/// </summary>
internal sealed class PositionalSql
{
    // A bound on the cache in case some caller builds statement texts with values in them: past it,
    // a text is rewritten each time instead of kept.
    private const int MaxCached = 4096;

    private static readonly ConcurrentDictionary<string, PositionalSql> Cache = new(StringComparer.Ordinal);

    private PositionalSql(string text, string[] names)
    {
        Text = text;
        Names = names;
    }

    /// <summary>The statement with <c>$n</c> in place of each <c>@name</c>.</summary>
    public string Text { get; }

    /// <summary>The parameter names in the order of their numbers: <c>$1</c> is <c>Names[0]</c>.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>The rewrite of <paramref name="sql"/>, kept for the next time.</summary>
    public static PositionalSql Of(string sql)
    {
        if (Cache.TryGetValue(sql, out var known))
        {
            return known;
        }

        var rewritten = Rewrite(sql);
        if (Cache.Count < MaxCached)
        {
            Cache.TryAdd(sql, rewritten);
        }

        return rewritten;
    }

    /// <summary>Makes every statement of the batch positional (see <see cref="Apply(NpgsqlBatchCommand)"/>).</summary>
    public static void Apply(NpgsqlBatch batch)
    {
        for (var i = 0; i < batch.BatchCommands.Count; i++)
        {
            Apply(batch.BatchCommands[i]);
        }
    }

    /// <summary>
    /// Rewrites the statement's text and puts its parameters in the order of their numbers, nameless.
    /// Statements without parameters, or with positional ones already, are left as they are.
    /// </summary>
    public static void Apply(NpgsqlBatchCommand statement) =>
        statement.CommandText = Reorder(statement.CommandText, statement.Parameters);

    /// <summary>The same for a command.</summary>
    public static void Apply(NpgsqlCommand command) =>
        command.CommandText = Reorder(command.CommandText, command.Parameters);

    private static string Reorder(string sql, NpgsqlParameterCollection parameters)
    {
        var named = parameters.ToArray();
        if (named.Length == 0 || Array.Exists(named, p => p.ParameterName.Length == 0))
        {
            return sql;
        }

        var positional = Of(sql);
        parameters.Clear();
        foreach (var name in positional.Names)
        {
            var parameter = Array.Find(named, p => string.Equals(p.ParameterName.TrimStart('@'), name, StringComparison.OrdinalIgnoreCase))
                ?? throw new InvalidOperationException($"no value for parameter @{name} of: {sql}");
            parameter.ParameterName = string.Empty;
            parameters.Add(parameter);
        }

        return positional.Text;
    }

    /// <summary>
    /// Replaces each <c>@name</c> outside string literals, quoted identifiers, dollar-quoted strings
    /// and comments. An <c>@</c> not followed by a letter or underscore is an operator (<c>@&gt;</c>,
    /// <c>&lt;@</c>, <c>@@</c>) and stays.
    /// </summary>
    internal static PositionalSql Rewrite(string sql)
    {
        var text = new StringBuilder(sql.Length);
        var names = new List<string>();
        var i = 0;
        while (i < sql.Length)
        {
            var c = sql[i];
            var end = c switch
            {
                '\'' => QuotedEnd(sql, i, '\'', backslashEscapes: i > 0 && sql[i - 1] is 'E' or 'e' && (i < 2 || !IsWordChar(sql[i - 2]))),
                '"' => QuotedEnd(sql, i, '"', backslashEscapes: false),
                '-' when At(sql, i + 1, '-') => LineEnd(sql, i),
                '/' when At(sql, i + 1, '*') => BlockCommentEnd(sql, i),
                '$' => DollarQuoteEnd(sql, i),
                _ => -1,
            };
            if (end > i)
            {
                text.Append(sql, i, end - i);
                i = end;
                continue;
            }

            if (c == '@' && i + 1 < sql.Length && IsNameStart(sql[i + 1]) && (i == 0 || !IsWordChar(sql[i - 1])))
            {
                var start = i + 1;
                var stop = start;
                while (stop < sql.Length && IsWordChar(sql[stop]))
                {
                    stop++;
                }

                var name = sql[start..stop];
                var number = names.FindIndex(n => string.Equals(n, name, StringComparison.OrdinalIgnoreCase));
                if (number < 0)
                {
                    names.Add(name);
                    number = names.Count - 1;
                }

                text.Append('$').Append(number + 1);
                i = stop;
                continue;
            }

            text.Append(c);
            i++;
        }

        return new PositionalSql(text.ToString(), [.. names]);
    }

    private static bool At(string sql, int index, char c) => index < sql.Length && sql[index] == c;

    private static bool IsNameStart(char c) => char.IsAsciiLetter(c) || c == '_';

    private static bool IsWordChar(char c) => char.IsAsciiLetterOrDigit(c) || c == '_';

    /// <summary>Past the closing quote; a doubled quote is one character of the string (and <c>\'</c> in E'' strings).</summary>
    private static int QuotedEnd(string sql, int open, char quote, bool backslashEscapes)
    {
        var i = open + 1;
        while (i < sql.Length)
        {
            if (backslashEscapes && sql[i] == '\\')
            {
                i += 2;
                continue;
            }

            if (sql[i] == quote)
            {
                if (At(sql, i + 1, quote))
                {
                    i += 2;
                    continue;
                }

                return i + 1;
            }

            i++;
        }

        return sql.Length;
    }

    private static int LineEnd(string sql, int start)
    {
        var newline = sql.IndexOf('\n', start);
        return newline < 0 ? sql.Length : newline + 1;
    }

    /// <summary>Past the end of a block comment; PostgreSQL's block comments nest.</summary>
    private static int BlockCommentEnd(string sql, int start)
    {
        var depth = 0;
        var i = start;
        while (i < sql.Length)
        {
            if (sql[i] == '/' && At(sql, i + 1, '*'))
            {
                depth++;
                i += 2;
            }
            else if (sql[i] == '*' && At(sql, i + 1, '/'))
            {
                i += 2;
                if (--depth == 0)
                {
                    return i;
                }
            }
            else
            {
                i++;
            }
        }

        return sql.Length;
    }

    /// <summary>Past a <c>$tag$...$tag$</c> string; -1 when the <c>$</c> does not open one (<c>$1</c>, or inside a name).</summary>
    private static int DollarQuoteEnd(string sql, int start)
    {
        if (start > 0 && IsWordChar(sql[start - 1]))
        {
            return -1;
        }

        var i = start + 1;
        if (i < sql.Length && char.IsAsciiDigit(sql[i]))
        {
            return -1;
        }

        while (i < sql.Length && IsWordChar(sql[i]))
        {
            i++;
        }

        if (!At(sql, i, '$'))
        {
            return -1;
        }

        var tag = sql[start..(i + 1)];
        var close = sql.IndexOf(tag, i + 1, StringComparison.Ordinal);
        return close < 0 ? sql.Length : close + tag.Length;
    }
}
