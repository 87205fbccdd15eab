namespace HostedMail.Imap.Tests;

// RFC 9051 section 9 grammar: atoms with every ATOM-CHAR, "~" outside literal8, quoted-string escapes.
public sealed partial class ComplianceTests
{
    [Theory]
    // Every ATOM-CHAR that is not a letter or digit, and "]" (astring allows resp-specials).
    // "&" is modified UTF-7's shift character, so an IMAP4rev1 client writes it "&-" (RFC 3501 section 5.1.3).
    [InlineData("~foo", "~foo")]
    [InlineData("!#$&-'+,-.;=@^_`|~]", "!#$&-'+,-.;=@^_`|~]")]
    [InlineData("a]b", "a]b")]
    [InlineData("x:y<z>?", "x:y<z>?")]
    public async Task MailboxNamesMayUseEveryAtomChar(string atom, string listed)
    {
        var (_, client) = await MailboxAndClientAsync("atoms");
        await using var _ = client;
        Assert.Equal(["A2 OK CREATE completed"], await client.CommandAsync("CREATE " + atom));
        var select = await client.CommandAsync("SELECT " + atom);
        Assert.StartsWith("A3 OK [READ-WRITE]", select[^1], StringComparison.Ordinal);
        var status = await client.CommandAsync("STATUS " + atom + " (MESSAGES)");
        Assert.Equal("A4 OK STATUS completed", status[^1]);
        var list = await client.CommandAsync("LIST \"\" " + atom);
        Assert.Equal(2, list.Count);
        Assert.EndsWith(" \"/\" " + Wire(listed), list[0], StringComparison.Ordinal);
        Assert.Equal(["A6 OK RENAME completed"], await client.CommandAsync("RENAME " + atom + " " + atom + "2"));
        Assert.Equal(["A7 OK DELETE completed"], await client.CommandAsync("DELETE " + atom + "2"));
    }

    /// <summary>How the server writes a name: as an atom when it is one, else quoted.</summary>
    private static string Wire(string name) =>
        name.Any(c => c is '(' or ')' or '{' or ' ' or '%' or '*' or '"' or '\\' or ']') ? "\"" + name.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"" : name;

    [Fact]
    public async Task QuotedStringsUnescapeBackslashAndQuote()
    {
        var (_, client) = await MailboxAndClientAsync("quoted");
        await using var _ = client;
        Assert.Equal(["A2 OK CREATE completed"], await client.CommandAsync("CREATE \"say \\\"hi\\\" \\\\ bye\""));
        var list = await client.CommandAsync("LIST \"\" \"say*\"");
        Assert.Equal(["* LIST (\\HasNoChildren) \"/\" \"say \\\"hi\\\" \\\\ bye\"", "A3 OK LIST completed"], list);
        Assert.Equal("A4 OK STATUS completed", (await client.CommandAsync("STATUS \"say \\\"hi\\\" \\\\ bye\" (MESSAGES)"))[^1]);
        Assert.Equal(["A5 BAD invalid escape in quoted string"], await client.CommandAsync("SELECT \"bad \\n escape\""));
        Assert.Equal(["A6 NO [NONEXISTENT] No such mailbox"], await client.CommandAsync("SELECT ~nothing"));
        Assert.Equal(["A7 BAD literal8 is not allowed here"], await client.CommandAsync("SELECT ~{3+}\r\nabc"));
    }
}
