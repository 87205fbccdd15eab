using System.Net;
using HostedMail.Core.Security;

namespace HostedMail.Net.Tests;

public class VerifiedCredentialCacheTests
{
    private static readonly AuthResult Success = new(AuthStatus.Succeeded, "mbx-1");

    [Fact]
    public void SuccessIsCachedForTheExactPasswordUntilItExpires()
    {
        var time = new FakeTimeProvider();
        var cache = new VerifiedCredentialCache(new CredentialCacheOptions { TimeToLive = TimeSpan.FromMinutes(1) }, time);
        cache.Add("alice", "pw", Success, cache.Epoch, 1);
        Assert.True(cache.TryGet("alice", "pw", 1, out var hit));
        Assert.Same(Success, hit);
        Assert.False(cache.TryGet("alice", "pw2", 1, out _));
        Assert.False(cache.TryGet("bob", "pw", 1, out _));
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.False(cache.TryGet("alice", "pw", 1, out _));
    }

    [Fact]
    public void EntriesVerifiedTogetherDoNotAllExpireTogether()
    {
        var time = new FakeTimeProvider();
        var cache = new VerifiedCredentialCache(new CredentialCacheOptions { TimeToLive = TimeSpan.FromMinutes(2) }, time);
        const int users = 1000;
        for (var i = 0; i < users; i++)
        {
            cache.Add($"user{i}", "pw", Success, cache.Epoch, 1);
        }
        int Alive() => Enumerable.Range(0, users).Count(i => cache.TryGet($"user{i}", "pw", 1, out _));

        // Every entry lives at least half the lifetime, none longer than all of it, and in between
        // they run out one by one (roughly half at three quarters: binomial, 1,000 draws).
        time.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(users, Alive());
        time.Advance(TimeSpan.FromSeconds(31));
        Assert.InRange(Alive(), 400, 600);
        time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(0, Alive());
    }

    [Fact]
    public void FailuresAreNotCached()
    {
        var cache = new VerifiedCredentialCache(new CredentialCacheOptions(), new FakeTimeProvider());
        cache.Add("alice", "pw", AuthResult.Failed, cache.Epoch, 1);
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public void InvalidationByUsernameRemovesItsEntries()
    {
        var cache = new VerifiedCredentialCache(new CredentialCacheOptions(), new FakeTimeProvider());
        cache.Add("alice", "pw", Success, cache.Epoch, 1);
        cache.Add("carol", "pw", new AuthResult(AuthStatus.Succeeded, "mbx-3"), cache.Epoch, 1);
        cache.Invalidate("ALICE");
        Assert.False(cache.TryGet("alice", "pw", 1, out _));
        Assert.True(cache.TryGet("carol", "pw", 1, out _));
    }

    [Fact]
    public void AnEntryCachedUnderAnotherCredentialStampIsNotUsed()
    {
        // A revocation on any node moves the mailbox's stamp in the shared record; the next
        // lookup names the new stamp and the old success no longer counts.
        var cache = new VerifiedCredentialCache(new CredentialCacheOptions(), new FakeTimeProvider());
        cache.Add("alice", "pw", Success, cache.Epoch, 7);
        Assert.True(cache.TryGet("alice", "pw", 7, out _));
        Assert.False(cache.TryGet("alice", "pw", 8, out _));
    }

    [Fact]
    public void InvalidationDuringVerificationWins()
    {
        var cache = new VerifiedCredentialCache(new CredentialCacheOptions(), new FakeTimeProvider());
        var epoch = cache.Epoch;
        cache.Invalidate("alice");
        cache.Add("alice", "old-password", Success, epoch, 1);
        Assert.False(cache.TryGet("alice", "old-password", 1, out _));
    }

    [Fact]
    public void CacheIsBounded()
    {
        var cache = new VerifiedCredentialCache(new CredentialCacheOptions { MaxEntries = 10 }, new FakeTimeProvider());
        for (var i = 0; i < 50; i++)
        {
            cache.Add("u" + i, "pw", Success, cache.Epoch, 1);
        }
        Assert.True(cache.Count <= 10);
    }
}

public class MailAuthenticatorTests
{
    /// <summary>
    /// The grains' rules (<see cref="AuthFailureCounter"/>) held in a dictionary: the grains
    /// themselves are tested on a cluster in HostedMail.Grains.Tests.
    /// </summary>
    private sealed class CountingLimiter(AuthPenaltyOptions options, TimeProvider time) : IAuthenticationLimiter
    {
        private readonly Dictionary<string, AuthFailureCounter> counters = [];

