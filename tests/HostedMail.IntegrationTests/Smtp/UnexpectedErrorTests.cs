using System.Text;
using HostedMail.Core.Messages;
using HostedMail.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace HostedMail.IntegrationTests.Smtp;

/// <summary>A node whose message store fails (as a bug would) for messages carrying a marker header.</summary>
public sealed class FaultyStoreNode : MailNode
{
    public const string Marker = "X-Test-Fault: throw";

    protected override void ConfigureServices(IServiceCollection services)
    {
        var registration = services.Last(d => d.ServiceType == typeof(IMessageStore));
        services.Remove(registration);
        services.AddSingleton<IMessageStore>(sp => new FaultyMessageStore((IMessageStore)(registration.ImplementationFactory?.Invoke(sp)
            ?? ActivatorUtilities.CreateInstance(sp, registration.ImplementationType!))));
    }

    private sealed class FaultyMessageStore(IMessageStore inner) : IMessageStore
    {
        public Task<StoreResult> StoreAsync(StoreRequest request, CancellationToken cancellationToken) =>
            Encoding.ASCII.GetString(request.Message.Bytes.Span).Contains(Marker, StringComparison.Ordinal)
                ? throw new InvalidOperationException("injected store failure")
                : inner.StoreAsync(request, cancellationToken);
    }
}

/// <summary>
/// ARCHITECTURE.md "Protocol code": one place turns an unexpected error into a reply. A failed
/// transaction gets 451 4.3.0 with an error id, stores nothing, and the session goes on.
/// </summary>
public sealed class UnexpectedErrorTests(FaultyStoreNode node) : IClassFixture<FaultyStoreNode>
{
    [Fact]
    public async Task AFailingStoreGets451WithAnErrorIdAndTheSessionGoesOn()
    {
        var subject = "fault-" + Guid.NewGuid().ToString("N");
        await using var client = await LineClient.ConnectAsync(node.SmtpPort);
        await client.ReadSmtpReplyAsync();
        await client.SmtpAsync("EHLO client.example");
        Assert.StartsWith("250 ", await client.SmtpAsync("MAIL FROM:<sender@outside.example>"), StringComparison.Ordinal);
        Assert.StartsWith("250 ", await client.SmtpAsync("RCPT TO:<alice@acme.example>"), StringComparison.Ordinal);
        Assert.StartsWith("354 ", await client.SmtpAsync("DATA"), StringComparison.Ordinal);
        var reply = await client.SmtpAsync($"Subject: {subject}\r\n{FaultyStoreNode.Marker}\r\n\r\nbody\r\n.");
        Assert.Matches(@"^451 4\.3\.0 .*\(error id [A-Z2-9]{10}\)$", reply);

        // The transaction is gone (RCPT needs a new MAIL), the session is not.
        Assert.StartsWith("503 ", await client.SmtpAsync("RCPT TO:<alice@acme.example>"), StringComparison.Ordinal);
        Assert.StartsWith("250 ", await client.SmtpAsync("MAIL FROM:<sender@outside.example>"), StringComparison.Ordinal);
        Assert.StartsWith("250 ", await client.SmtpAsync("RCPT TO:<alice@acme.example>"), StringComparison.Ordinal);
        Assert.StartsWith("354 ", await client.SmtpAsync("DATA"), StringComparison.Ordinal);
        Assert.StartsWith("250 2.0.0 ", await client.SmtpAsync($"Subject: {subject}-ok\r\n\r\nbody\r\n."), StringComparison.Ordinal);
        Assert.StartsWith("221 ", await client.SmtpAsync("QUIT"), StringComparison.Ordinal);

        var stored = (await node.MessagesAsync("alice@acme.example")).Select(m => Encoding.UTF8.GetString(m)).Where(m => m.Contains(subject, StringComparison.Ordinal)).ToList();
        Assert.Single(stored);
        Assert.Contains(subject + "-ok", stored[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task AFailingBdatTransactionGets451AndNothingIsStored()
    {
        var subject = "bdat-fault-" + Guid.NewGuid().ToString("N");
        var message = $"Subject: {subject}\r\n{FaultyStoreNode.Marker}\r\n\r\nbody\r\n";
        await using var client = await LineClient.ConnectAsync(node.SmtpPort);
        await client.ReadSmtpReplyAsync();
        await client.SmtpAsync("EHLO client.example");
        Assert.StartsWith("250 ", await client.SmtpAsync("MAIL FROM:<sender@outside.example>"), StringComparison.Ordinal);
        Assert.StartsWith("250 ", await client.SmtpAsync("RCPT TO:<alice@acme.example>"), StringComparison.Ordinal);
        await client.SendAsync($"BDAT {Encoding.ASCII.GetByteCount(message)} LAST\r\n{message}");
        Assert.Matches(@"^451 4\.3\.0 .*\(error id [A-Z2-9]{10}\)$", await client.ReadSmtpReplyAsync());
        Assert.StartsWith("250 ", await client.SmtpAsync("NOOP"), StringComparison.Ordinal);
        Assert.DoesNotContain(await node.MessagesAsync("alice@acme.example"), m => Encoding.UTF8.GetString(m).Contains(subject, StringComparison.Ordinal));
    }
}
