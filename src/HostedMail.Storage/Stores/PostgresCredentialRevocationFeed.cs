using System.Collections.Immutable;
using HostedMail.Core.Mailboxes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace HostedMail.Storage.Stores;

/// <summary>
/// The node's LISTEN on the revocation channel that migrations 0061/0062's triggers notify with a
/// mailbox address. Started by the first subscription. Revocations sent while the connection was
/// being re-established are not heard; new logins are refused anyway (credential stamps), only
/// sessions already open would then last until they disconnect.
/// </summary>
internal sealed class PostgresCredentialRevocationFeed : ICredentialRevocationFeed, IAsyncDisposable
{
    public const string Channel = "hostedmail_credentials";

    private readonly Lock _lock = new();
    private readonly PostgresListener _listener;
    private ImmutableList<Action<string>> _subscribers = [];

    public PostgresCredentialRevocationFeed(NpgsqlDataSource dataSource, TimeProvider? timeProvider = null, ILogger<PostgresCredentialRevocationFeed>? logger = null)
    {
        _listener = new PostgresListener(dataSource, Channel, Dispatch, static () => { },
            (ILogger?)logger ?? NullLogger.Instance, timeProvider ?? TimeProvider.System);
    }

    public IDisposable Subscribe(Action<string> onRevoked)
    {
        lock (_lock)
        {
            _subscribers = _subscribers.Add(onRevoked);
        }

        _listener.EnsureStarted();
        return new Subscription(this, onRevoked);
    }

    public ValueTask DisposeAsync() => _listener.DisposeAsync();

    private void Dispatch(string address)
    {
        foreach (var subscriber in Volatile.Read(ref _subscribers))
        {
            subscriber(address);
        }
    }

    private sealed class Subscription(PostgresCredentialRevocationFeed feed, Action<string> onRevoked) : IDisposable
    {
        public void Dispose()
        {
            lock (feed._lock)
            {
                feed._subscribers = feed._subscribers.Remove(onRevoked);
            }
        }
    }
}
