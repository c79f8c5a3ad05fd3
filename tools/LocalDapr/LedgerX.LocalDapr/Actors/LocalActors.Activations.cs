using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Grpc.Core;
using LedgerX.LocalDapr.Api;
using LedgerX.LocalDapr.Hosting;
using LedgerX.LocalDapr.State;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LedgerX.LocalDapr.Actors;

/// <summary>The activation table: which actors are active, how many calls each has entered or is waiting for, and leaving/deactivating them.</summary>
public sealed partial class LocalActors
{
    /// <summary>How many actors are active now (test and metadata hook).</summary>
    public int ActiveActorCount(string actorType)
    {
        lock (_activationsLock)
        {
            return _activations.Keys.Count(k => k.Type == actorType);
        }
    }

    private async Task<ActorActivation> EnterActivationAsync(string actorType, string actorId, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task deactivating;
            lock (_activationsLock)
            {
                if (!_activations.TryGetValue((actorType, actorId), out var activation))
                {
                    activation = new ActorActivation(actorType, actorId, _time.GetUtcNow());
                    _activations[(actorType, actorId)] = activation;
                }

                if (!activation.Deactivating)
                {
                    activation.Pending++;
                    activation.LastUsed = _time.GetUtcNow();
                    return activation;
                }

                deactivating = activation.Deactivated.Task;
            }

            // A new activation starts only once the app confirmed the old one's deactivation.
            await deactivating.WaitAsync(cancellationToken);
        }
    }

    private ActorActivation? EnterExisting(ActorActivation activation)
    {
        lock (_activationsLock)
        {
            if (activation.Deactivating || !_activations.TryGetValue((activation.ActorType, activation.ActorId), out var current) || current != activation)
            {
                return null;
            }

            activation.Pending++;
            activation.LastUsed = _time.GetUtcNow();
            return activation;
        }
    }

    private void LeaveActivation(ActorActivation activation)
    {
        lock (_activationsLock)
        {
            activation.Pending--;
            activation.LastUsed = _time.GetUtcNow();
        }
    }

    private sealed class ActorActivation(string actorType, string actorId, DateTimeOffset now)
    {
        public string ActorType { get; } = actorType;

        public string ActorId { get; } = actorId;

        public ActorTurnGate Gate { get; } = new();

        public Dictionary<string, ActorTimer> Timers { get; } = new(StringComparer.Ordinal);

        /// <summary>Calls entered or waiting; guarded by the activations lock.</summary>
        public int Pending { get; set; }

        public DateTimeOffset LastUsed { get; set; } = now;

        public bool Deactivating { get; set; }

        public TaskCompletionSource Deactivated { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
