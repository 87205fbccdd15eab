using System.Collections.Concurrent;
using System.Reflection;
using System.Text.RegularExpressions;
using HostedMail.Core.Imap;
using HostedMail.Core.Mailboxes;
using HostedMail.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace HostedMail.Imap.Tests;

/// <summary>
/// The one catch site (STYLE.md sessions rule 6): a handler that throws costs one command
/// (NO [SERVERBUG] with a correlation id that is also in the single log line); only a failure
/// with the stream in an unknown state ends the session, and then with BYE. Malformed commands
/// always get BAD and the session goes on.
/// </summary>
public sealed partial class FaultTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    private readonly FaultInjector _faults = new();
    private readonly CapturingLoggerProvider _logs = new();
    private ImapTestNode _node = null!;

    public async Task InitializeAsync()
    {
        _node = await ImapTestNode.StartAsync(database.ConnectionString, configureServices: services =>
        {
            var inner = services.Single(d => d.ServiceType == typeof(IImapStore));
            services.Remove(inner);
            services.AddSingleton(sp => FaultInjectingImapStore.Create((IImapStore)ActivatorUtilities.CreateInstance(sp, inner.ImplementationType!), _faults));
            services.TryAddEnumerable(ServiceDescriptor.Singleton<ILoggerProvider>(_logs));
        });
    }

    public async Task DisposeAsync() => await _node.DisposeAsync();

    [Fact]
    public async Task AHandlerThatThrowsIsAnsweredWithServerbugAndTheSessionGoesOn()
    {
        var mailbox = await _node.CreateMailboxAsync("fault");
        await _node.DeliverAsync(mailbox, "From: =?ISO-8859-1?Q?J=F6rg_M=FCller?= <jm@example.de>\r\nTo: team: a@example.org, b@example.org;\r\nSubject: fault\r\nDate: Mon, 2 Nov 2026 08:15:00 +0100\r\n\r\nbody\r\n");
        await using var client = await ImapClient.LoginAsync(_node.Port, mailbox.Address);
        await client.CommandAsync("SELECT INBOX");
        _faults.FailNext(nameof(IImapStore.FetchAsync));
        var failed = await client.CommandAsync("FETCH 1 (FLAGS RFC822.SIZE)");
        var match = ServerBugPattern().Match(Assert.Single(failed));
        Assert.True(match.Success, failed[0]);
        Assert.StartsWith("A3 NO [SERVERBUG] ", failed[0], StringComparison.Ordinal);
        var id = match.Groups[1].Value;

        // Logged once, with the exception and the id the client saw.
        var logged = _logs.Entries.Where(e => e.Message.Contains(id, StringComparison.Ordinal)).ToList();
        Assert.Single(logged);
        Assert.IsType<InvalidOperationException>(logged[0].Exception);

        // The session goes on: the same command now works.
        var again = await client.CommandAsync("FETCH 1 (FLAGS)");
        Assert.Equal(["* 1 FETCH (FLAGS (\\Recent))", "A4 OK FETCH completed"], again);
        Assert.Equal(["A5 OK NOOP completed"], await client.CommandAsync("NOOP"));
    }

    // A cancellation that is not the connection's (a timeout inside a store call, say) used to
    // close the connection without a word; now it is a failed command like any other.
    [Fact]
    public async Task ACancellationThatIsNotTheClientsIsAnsweredAndTheSessionGoesOn()
    {
        var mailbox = await _node.CreateMailboxAsync("faultcancel");
        await using var client = await ImapClient.LoginAsync(_node.Port, mailbox.Address);
        _faults.FailNext(nameof(IImapStore.GetQuotaAsync), new OperationCanceledException("a store call timed out"));
        var failed = await client.CommandAsync("GETQUOTAROOT INBOX");
        Assert.Equal("* QUOTAROOT INBOX \"\"", failed[0]);
        Assert.Matches(@"^A2 NO \[SERVERBUG\] Internal server error \(error id [A-Z2-9]{10}\)$", failed[1]);
        Assert.Equal(["A3 OK NOOP completed"], await client.CommandAsync("NOOP"));
    }

    [Fact]
    public async Task AStatusThatFailsHalfwayWritesNoHalfLine()
    {
        var mailbox = await _node.CreateMailboxAsync("faultstatus");
        await using var client = await ImapClient.LoginAsync(_node.Port, mailbox.Address);
        _faults.FailNext(nameof(IImapStore.CountDeletedAsync));
        var failed = await client.CommandAsync("STATUS INBOX (MESSAGES DELETED)");
        Assert.Matches(@"^A2 NO \[SERVERBUG\] Internal server error \(error id [A-Z2-9]{10}\)$", Assert.Single(failed));
        Assert.Equal(["* STATUS INBOX (MESSAGES 0 DELETED 0)", "A3 OK STATUS completed"], await client.CommandAsync("STATUS INBOX (MESSAGES DELETED)"));
    }

    [Fact]
    public async Task AFailureWhileIdlingEndsTheSessionWithByeAndTheErrorId()
    {
        var mailbox = await _node.CreateMailboxAsync("faultidle");
        await _node.DeliverAsync(mailbox, "From: \"Smith, Ann\" <ann@example.com>\r\nSubject: idle\r\nDate: Tue, 3 Nov 2026 22:30:00 -0500 (EST)\r\n\r\nx\r\n");
        await using var idler = await ImapClient.LoginAsync(_node.Port, mailbox.Address);
        await idler.CommandAsync("SELECT INBOX");
        await idler.SendAsync("A3 IDLE\r\n");
        Assert.Equal("+ idling", await idler.ReadLineAsync());
        // Delivery does not go through IImapStore: the only GetChangesAsync is the idler's.
        _faults.FailNext(nameof(IImapStore.GetChangesAsync));
        await _node.DeliverAsync(mailbox, "From: =?UTF-8?Q?Zo=C3=AB?= <zoe@example.com>\r\nSubject: wake up\r\nDate: Wed, 4 Nov 2026 09:00:00 +0100\r\n\r\nz\r\n");
        var bye = await idler.ReadLineAsync();
        Assert.Matches(@"^\* BYE \[SERVERBUG\] Internal server error \(error id [A-Z2-9]{10}\)$", bye);
        Assert.True(await idler.IsClosedAsync());
        Assert.Single(_logs.Entries, e => e.Message.Contains(ServerBugPattern().Match(bye).Groups[1].Value, StringComparison.Ordinal));
    }

    // A corrupt DEFLATE stream after COMPRESS is the client's fault: BYE, not a logged server bug.
    [Fact]
    public async Task CorruptCompressedInputEndsWithByeAndNoServerbug()
    {
        var mailbox = await _node.CreateMailboxAsync("faultdeflate");
        await using var client = await ImapClient.LoginAsync(_node.Port, mailbox.Address);
        Assert.Equal(["A2 OK DEFLATE active"], await client.CommandAsync("COMPRESS DEFLATE"));
        var raw = (Stream)typeof(ImapClient).GetField("_stream", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(client)!;
        // 0xFF starts a block of the reserved type 3 (RFC 1951 section 3.2.3): invalid.
        await raw.WriteAsync(Enumerable.Repeat((byte)0xFF, 16).ToArray());
        await raw.FlushAsync();
        using var input = new System.IO.Compression.DeflateStream(raw, System.IO.Compression.CompressionMode.Decompress, leaveOpen: true);
        var buffer = new byte[256];
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var n = await input.ReadAsync(buffer, cts.Token);
        Assert.Equal("* BYE Invalid compressed data\r\n", System.Text.Encoding.ASCII.GetString(buffer, 0, n));
        Assert.DoesNotContain(_logs.Entries, e => e.Exception is InvalidDataException);
    }

    [Theory]
    [InlineData("FETCH 1 BODY[99999999999999999]")]
    [InlineData("FETCH 1 (BODY[1.2.3.4.5.6.7.8.9.10.11.12.13.14.15.16.17.18.19.20.21.22.23.24.25.26.27.28.29.30.31.32.33.34.35.36.37.38.39.40.41.42.43.44.45.46.47.48.49.50.51.52.53.54.55.56.57.58.59.60.61.62.63.64.65.66.67.68.69.70]")]
    [InlineData("FETCH 1 BODY[HEADER.FIELDS ()]")]
    [InlineData("FETCH 1 BODY[]<4294967296.1>")]
    [InlineData("FETCH 1:2:3 FLAGS")]
    [InlineData("FETCH 0 FLAGS")]
    [InlineData("STORE 1 +FLAGS (\\Bogus)")]
    [InlineData("STORE 1 FLAGS.SILENT")]
    [InlineData("SEARCH")]
    [InlineData("SEARCH (")]
    [InlineData("SEARCH OR SEEN")]
    [InlineData("SEARCH SENTON 31-Feb-2026")]
    [InlineData("SEARCH LARGER 99999999999999999999")]
    [InlineData("SORT (DATE) UTF-8")]
    [InlineData("THREAD REFERENCES")]
    [InlineData("UID FOO 1")]
    [InlineData("COPY 1")]
    [InlineData("LIST \"\"")]
    [InlineData("STATUS INBOX ()")]
    [InlineData("STATUS INBOX (FROB)")]
    [InlineData("SELECT INBOX (QRESYNC (0 0))")]
    [InlineData("APPEND INBOX (\\Seen) \"99-Foo-2026 00:00:00 +0000\" {1+}\r\nx")]
    [InlineData("ID (\"a\" \"b\"")]
    [InlineData("ENABLE")]
    [InlineData("GETQUOTAROOT")]
    [InlineData("SETQUOTA \"\" (STORAGE x)")]
    [InlineData("NOOP \"unterminated")]
    [InlineData("A\u00e9 NOOP")]
    public async Task MalformedCommandsGetBadAndTheSessionGoesOn(string command)
    {
        var mailbox = await _node.CreateMailboxAsync("malformed");
        await _node.DeliverAsync(mailbox, "Subject: m\r\nDate: 4 Nov 2026 12:00 UT\r\n\r\nx\r\n");
        await using var client = await ImapClient.LoginAsync(_node.Port, mailbox.Address);
        await client.CommandAsync("SELECT INBOX");
        await client.SendAsync(client.TakeTag() + " " + command + "\r\n");
        var reply = await client.ReadLineAsync();
        Assert.Matches(@"^(A3|\*) (BAD|NO) \S", reply);
        Assert.DoesNotContain("SERVERBUG", reply, StringComparison.Ordinal);
        Assert.Equal(["A4 OK NOOP completed"], await client.CommandAsync("NOOP"));
    }

    [GeneratedRegex(@"\(error id ([A-Z2-9]{10})\)$")]
    private static partial Regex ServerBugPattern();

    /// <summary>Which store calls fail next: each named method throws once, the exception given or an InvalidOperationException.</summary>
    public sealed class FaultInjector
    {
        private readonly ConcurrentDictionary<string, ConcurrentQueue<Exception>> _pending = new();

        public void FailNext(string method, Exception? exception = null) =>
            _pending.GetOrAdd(method, _ => new()).Enqueue(exception ?? new InvalidOperationException("injected fault in " + method));

        public Exception? Take(string method) => _pending.TryGetValue(method, out var queue) && queue.TryDequeue(out var exception) ? exception : null;
    }

    /// <summary>An <see cref="IImapStore"/> decorator that throws where the injector says, and otherwise calls the real store.</summary>
    public class FaultInjectingImapStore : DispatchProxy
    {
        private IImapStore _inner = null!;
        private FaultInjector _faults = null!;

        public static IImapStore Create(IImapStore inner, FaultInjector faults)
        {
            var proxy = Create<IImapStore, FaultInjectingImapStore>();
            var self = (FaultInjectingImapStore)(object)proxy;
            self._inner = inner;
            self._faults = faults;
            return proxy;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            if (_faults.Take(targetMethod!.Name) is { } fault)
            {
                throw fault;
            }

            try
            {
                return targetMethod.Invoke(_inner, args);
            }
            catch (TargetInvocationException ex) when (ex.InnerException is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(ex.InnerException).Throw();
                throw;
            }
        }
    }

    /// <summary>Keeps every log entry of the node.</summary>
    public sealed class CapturingLoggerProvider : ILoggerProvider
    {
        public ConcurrentQueue<(string Message, Exception? Exception)> Queue { get; } = new();

        public IReadOnlyList<(string Message, Exception? Exception)> Entries => [.. Queue];

        public ILogger CreateLogger(string categoryName) => new Logger(this);

        public void Dispose()
        {
        }

        private sealed class Logger(CapturingLoggerProvider provider) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                provider.Queue.Enqueue((formatter(state, exception), exception));
        }
    }
}
