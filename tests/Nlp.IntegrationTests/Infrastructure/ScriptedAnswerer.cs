using System.Collections.Concurrent;
using LedgerX.Nlp.Api.Answering;
using LedgerX.Nlp.Domain.Answers;
using LedgerX.Nlp.Domain.Evaluation;
using LedgerX.Nlp.Domain.Interpreting;
using LedgerX.Nlp.Domain.Tools;

namespace LedgerX.Nlp.IntegrationTests.Infrastructure;

/// <summary>
/// The answerer the queue tests put behind the worker, scripted by the question's first word so each test drives the
/// worker through the path it checks; anything else is answered by the domain's interpreter and planner over
/// <see cref="ReferenceTools"/> (the tools' specification) as <see cref="DatasetUser"/>, at the dataset's evaluation time:
/// <list type="bullet">
/// <item><c>block:</c> waits until the test calls <see cref="Release"/>, then answers.</item>
/// <item><c>stream:</c> writes a piece every 50 ms until cancelled (and records that it was).</item>
/// <item><c>hang:</c> waits until cancelled (a model that never answers).</item>
/// <item><c>fail:</c> throws a transient error while the text is in <see cref="Failing"/>, then answers.</item>
/// <item><c>reject:</c> a downstream service refuses the relayed token.</item>
/// </list>
/// Static state, shared by every replica of a fixture: tests key it by question text or id, which are unique.
/// </summary>
public sealed class ScriptedAnswerer : IQuestionAnswerer
{
    public const string DatasetUser = "user-alice";
    public const string GroceriesQuestion = "How much did I spend on groceries last month?";
    public const string GroceriesFigure = "517.41 EUR";

    private static readonly SyntheticDataset Data = SyntheticDataset.Generate();
    private static readonly ConcurrentDictionary<string, TaskCompletionSource> Gates = new();

    /// <summary>Every call: the question and the answerer instance (one per replica) that took it.</summary>
    public static ConcurrentQueue<(Guid Question, Guid Instance, string Token)> Calls { get; } = new();

    /// <summary>Questions whose answering observed the cancellation.</summary>
    public static ConcurrentDictionary<Guid, bool> Cancelled { get; } = new();

    public static ConcurrentDictionary<string, bool> Failing { get; } = new();

    public Guid Instance { get; } = Guid.NewGuid();

    public static void Release(string text) => Gate(text).TrySetResult();

    private static TaskCompletionSource Gate(string text) => Gates.GetOrAdd(text, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    public async Task<AnswerOutcome> AnswerAsync(QuestionContext question, IAnswerStream stream, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(question);
        ArgumentNullException.ThrowIfNull(stream);
        Calls.Enqueue((question.QuestionId, Instance, question.AccessToken));
        var text = question.Text;
        try
        {
            if (text.StartsWith("block:", StringComparison.Ordinal))
            {
                await Gate(text).Task.WaitAsync(ct);
            }
            else if (text.StartsWith("stream:", StringComparison.Ordinal))
            {
                for (var i = 0; ; i++)
                {
                    await stream.WriteAsync($"piece {i} ", ct);
                    await Task.Delay(50, ct);
                }
            }
            else if (text.StartsWith("hang:", StringComparison.Ordinal))
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            else if (text.StartsWith("fail:", StringComparison.Ordinal) && Failing.ContainsKey(text))
            {
                throw new HttpRequestException("analytics-service answered 503");
            }
            else if (text.StartsWith("reject:", StringComparison.Ordinal))
            {
                throw new RelayedTokenRejectedException("transaction-service answered 401");
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            Cancelled[question.QuestionId] = true;
            throw;
        }
        return await InterpretAsync(text, stream, ct);
    }

    private static async Task<AnswerOutcome> InterpretAsync(string text, IAnswerStream stream, CancellationToken ct)
    {
        var asker = new Asker(DatasetUser, TimeZoneInfo.FindSystemTimeZoneById(SyntheticDataset.Zone));
        var interpreted = new QuestionInterpreter().Interpret(text, asker.Zone, SyntheticDataset.EvaluationNow);
        var answer = interpreted.Interpretation is { } interpretation
            ? await AnswerPlanner.AnswerAsync(asker, interpretation, new ReferenceTools(Data).AsTools(), ct)
            : Answer.Refused(interpreted.Refusal!);
        foreach (var piece in answer.Text.Split(' '))
        {
            await stream.WriteAsync(piece + " ", ct);
        }
        return new AnswerOutcome(answer, Engines.Interpreter, null, null, null, [new ToolCallRecord("scripted", "{}")]);
    }
}