        public ValueTask<PenaltyDecision> CheckAsync(string addressKey, string username, CancellationToken cancellationToken)
        {
            var login = Counter("u:" + username.ToLowerInvariant()).Read(time.GetUtcNow(), options);
            var address = Counter("a:" + addressKey).Read(time.GetUtcNow(), options);
            var locked = login.LockedUntil ?? address.LockedUntil;
            return ValueTask.FromResult(locked is { } until
                ? new PenaltyDecision(TimeSpan.Zero, until - time.GetUtcNow())
                : new PenaltyDecision(options.DelayAfter(Math.Max(login.Failures, address.Failures)), null));
        }

        public ValueTask RecordFailureAsync(string addressKey, string username, CancellationToken cancellationToken)
        {
            Counter("u:" + username.ToLowerInvariant()).Fail(time.GetUtcNow(), options.UsernameLockoutThreshold, options);
            Counter("a:" + addressKey).Fail(time.GetUtcNow(), options.AddressLockoutThreshold, options);
            return ValueTask.CompletedTask;
        }

        public ValueTask RecordSuccessAsync(string addressKey, string username, CancellationToken cancellationToken)
        {
            counters.Remove("u:" + username.ToLowerInvariant());
            return ValueTask.CompletedTask;
        }

        private AuthFailureCounter Counter(string key) =>
            counters.TryGetValue(key, out var counter) ? counter : counters[key] = new AuthFailureCounter();
    }

    private sealed class CountingVerifier : ICredentialVerifier
    {
        public int Calls;

        public long? Stamp { get; set; } = 1;

        public ValueTask<AuthResult> VerifyAsync(string username, string password, ConnectionInfo connection, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Calls);
            return ValueTask.FromResult(password == "right" && Stamp is not null ? new AuthResult(AuthStatus.Succeeded, username) : AuthResult.Failed);
        }

        public ValueTask<long?> CredentialStampAsync(string username, CancellationToken cancellationToken) => ValueTask.FromResult(Stamp);
    }

    private static readonly ConnectionInfo Connection = new("c1", "submission", new IPEndPoint(IPAddress.Parse("192.0.2.7"), 5000), null, IsTls: true);

    private static (MailAuthenticator, CountingVerifier, FakeTimeProvider) Create(int freeFailures = 100)
    {
        var time = new FakeTimeProvider();
        var verifier = new CountingVerifier();
        var options = new AuthPenaltyOptions { FreeFailures = freeFailures, UsernameLockoutThreshold = 3 };
        var cache = new VerifiedCredentialCache(new CredentialCacheOptions(), time);
        return (new MailAuthenticator(verifier, new CountingLimiter(options, time), options, cache, time), verifier, time);
    }

    [Fact]
    public async Task ARevokedCredentialIsVerifiedAgainAndAMailboxThatMayNotLogInIsRefused()
    {
        var (auth, verifier, _) = Create();
        var credentials = new SaslCredentials("alice", "right", null);
        Assert.Equal(AuthStatus.Succeeded, (await auth.AuthenticateAsync(credentials, Connection, default)).Status);
        Assert.Equal(AuthStatus.Succeeded, (await auth.AuthenticateAsync(credentials, Connection, default)).Status);
        Assert.Equal(1, verifier.Calls);

        verifier.Stamp = 2;
        Assert.Equal(AuthStatus.Succeeded, (await auth.AuthenticateAsync(credentials, Connection, default)).Status);
        Assert.Equal(2, verifier.Calls);

        verifier.Stamp = null;
        Assert.Equal(AuthStatus.Failed, (await auth.AuthenticateAsync(credentials, Connection, default)).Status);
        Assert.Equal(3, verifier.Calls);
    }

