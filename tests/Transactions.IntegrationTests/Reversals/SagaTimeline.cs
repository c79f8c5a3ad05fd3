using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using LedgerX.Transactions.Api.Reversals;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace LedgerX.Transactions.IntegrationTests.Reversals;

/// <summary>
/// Where a saga's time goes, for the throughput harness: when each step's activity ran (a decorator around the steps)
/// and when the client's request and completion wait ended. The gaps between steps are the workflow engine's part
/// (result saved, turn dispatched, replayed, its action saved, activity dispatched); the steps are the ledger's.
/// </summary>
public sealed class SagaTimeline
{
    private readonly ConcurrentDictionary<Guid, ConcurrentQueue<(string Mark, long At)>> _marks = new();

    public void Mark(Guid reversalId, string mark, long? at = null) =>
        _marks.GetOrAdd(reversalId, _ => new()).Enqueue((mark, at ?? Stopwatch.GetTimestamp()));

    /// <summary>Average milliseconds between consecutive marks (in time order) over the given sagas.</summary>
    public string Breakdown(IReadOnlyCollection<Guid> sagas)
    {
        var sums = new Dictionary<string, (double Ms, int Count)>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var id in sagas)
        {
            if (!_marks.TryGetValue(id, out var queue))
            {
                continue;
            }
            var marks = queue.OrderBy(m => m.At).ToArray();
            for (var i = 1; i < marks.Length; i++)
            {
                var label = $"{marks[i - 1].Mark} → {marks[i].Mark}";
                var ms = Stopwatch.GetElapsedTime(marks[i - 1].At, marks[i].At).TotalMilliseconds;
                if (!sums.TryGetValue(label, out var sum))
                {
                    order.Add(label);
                }
                sums[label] = (sum.Ms + ms, sum.Count + 1);
            }
        }
        var text = new StringBuilder();
        foreach (var label in order)
        {
            var (ms, count) = sums[label];
            text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"  {label,-40} {ms / count,8:F1} ms (n={count})"));
        }
        return text.ToString();
    }
}

/// <summary>A <see cref="SagaHost"/> whose steps mark the timeline.</summary>
public sealed class TimedSagaHost(int sidecarGrpcPort, SagaTimeline timeline) : SagaHost(sidecarGrpcPort)
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services => services.AddSingleton<IReversalSteps>(sp =>
            new FaultInjectingSteps(sp.GetRequiredService<ReversalSteps>(), Stalls, timeline)));
    }
}
