using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace LedgerX.Notifications.Api.Live;

/// <summary>
/// This replica's open live connections, by user. Every replica receives every live.feed.v1 item (the broadcast
/// component); the hub hands each to its user's connections here, if any, and to nobody else's.
/// </summary>
public sealed class LiveHub(IOptions<LiveOptions> options, LiveMetrics metrics) : IDisposable
{
    private readonly ConcurrentDictionary<string, List<LiveConnection>> _byUser = new(StringComparer.Ordinal);
    private readonly LiveOptions _options = options.Value;

    public int ConnectionCount => _byUser.Values.Sum(c => { lock (c) { return c.Count; } });

    /// <summary>A new connection of <paramref name="userId"/>, or null when the user already has
    /// <c>MaxConnectionsPerUser</c> on this replica. Registered before the replay is read, so nothing published
    /// meanwhile is missed (the cursor drops what the replay also had).</summary>
    public LiveConnection? Open(string userId)
    {
        var connection = new LiveConnection(userId, _options.BufferSize);
        while (true)
        {
            var list = _byUser.GetOrAdd(userId, _ => []);
            lock (list)
            {
                // A list removed by the last Leave of its user is dead; take the new one.
                if (!_byUser.TryGetValue(userId, out var current) || !ReferenceEquals(current, list))
                {
                    continue;
                }
                if (list.Count >= _options.MaxConnectionsPerUser)
                {
                    return null;
                }
                list.Add(connection);
            }
            metrics.Opened();
            return connection;
        }
    }

    public void Leave(LiveConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (!_byUser.TryGetValue(connection.UserId, out var list))
        {
            return;
        }
        lock (list)
        {
            if (!list.Remove(connection))
            {
                return;
            }
            if (list.Count == 0)
            {
                _byUser.TryRemove(new KeyValuePair<string, List<LiveConnection>>(connection.UserId, list));
            }
        }
        metrics.Closed(connection.CloseReason);
    }

    /// <summary>Hands <paramref name="item"/> to its user's connections on this replica; the number it reached.</summary>
    public int Dispatch(LiveFeedItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        if (!_byUser.TryGetValue(item.UserId, out var list))
        {
            return 0;
        }
        LiveConnection[] targets;
        lock (list)
        {
            targets = [.. list];
        }
        foreach (var connection in targets)
        {
            connection.Offer(item);
        }
        return targets.Length;
    }

    /// <summary>On shutdown every connection is told to reconnect elsewhere.</summary>
    public void CloseAll(string reason)
    {
        foreach (var list in _byUser.Values)
        {
            LiveConnection[] all;
            lock (list)
            {
                all = [.. list];
            }
            foreach (var connection in all)
            {
                connection.Close(reason);
            }
        }
    }

    public void Dispose() => CloseAll(LiveCloseReasons.ServerShutdown);
}