    [Fact]
    public async Task SecondLoginIsServedFromTheCache()
    {
        var (auth, verifier, _) = Create();
        var creds = new SaslCredentials("alice", "right", null);
        Assert.Equal(AuthStatus.Succeeded, (await auth.AuthenticateAsync(creds, Connection, default)).Status);
        Assert.Equal(AuthStatus.Succeeded, (await auth.AuthenticateAsync(creds, Connection, default)).Status);
        Assert.Equal(1, verifier.Calls);
    }

    [Fact]
    public async Task ForeignAuthorizationIdentityIsRefusedWithoutAskingTheVerifier()
    {
        var (auth, verifier, _) = Create();
        Assert.Equal(AuthStatus.Failed, (await auth.AuthenticateAsync(new SaslCredentials("alice", "right", "bob"), Connection, default)).Status);
        Assert.Equal(AuthStatus.Succeeded, (await auth.AuthenticateAsync(new SaslCredentials("alice", "right", "Alice"), Connection, default)).Status);
        Assert.Equal(1, verifier.Calls);
    }

    [Fact]
    public async Task LockedOutUserIsAnsweredWithoutAskingTheVerifier()
    {
        var (auth, verifier, _) = Create();
        for (var i = 0; i < 3; i++)
        {
            await auth.AuthenticateAsync(new SaslCredentials("alice", "wrong", null), Connection, default);
        }
        var result = await auth.AuthenticateAsync(new SaslCredentials("alice", "right", null), Connection, default);
        Assert.Equal(AuthStatus.LockedOut, result.Status);
        Assert.NotNull(result.RetryAfter);
        Assert.Equal(3, verifier.Calls);
    }

    [Fact]
    public async Task DelayIsAwaitedOnTheInjectedClock()
    {
        var (auth, verifier, time) = Create(freeFailures: 0);
        await auth.AuthenticateAsync(new SaslCredentials("alice", "wrong", null), Connection, default);
        var pending = auth.AuthenticateAsync(new SaslCredentials("alice", "right", null), Connection, default).AsTask();
        Assert.False(pending.IsCompleted);
        Assert.Equal(1, time.PendingTimers);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(AuthStatus.Succeeded, (await pending.WaitAsync(TimeSpan.FromSeconds(10))).Status);
        Assert.Equal(2, verifier.Calls);
    }
}

public class ConnectionLimiterTests
{
    [Fact]
    public void PerAddressAndTotalLimitsAreEnforcedAndReleased()
    {
        var limiter = new ConnectionLimiter(maxConnections: 3, maxConnectionsPerAddress: 2);
        var a = IPAddress.Parse("192.0.2.1");
        Assert.True(limiter.TryAcquire(a, out var l1, out _));
        Assert.True(limiter.TryAcquire(IPAddress.Parse("::ffff:192.0.2.1"), out var l2, out _));
        Assert.False(limiter.TryAcquire(a, out _, out var why));
        Assert.Equal(ConnectionRejection.TooManyConnectionsFromAddress, why);
        Assert.True(limiter.TryAcquire(IPAddress.Parse("192.0.2.2"), out var l3, out _));
        Assert.False(limiter.TryAcquire(IPAddress.Parse("192.0.2.3"), out _, out why));
        Assert.Equal(ConnectionRejection.TooManyConnections, why);
        l1.Dispose();
        l1.Dispose(); // twice is harmless
        Assert.Equal(2, limiter.Count);
        Assert.True(limiter.TryAcquire(a, out var l4, out _));
        l2.Dispose();
        l3.Dispose();
        l4.Dispose();
        Assert.Equal(0, limiter.Count);
    }
}
