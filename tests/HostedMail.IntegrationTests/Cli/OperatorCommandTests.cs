using HostedMail.Testing;
using HostedMail.Testing.Dns;
using Npgsql;

namespace HostedMail.IntegrationTests.Cli;

public sealed class OperatorCommandTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>
{
    private const string GoodPassword = "correct horse battery";
    private readonly CliRunner cli = new(database.ConnectionString);

    [Fact]
    public async Task TenantCreateThenListShowsTheTenant()
    {
        var output = await cli.OkAsync("tenant", "create", "Acme-Widgets", "--display-name", "Acme Widgets Ltd", "--plan", "Business");
        Assert.Matches(@"^created tenant \d+ 'acme-widgets' \(Acme Widgets Ltd, plan business\)", output);
        var list = await cli.OkAsync("tenant", "list");
        Assert.Contains(list.Split('\n'), l => l.Contains("acme-widgets", StringComparison.Ordinal) && l.Contains("Acme Widgets Ltd", StringComparison.Ordinal) && l.Contains("business", StringComparison.Ordinal));
    }

    [Fact]
    public async Task DomainVerifyWithoutANodeLooksForTheTxtRecordItself()
    {
        // No node runs: the command asks the configured DNS server (it used to fail with a stack trace).
        await using var dns = TestDnsServer.Start();
        var withDns = new CliRunner(database.ConnectionString, new Dictionary<string, string?> { ["Portal:DnsServers"] = dns.EndPoint.ToString() });
        await withDns.OkAsync("tenant", "create", "dnsproof-co");
        var added = await withDns.OkAsync("domain", "add", "dnsproof.example", "--tenant", "dnsproof-co");
        var token = System.Text.RegularExpressions.Regex.Match(added, @"hostedmail-verification=[a-z2-7]{26}").Value;

        Assert.Contains("found no TXT record at _hostedmail.dnsproof.example", await withDns.FailsAsync("domain", "verify", "dnsproof.example"), StringComparison.Ordinal);
        dns.Add("_hostedmail.dnsproof.example", TestDnsRecord.Txt("hostedmail-verification=someone-elses"));
        Assert.Contains("found \"hostedmail-verification=someone-elses\"", await withDns.FailsAsync("domain", "verify", "dnsproof.example"), StringComparison.Ordinal);
        dns.Add("_hostedmail.dnsproof.example", TestDnsRecord.Txt(token));
        Assert.Contains("domain dnsproof.example is verified (verified by dns)", await withDns.OkAsync("domain", "verify", "dnsproof.example"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "tenant name must not be empty")]
    [InlineData("12345", "tenant name must not be a number")]
    // The portal's rule (Core TenantName): a slug, the full name goes in --display-name.
    [InlineData("Acme Widgets", "tenant name must be a short slug")]
    [InlineData("acme-", "tenant name must be a short slug")]
    [InlineData("a", "tenant name must be a short slug")]
    public async Task TenantCreateRefusesBadNames(string name, string message)
    {
        Assert.Contains(message, await cli.FailsAsync("tenant", "create", name), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TenantCreateRefusesADuplicateNameIgnoringCase()
    {
        await cli.OkAsync("tenant", "create", "dupe-co");
        Assert.Equal("error: a tenant named 'dupe-co' already exists", await cli.FailsAsync("tenant", "create", "DUPE-CO"));
    }

    [Fact]
    public async Task DomainAddNormalisesAndShowsTheTxtRecordToPublish()
    {
        await cli.OkAsync("tenant", "create", "normalise-co");
        var output = await cli.OkAsync("domain", "add", "  Bücher.Example. ", "--tenant", "normalise-co");
        Assert.Contains("added domain xn--bcher-kva.example to tenant 'normalise-co' (pending verification)", output, StringComparison.Ordinal);
        Assert.Matches(@"_hostedmail\.xn--bcher-kva\.example\. IN TXT ""hostedmail-verification=[a-z2-7]{26}""", output);
        var list = await cli.OkAsync("domain", "list", "--tenant", "normalise-co");
        Assert.Contains("xn--bcher-kva.example  pending", list, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DomainAddWithVerifiedIsAnAuditedOperatorOverride()
    {
        await cli.OkAsync("tenant", "create", "override-co");
        var output = await cli.OkAsync("domain", "add", "override.example", "--tenant", "override-co", "--verified");
        Assert.Contains("(verified by operator)", output, StringComparison.Ordinal);

        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT action, actor, details->>'by' FROM audit_log WHERE target = 'override.example' ORDER BY audit_id", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            rows.Add($"{reader.GetString(0)} {reader.GetString(1)} {(reader.IsDBNull(2) ? "-" : reader.GetString(2))}");
        }

        Assert.Equal(["domain.add operator:cli -", "domain.verify operator:cli operator-override"], rows);
    }

    [Theory]
    [InlineData("localhost", "is not a fully qualified domain name")]
    [InlineData("192.0.2.1", "is an IP address")]
    [InlineData("bad_label.example", "is not a valid domain name")]
    [InlineData("-lead.example", "is not a valid domain name")]
    [InlineData("example.123", "is not a valid domain name")]
    public async Task DomainAddRefusesInvalidNames(string name, string message)
    {
        await cli.RunAsync("tenant", "create", "invalid-domains-co");
        Assert.Contains(message, await cli.FailsAsync("domain", "add", name, "--tenant", "invalid-domains-co"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DomainAddRefusesUnknownTenant()
    {
        Assert.Equal("error: unknown tenant 'no-such-tenant'", await cli.FailsAsync("domain", "add", "x.example", "--tenant", "no-such-tenant"));
    }

    [Fact]
    public async Task DomainVerifiedByAnotherTenantCannotBeAdded()
    {
        await cli.OkAsync("tenant", "create", "owner-co");
        await cli.OkAsync("tenant", "create", "squatter-co");
        await cli.OkAsync("domain", "add", "owned.example", "--tenant", "owner-co", "--verified");
        Assert.Equal("error: domain owned.example is already verified by another tenant", await cli.FailsAsync("domain", "add", "owned.example", "--tenant", "squatter-co"));
        Assert.Equal("error: domain owned.example is already added", await cli.FailsAsync("domain", "add", "OWNED.example", "--tenant", "owner-co"));
    }

    [Fact]
    public async Task APendingDomainCannotBeVerifiedWhenAnotherTenantVerifiedItFirst()
    {
        await cli.OkAsync("tenant", "create", "race-a");
        await cli.OkAsync("tenant", "create", "race-b");
        await cli.OkAsync("domain", "add", "race.example", "--tenant", "race-a");
        await cli.OkAsync("domain", "add", "race.example", "--tenant", "race-b");
        await cli.OkAsync("domain", "verify", "race.example", "--tenant", "race-a", "--verified");
        Assert.Contains("already verified by another tenant", await cli.FailsAsync("domain", "verify", "race.example", "--tenant", "race-b", "--verified"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task MailboxCreateThenListShowsItWithQuota()
    {
        await cli.OkAsync("tenant", "create", "mbx-co");
        await cli.OkAsync("domain", "add", "mbx.example", "--tenant", "mbx-co", "--verified");
        var result = await cli.RunWithInputAsync(GoodPassword + "\n", "mailbox", "create", "Alice@MBX.example", "--tenant", "mbx-co", "--password-stdin", "--quota", "2G", "--name", "Alice A.");
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("created mailbox alice@mbx.example in tenant 'mbx-co' (quota 2G)", result.Output.Trim());
        var list = await cli.OkAsync("mailbox", "list", "--domain", "mbx.example");
        Assert.Contains(list.Split('\n'), l => l.Contains("alice@mbx.example", StringComparison.Ordinal) && l.Contains("2G", StringComparison.Ordinal) && l.Contains("Alice A.", StringComparison.Ordinal));
    }

    [Fact]
    public async Task NewMailboxHasTheDefaultFoldersWithSpecialUse()
    {
        await cli.OkAsync("tenant", "create", "folders-co");
        await cli.OkAsync("domain", "add", "folders.example", "--tenant", "folders-co", "--verified");
        await cli.OkAsync("mailbox", "create", "f@folders.example", "--tenant", "folders-co", "--password", GoodPassword);
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT f.name || ':' || coalesce(f.special_use, '-') FROM folders f JOIN mailboxes m USING (tenant_id, mailbox_id)
            WHERE m.address = 'f@folders.example' ORDER BY f.folder_id
            """, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var folders = new List<string>();
        while (await reader.ReadAsync())
        {
            folders.Add(reader.GetString(0));
        }

        Assert.Equal([@"INBOX:-", @"Sent:\Sent", @"Drafts:\Drafts", @"Junk:\Junk", @"Trash:\Trash", @"Archive:\Archive"], folders);
    }

    [Theory]
    [InlineData("no-at-sign.example", "is not a valid email address")]
    [InlineData("two..dots@weak.example", "the part before @ must be")]
    [InlineData("sp ace@weak.example", "the part before @ must be")]
    [InlineData("x@", "is not a valid email address")]
    public async Task MailboxCreateRefusesInvalidAddresses(string address, string message)
    {
        await cli.RunAsync("tenant", "create", "bad-address-co");
        await cli.RunAsync("domain", "add", "weak.example", "--tenant", "bad-address-co", "--verified");
        Assert.Contains(message, await cli.FailsAsync("mailbox", "create", address, "--tenant", "bad-address-co", "--password", GoodPassword), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("short", "password is too short")]
    [InlineData("password123", "one of the most common passwords")]
    [InlineData("aaaaaaaaaaaaaaaa", "repeats too few different characters")]
    [InlineData("bobby-is-my-password", "contains the mailbox name")]
    public async Task MailboxCreateRefusesWeakPasswords(string password, string message)
    {
        await cli.RunAsync("tenant", "create", "weak-co");
        await cli.RunAsync("domain", "add", "weakpw.example", "--tenant", "weak-co", "--verified");
        Assert.Contains(message, await cli.FailsAsync("mailbox", "create", "bobby@weakpw.example", "--tenant", "weak-co", "--password", password), StringComparison.Ordinal);
    }

    [Fact]
    public async Task MailboxCreateRefusesADuplicateAddress()
    {
        await cli.OkAsync("tenant", "create", "dup-mbx-co");
        await cli.OkAsync("domain", "add", "dupmbx.example", "--tenant", "dup-mbx-co", "--verified");
        await cli.OkAsync("mailbox", "create", "sam@dupmbx.example", "--tenant", "dup-mbx-co", "--password", GoodPassword);
        Assert.Equal("error: mailbox sam@dupmbx.example already exists", await cli.FailsAsync("mailbox", "create", "SAM@dupmbx.example", "--tenant", "dup-mbx-co", "--password", GoodPassword));
    }

    [Fact]
    public async Task MailboxCreateRefusesADomainOfAnotherTenant()
    {
        await cli.OkAsync("tenant", "create", "mine-co");
        await cli.OkAsync("tenant", "create", "theirs-co");
        await cli.OkAsync("domain", "add", "theirs.example", "--tenant", "theirs-co", "--verified");
        Assert.Equal("error: domain theirs.example belongs to another tenant", await cli.FailsAsync("mailbox", "create", "x@theirs.example", "--tenant", "mine-co", "--password", GoodPassword));
        Assert.Equal("error: domain nowhere.example is not a domain of this tenant", await cli.FailsAsync("mailbox", "create", "x@nowhere.example", "--tenant", "mine-co", "--password", GoodPassword));
    }

    [Fact]
    public async Task MailboxCreateNeedsExactlyOnePasswordSource()
    {
        await cli.OkAsync("tenant", "create", "pwsrc-co");
        await cli.OkAsync("domain", "add", "pwsrc.example", "--tenant", "pwsrc-co", "--verified");
        Assert.Contains("a password is required", await cli.FailsAsync("mailbox", "create", "a@pwsrc.example", "--tenant", "pwsrc-co"), StringComparison.Ordinal);
        Assert.Contains("not both", await cli.FailsAsync("mailbox", "create", "a@pwsrc.example", "--tenant", "pwsrc-co", "--password", GoodPassword, "--password-stdin"), StringComparison.Ordinal);
        Assert.Contains("is not a size", await cli.FailsAsync("mailbox", "create", "a@pwsrc.example", "--tenant", "pwsrc-co", "--password", GoodPassword, "--quota", "lots"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SetPasswordChangesTheHashAndRefusesWeakOnes()
    {
        await cli.OkAsync("tenant", "create", "setpw-co");
        await cli.OkAsync("domain", "add", "setpw.example", "--tenant", "setpw-co", "--verified");
        await cli.OkAsync("mailbox", "create", "kim@setpw.example", "--tenant", "setpw-co", "--password", GoodPassword);
        var before = await PasswordHashAsync("kim@setpw.example");
        Assert.Equal("password of kim@setpw.example changed", (await cli.OkAsync("mailbox", "set-password", "kim@setpw.example", "--password", "another long passphrase")).Trim());
        var after = await PasswordHashAsync("kim@setpw.example");
        Assert.StartsWith("$pbkdf2-sha512$i=1000$", after, StringComparison.Ordinal);
        Assert.NotEqual(before, after);
        Assert.Contains("too short", await cli.FailsAsync("mailbox", "set-password", "kim@setpw.example", "--password", "short"), StringComparison.Ordinal);
        Assert.Equal("error: unknown mailbox nobody@setpw.example", await cli.FailsAsync("mailbox", "set-password", "nobody@setpw.example", "--password", GoodPassword));
    }

    [Fact]
    public async Task MailboxDeleteRemovesItAndItsFolders()
    {
        await cli.OkAsync("tenant", "create", "del-co");
        await cli.OkAsync("domain", "add", "del.example", "--tenant", "del-co", "--verified");
        await cli.OkAsync("mailbox", "create", "gone@del.example", "--tenant", "del-co", "--password", GoodPassword);
        Assert.Equal("deleted mailbox gone@del.example", (await cli.OkAsync("mailbox", "delete", "gone@del.example")).Trim());
        Assert.DoesNotContain("gone@del.example", await cli.OkAsync("mailbox", "list", "--tenant", "del-co"), StringComparison.Ordinal);
        Assert.Equal("error: unknown mailbox gone@del.example", await cli.FailsAsync("mailbox", "delete", "gone@del.example"));
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand("SELECT count(*) FROM folders f JOIN tenants t USING (tenant_id) WHERE t.name = 'del-co'", connection);
        Assert.Equal(0L, await count.ExecuteScalarAsync());
    }

    [Fact]
    public async Task AliasCreateThenListIncludingCatchAll()
    {
        await cli.OkAsync("tenant", "create", "alias-co");
        await cli.OkAsync("domain", "add", "alias.example", "--tenant", "alias-co", "--verified");
        await cli.OkAsync("mailbox", "create", "sales-team@alias.example", "--tenant", "alias-co", "--password", GoodPassword);
        Assert.Equal("created alias sales@alias.example -> sales-team@alias.example, partner@elsewhere.example",
            (await cli.OkAsync("alias", "create", "Sales@alias.example", "sales-team@alias.example", "partner@elsewhere.example", "--tenant", "alias-co")).Trim());
        await cli.OkAsync("alias", "create", "*@alias.example", "sales-team@alias.example", "--tenant", "alias-co");
        var list = await cli.OkAsync("alias", "list", "--tenant", "alias-co");
        Assert.Contains("sales@alias.example", list, StringComparison.Ordinal);
        Assert.Contains("*@alias.example", list, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AliasCreateRefusesCollisionsAndMissingLocalTargets()
    {
        await cli.OkAsync("tenant", "create", "alias-bad-co");
        await cli.OkAsync("domain", "add", "aliasbad.example", "--tenant", "alias-bad-co", "--verified");
        await cli.OkAsync("mailbox", "create", "real@aliasbad.example", "--tenant", "alias-bad-co", "--password", GoodPassword);
        Assert.Equal("error: real@aliasbad.example is already a mailbox", await cli.FailsAsync("alias", "create", "real@aliasbad.example", "x@other.example", "--tenant", "alias-bad-co"));
        Assert.Equal("error: target ghost@aliasbad.example is not a mailbox or alias of this tenant", await cli.FailsAsync("alias", "create", "a@aliasbad.example", "ghost@aliasbad.example", "--tenant", "alias-bad-co"));
        Assert.Equal("error: alias loop@aliasbad.example must not deliver to itself", await cli.FailsAsync("alias", "create", "loop@aliasbad.example", "loop@aliasbad.example", "--tenant", "alias-bad-co"));
        await cli.OkAsync("alias", "create", "once@aliasbad.example", "real@aliasbad.example", "--tenant", "alias-bad-co");
        Assert.Equal("error: alias once@aliasbad.example already exists", await cli.FailsAsync("alias", "create", "once@aliasbad.example", "real@aliasbad.example", "--tenant", "alias-bad-co"));
        Assert.Equal("error: once@aliasbad.example is already an alias", await cli.FailsAsync("mailbox", "create", "once@aliasbad.example", "--tenant", "alias-bad-co", "--password", GoodPassword));
    }

    [Fact]
    public async Task CreationsKeepToTheTenantsPlanLimitsWithNoNodeRunning()
    {
        // The built-in free plan: 1 domain, 5 mailboxes, 5 GiB of mailbox quota in total.
        await cli.OkAsync("tenant", "create", "limits-co");
        await cli.OkAsync("domain", "add", "limits.example", "--tenant", "limits-co", "--verified");
        Assert.Equal("error: the free plan allows 1 domain(s); remove one or upgrade the plan", await cli.FailsAsync("domain", "add", "more-limits.example", "--tenant", "limits-co"));
        Assert.Equal("error: the free plan allows 5368709120 bytes of mailbox quota in total; this change would allocate 6442450944",
            await cli.FailsAsync("mailbox", "create", "big@limits.example", "--tenant", "limits-co", "--password", GoodPassword, "--quota", "6G"));
        for (var i = 0; i < 5; i++)
        {
            await cli.OkAsync("mailbox", "create", $"m{i}@limits.example", "--tenant", "limits-co", "--password", GoodPassword, "--quota", "100M");
        }

        Assert.Equal("error: the free plan allows 5 mailbox(es); remove one or upgrade the plan",
            await cli.FailsAsync("mailbox", "create", "m5@limits.example", "--tenant", "limits-co", "--password", GoodPassword, "--quota", "100M"));

        // A larger plan lifts the limit.
        await cli.OkAsync("tenant", "set-plan", "limits-co", "business");
        await cli.OkAsync("mailbox", "create", "m5@limits.example", "--tenant", "limits-co", "--password", GoodPassword, "--quota", "100M");
        await cli.OkAsync("domain", "add", "more-limits.example", "--tenant", "limits-co");
    }

    [Fact]
    public async Task UnknownCommandIsAUsageErrorWithNonZeroExit()
    {
        var result = await cli.RunAsync("tenant", "explode");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("explode", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnreachableDatabaseIsOneClearLine()
    {
        var offline = new CliRunner("Host=127.0.0.1;Port=1;Username=postgres;Database=nothing;Timeout=2");
        var line = await offline.FailsAsync("tenant", "list");
        Assert.StartsWith("error: cannot reach the database", line, StringComparison.Ordinal);
    }

    private async Task<string> PasswordHashAsync(string address)
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT password_hash FROM mailboxes WHERE address = @a", connection);
        command.Parameters.AddWithValue("a", address);
        return (string)(await command.ExecuteScalarAsync())!;
    }
}
