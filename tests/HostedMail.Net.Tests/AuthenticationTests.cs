using System.Net;

namespace HostedMail.Net.Tests;

public class AuthPenaltyTrackerTests
{
    private static readonly IPAddress Attacker = IPAddress.Parse("203.0.113.9");

    private static AuthPenaltyOptions Options => new()
    {
        FreeFailures = 2,
        BaseDelay = TimeSpan.FromSeconds(1),
        MaxDelay = TimeSpan.FromSeconds(5),
        UsernameLockoutThreshold = 6,
        AddressLockoutThreshold = 10,
        LockoutDuration = TimeSpan.FromMinutes(15),
        ForgetAfter = TimeSpan.FromHours(1),
    };

    [Fact]
    public void DelayGrowsAfterTheFreeFailuresThenTheUsernameIsLockedOut()
    {
        var time = new FakeTimeProvider();
        var tracker = new AuthPenaltyTracker(Options, time);
        var delays = new List<double>();
        for (var i = 0; i < 6; i++)
        {
            var decision = tracker.Check(Attacker, "alice@example.com");
            Assert.Null(decision.LockedFor);
            delays.Add(decision.Delay.TotalSeconds);
            tracker.RecordFailure(Attacker, "alice@example.com");
        }
        Assert.Equal([0, 0, 0, 1, 2, 4], delays);
        var locked = tracker.Check(IPAddress.Parse("198.51.100.1"), "ALICE@example.com");
        Assert.Equal(TimeSpan.FromMinutes(15), locked.LockedFor);

        time.Advance(TimeSpan.FromMinutes(15) + TimeSpan.FromSeconds(1));
        var after = tracker.Check(Attacker, "alice@example.com");
        Assert.Null(after.LockedFor);
        Assert.Equal(TimeSpan.FromSeconds(5), after.Delay);
        // The count stayed at the threshold: the next failure locks again at once.
        tracker.RecordFailure(Attacker, "alice@example.com");
        Assert.NotNull(tracker.Check(Attacker, "alice@example.com").LockedFor);
    }

    [Fact]
    public void AddressIsLockedOutAcrossUsernamesAndIPv6IsCountedPerSlash64()
    {
        var time = new FakeTimeProvider();
        var tracker = new AuthPenaltyTracker(Options, time);
        for (var i = 0; i < 10; i++)
        {
            tracker.RecordFailure(IPAddress.Parse($"2001:db8:1:2::{i + 1:x}"), $"user{i}@example.com");
        }
        Assert.NotNull(tracker.Check(IPAddress.Parse("2001:db8:1:2::ffff"), "someone@example.com").LockedFor);
        Assert.Null(tracker.Check(IPAddress.Parse("2001:db8:1:3::1"), "someone@example.com").LockedFor);
    }

    [Fact]
    public void SuccessClearsTheUsernameCounter()
    {
        var tracker = new AuthPenaltyTracker(Options, new FakeTimeProvider());
        for (var i = 0; i < 4; i++)
        {
            tracker.RecordFailure(Attacker, "bob");
        }
        tracker.RecordSuccess(IPAddress.Parse("192.0.2.1"), "bob");
        Assert.Equal(TimeSpan.Zero, tracker.Check(IPAddress.Parse("192.0.2.1"), "bob").Delay);
    }

    [Fact]
    public void OldCountersAreForgottenAndMemoryStaysBounded()
    {
        var time = new FakeTimeProvider();
        var options = Options;
        options.MaxEntries = 100;
        var tracker = new AuthPenaltyTracker(options, time);
        for (var i = 0; i < 500; i++)
        {
            tracker.RecordFailure(new IPAddress([10, 0, (byte)(i >> 8), (byte)i]), "u" + i);
        }
        Assert.True(tracker.Count <= 101, $"{tracker.Count} counters kept");
        time.Advance(TimeSpan.FromHours(2));
        tracker.RecordFailure(Attacker, "x");
        Assert.Equal(2, tracker.Count);
    }
}

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
        var penalties = new AuthPenaltyTracker(new AuthPenaltyOptions { FreeFailures = freeFailures, UsernameLockoutThreshold = 3 }, time);
        var cache = new VerifiedCredentialCache(new CredentialCacheOptions(), time);
        return (new MailAuthenticator(verifier, penalties, cache, time), verifier, time);
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
