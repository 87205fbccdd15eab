namespace HostedMail.Mime.Tests;

public class AddressTests
{
    private static MailboxAddress One(string text) => Assert.IsType<MailboxAddress>(Assert.Single(AddressParser.ParseList(text)));

    [Fact]
    public void NameAddrAndAddrSpecFormsParse()
    {
        MailboxAddress a = One("Alice Example <alice@example.com>");
        Assert.Equal("Alice Example", a.DisplayName);
        Assert.Equal("alice", a.LocalPart);
        Assert.Equal("example.com", a.Domain);
        MailboxAddress b = One("bob@example.org");
        Assert.Null(b.DisplayName);
        Assert.Equal("bob@example.org", b.Address);
    }

    [Fact]
    public void QuotedDisplayNamesKeepCommasAndEscapes()
    {
        IReadOnlyList<MailAddress> list = AddressParser.ParseList("\"Doe, John \\\"JD\\\"\" <jd@x.com>, other@y.com");
        Assert.Equal(2, list.Count);
        Assert.Equal("Doe, John \"JD\"", list[0].DisplayName);
        Assert.Equal("other@y.com", ((MailboxAddress)list[1]).Address);
    }

    [Fact]
    public void CommentsAreIgnoredOrUsedAsTheNameInTheObsoleteForm()
    {
        MailboxAddress a = One("john@example.com (John Smith)");
        Assert.Equal("John Smith", a.DisplayName);
        MailboxAddress b = One("Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>");
        Assert.Equal("Pete", b.DisplayName);
        Assert.Equal("pete@silly.test", b.Address);
    }

    [Fact]
    public void GroupsCollectTheirMembersAndEmptyGroupsAreKept()
    {
        IReadOnlyList<MailAddress> list = AddressParser.ParseList("A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;, Undisclosed recipients:;, last@x.test");
        Assert.Equal(3, list.Count);
        GroupAddress g = Assert.IsType<GroupAddress>(list[0]);
        Assert.Equal("A Group", g.DisplayName);
        Assert.Equal(["c@a.test", "joe@where.test", "jdoe@one.test"], g.Members.Select(m => m.Address));
        GroupAddress empty = Assert.IsType<GroupAddress>(list[1]);
        Assert.Empty(empty.Members);
        Assert.Equal(4, list.Mailboxes().Count());
    }

    [Fact]
    public void EncodedWordsInDisplayNamesAreDecodedEvenInsideQuotes()
    {
        Assert.Equal("Jörg Müller", One("=?utf-8?q?J=C3=B6rg?= =?utf-8?q?_M=C3=BCller?= <j@x.de>").DisplayName);
        Assert.Equal("Jörg", One("\"=?utf-8?q?J=C3=B6rg?=\" <j@x.de>").DisplayName);
        Assert.Equal("=?utf-8?q?J=C3=B6rg?=", One("\"=?utf-8?q?J=C3=B6rg?=\" <j@x.de>").RawDisplayName);
    }

    [Fact]
    public void ObsoleteSyntaxParses()
    {
        MailboxAddress route = One("<@relay1.test,@relay2.test:user@final.test>");
        Assert.Equal("user@final.test", route.Address);
        Assert.Equal("@relay1.test,@relay2.test", route.Route);
        Assert.Equal("John Q. Public", One("John Q. Public <jqp@x.test>").DisplayName);
        Assert.Equal("first.last@x.test", One("first . last @ x . test").Address);
        Assert.Equal(2, AddressParser.ParseList("a@x.test,,, ,b@x.test").Count);
    }

    [Fact]
    public void QuotedLocalPartsAndDomainLiteralsParse()
    {
        MailboxAddress a = One("\"john doe\"@[192.0.2.1]");
        Assert.Equal("john doe", a.LocalPart);
        Assert.Equal("[192.0.2.1]", a.Domain);
        Assert.Equal("\"john doe\"@[192.0.2.1]", a.Address);
    }

    [Fact]
    public void InternationalisedAddressesParseAsUtf8()
    {
        MailboxAddress a = One("Δοκιμή <χρήστης@παράδειγμα.ελ>");
        Assert.Equal("Δοκιμή", a.DisplayName);
        Assert.Equal("χρήστης", a.LocalPart);
        Assert.True(a.IsInternational);
        Assert.Equal("xn--hxajbheg2az3al.xn--qxam", a.AsciiDomain);
    }

    [Fact]
    public void BrokenListsNeverThrowAndKeepWhatTheyCan()
    {
        Assert.Equal("x@y.test", ((MailboxAddress)AddressParser.ParseList("<<<x@y.test>>>")[0]).Address);
        Assert.Empty(AddressParser.ParseList("  "));
        Assert.Single(AddressParser.ParseList("Alice Smith alice@x.test"));
        Assert.Equal("Alice Smith", One("Alice Smith alice@x.test").DisplayName);
        Assert.Equal("undisclosed-recipients", One("undisclosed-recipients").LocalPart);
    }

    [Theory]
    [InlineData("bücher", "bcher-kva")]
    [InlineData("münchen", "mnchen-3ya")]
    [InlineData("他们为什么不说中文", "ihqwcrb4cv8a8dqg056pqjye")]
    [InlineData("למההםפשוטלאמדבריםעברית", "4dbcagdahymbxekheh6e0a7fei0b")]
    [InlineData("3年B組金八先生", "3B-ww4c5e180e575a65lsy2b")]
    public void PunycodeMatchesRfc3492Samples(string unicode, string ascii)
    {
        Assert.Equal(ascii, Punycode.Encode(unicode));
        Assert.Equal(unicode, Punycode.Decode(ascii));
    }

    [Theory]
    [InlineData("😀")]
    [InlineData("ﬁx-ß-ğ")]
    [InlineData("abc")]
    public void PunycodeRoundTripsAstralAndMixedLabels(string label)
    {
        Assert.Equal(label, Punycode.Decode(Punycode.Encode(label)!));
    }

    [Fact]
    public void IdnDomainsConvertBothWays()
    {
        Assert.Equal("xn--bcher-kva.example", Punycode.ToAscii("Bücher.example"));
        Assert.Equal("bücher.example", Punycode.ToUnicode("xn--bcher-kva.example"));
        Assert.Equal("xn--a-z.example", Punycode.ToUnicode("xn--a-z.example"));
        Assert.Equal("plain.example", Punycode.ToAscii("plain.example"));
    }
}
