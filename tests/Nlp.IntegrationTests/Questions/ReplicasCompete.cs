using LedgerX.Nlp.IntegrationTests.Infrastructure;

namespace LedgerX.Nlp.IntegrationTests.Questions;

/// <summary>Replicas share one consumer group: each question is answered exactly once, whichever replica takes it.</summary>
[Collection(NlpServiceCollection.Name)]
public sealed class ReplicasCompete(NlpService service)
{
    [Fact]
    public async Task EachQuestionIsAnsweredExactlyOnce()
    {
        var second = await service.StartReplicaAsync();
        try
        {
            var asked = new List<(Caller Caller, Guid Id)>();
            for (var user = 0; user < 4; user++)
            {
                var caller = Callers.Customer();
                for (var i = 0; i < 3; i++)
                {
                    // Half through each replica's API: the queue, not the replica asked, decides who answers.
                    var client = (user + i) % 2 == 0 ? service.App.Client : second.App.Client;
                    asked.Add((caller, await client.AskAsync(caller, ScriptedAnswerer.GroceriesQuestion)));
                }
            }

            foreach (var (caller, id) in asked)
            {
                await service.App.Client.WaitForStatusAsync(caller, id, "answered");
            }

            var calls = ScriptedAnswerer.Calls.Where(c => asked.Any(a => a.Id == c.Question)).ToList();
            calls.GroupBy(c => c.Question).ShouldAllBe(g => g.Count() == 1);
            calls.Count.ShouldBe(asked.Count);
            calls.Select(c => c.Instance).Distinct().Count().ShouldBe(2, "both replicas took questions from the queue");
        }
        finally
        {
            await service.StopReplicaAsync(second);
        }
    }
}
