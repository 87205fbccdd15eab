namespace HostedMail.Imap.Tests;

// LSUB (RFC 3501 section 6.3.9) and LIST-EXTENDED subscriptions (RFC 5258 sections 3.1, 3.5).
// Under "T/", away from the special-use folders every mailbox starts with.
public sealed partial class ComplianceTests
{
    [Fact]
    public async Task LsubAndListSubscribedFollowTheSubscriptionsEvenOfDeletedFolders()
    {
        var (_, client) = await MailboxAndClientAsync("lsub");
        await using var _ = client;
        Assert.Equal(["A2 OK CREATE completed"], await client.CommandAsync("CREATE T/Lists/rust/async"));
        // RFC 3501 sections 6.3.6 and 6.3.9: subscriptions are what the user declared; CREATE
        // (of the name and of its superiors) declares nothing.
        Assert.Equal(["A3 OK LSUB completed"], await client.CommandAsync("LSUB \"\" T/*"));
        Assert.Equal(["A4 OK SUBSCRIBE completed"], await client.CommandAsync("SUBSCRIBE T/Lists/rust/async"));
        await client.CommandAsync("CREATE T/Old");
        await client.CommandAsync("SUBSCRIBE T/Old");
        await client.CommandAsync("CREATE T/Temp");
        Assert.Equal(["A8 OK DELETE completed"], await client.CommandAsync("DELETE T/Old"));

        // "%" stops at T/Lists, whose subscribed descendant it cannot reach: T/Lists as \Noselect.
        // The deleted T/Old stays subscribed (RFC 3501 section 6.3.6).
        Assert.Equal(["* LSUB (\\Noselect) \"/\" T/Lists", "* LSUB (\\Noselect) \"/\" T/Old", "A9 OK LSUB completed"], await client.CommandAsync("LSUB \"\" T/%"));
        Assert.Equal(["* LSUB (\\Noselect) \"/\" T/Lists/rust", "A10 OK LSUB completed"], await client.CommandAsync("LSUB T/Lists/ %"));
        Assert.Equal(["* LSUB () \"/\" T/Lists/rust/async", "* LSUB (\\Noselect) \"/\" T/Old", "A11 OK LSUB completed"], await client.CommandAsync("LSUB \"\" T/*"));

        Assert.Equal(
            ["* LIST (\\HasNoChildren \\Subscribed) \"/\" T/Lists/rust/async", "* LIST (\\NonExistent \\HasNoChildren \\Subscribed) \"/\" T/Old", "A12 OK LIST completed"],
            await client.CommandAsync("LIST (SUBSCRIBED) \"\" T/*"));
        Assert.Equal(
            ["* LIST (\\HasChildren) \"/\" T/Lists (\"CHILDINFO\" (\"SUBSCRIBED\"))", "* LIST (\\NonExistent \\HasNoChildren \\Subscribed) \"/\" T/Old", "A13 OK LIST completed"],
            await client.CommandAsync("LIST (SUBSCRIBED RECURSIVEMATCH) \"\" T/%"));
        Assert.Equal(
            ["* LIST (\\HasChildren) \"/\" T/Lists", "* LIST (\\HasChildren) \"/\" T/Lists/rust", "* LIST (\\HasNoChildren \\Subscribed) \"/\" T/Lists/rust/async", "* LIST (\\HasNoChildren) \"/\" T/Temp", "A14 OK LIST completed"],
            await client.CommandAsync("LIST \"\" T/* RETURN (SUBSCRIBED)"));

        // Unsubscribing the orphan removes it; re-creating a deleted subscribed name subscribes it again.
        Assert.Equal(["A15 OK UNSUBSCRIBE completed"], await client.CommandAsync("UNSUBSCRIBE T/Old"));
        Assert.Equal(["* LSUB (\\Noselect) \"/\" T/Lists", "A16 OK LSUB completed"], await client.CommandAsync("LSUB \"\" T/%"));
        await client.CommandAsync("CREATE T/Gone");
        await client.CommandAsync("SUBSCRIBE T/Gone");
        await client.CommandAsync("DELETE T/Gone");
        await client.CommandAsync("CREATE T/Gone");
        Assert.Equal(["* LSUB () \"/\" T/Gone", "A21 OK LSUB completed"], await client.CommandAsync("LSUB \"\" T/Gone"));
        Assert.Equal(["A22 NO [NONEXISTENT] No such mailbox"], await client.CommandAsync("UNSUBSCRIBE T/Never"));
    }
}
