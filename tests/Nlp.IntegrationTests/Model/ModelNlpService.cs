using LedgerX.Nlp.Api.Answering;
using LedgerX.Nlp.Api.Answering.Model;
using LedgerX.Nlp.Domain.Evaluation;
using LedgerX.Nlp.Domain.Interpreting;
using LedgerX.Nlp.Domain.Tools;
using LedgerX.Nlp.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace LedgerX.Nlp.IntegrationTests.Model;

/// <summary>nlp-service whose sidecar loads a local file secret store naming <see cref="FakeOpenAiEndpoint"/> as the
/// model (flat keys, as components/secrets.json holds them), with the tools over the synthetic dataset and an
/// interpreter answerer over the same tools (the fallback), so answers can be compared figure by figure.</summary>
public class ModelNlpService : NlpService
{
    public static readonly SyntheticDataset Data = SyntheticDataset.Generate();

    public FakeOpenAiEndpoint Model { get; private set; } = null!;

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        // Short enough for the slow-model test to fall back in seconds, long enough that a healthy fake model's answer (two
        // calls and a tool) is never cut off on a loaded machine: at 3 s one was, at load average 88.
        ["Nlp:Model:TimeoutSeconds"] = "8",
        ["Nlp:Model:RefreshSeconds"] = "5",
    };

    /// <summary>Set by a test to make the analytics tools throw it (the collection runs its tests one at a time).</summary>
    public Exception? ToolFailure { get; set; }

    protected override void Services(IServiceCollection services)
    {
        services.AddSingleton<INlpToolsFactory>(new DatasetTools(Data, () => ToolFailure));
        // The tools helper's interpreter answerer, over the dataset's tools: the fallback.
        services.AddKeyedSingleton<IQuestionAnswerer>(ModelAnsweringRegistration.InterpreterKey,
            (sp, _) => new InterpreterAnswerer(new QuestionInterpreter(), sp.GetRequiredService<INlpToolsFactory>()));
    }

    public override async ValueTask InitializeAsync()
    {
        Model = await FakeOpenAiEndpoint.StartAsync();
        var secrets = Path.Combine(Resources, "secrets.json");
        await File.WriteAllTextAsync(secrets, $$"""
            {"nlp-model:endpoint": "{{Model.Endpoint}}", "nlp-model:model": "{{FakeOpenAiEndpoint.ModelName}}", "nlp-model:apiKey": "sk-local"}
            """);
        await File.WriteAllTextAsync(Path.Combine(Resources, "secretstore.yaml"), $"""
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata:
              name: secretstore
            spec:
              type: secretstores.local.file
              version: v1
              metadata:
                - name: secretsFile
                  value: {secrets}
                - name: nestedSeparator
                  value: ":"
            """);
        await base.InitializeAsync();
    }

    /// <summary>The answerer the worker would use, once the model secret has been read through the sidecar.</summary>
    public async Task<IQuestionAnswerer> AnswererAsync()
    {
        var source = App.Services.GetRequiredService<ModelEndpointSource>();
        await EventuallyAsync(() => Task.FromResult(source.Current), "the model secret read through the sidecar");
        return App.Services.GetRequiredService<IQuestionAnswerer>();
    }

    public static QuestionContext Question(string text, string user = "user-alice") => new(Guid.NewGuid(),
        new Asker(user, TimeZoneInfo.FindSystemTimeZoneById(SyntheticDataset.Zone)), text, "en", "relayed-token", Data.Now);

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await Model.DisposeAsync();
    }

    private sealed class DatasetTools(SyntheticDataset data, Func<Exception?> failure) : INlpToolsFactory
    {
        public NlpTools For(QuestionContext question)
        {
            var tools = new ReferenceTools(data).AsTools();
            return failure() is { } ex ? tools with { Analytics = new FailingAnalytics(ex) } : tools;
        }
    }

    private sealed class FailingAnalytics(Exception failure) : IAnalyticsTools
    {
        public Task<SpendingByCategoryResult> SpendingByCategoryAsync(Asker asker, SpendingByCategoryRequest request, CancellationToken ct) => throw failure;
        public Task<IncomeVsSpendingResult> IncomeVsSpendingAsync(Asker asker, IncomeVsSpendingRequest request, CancellationToken ct) => throw failure;
        public Task<TopCounterpartiesResult> TopCounterpartiesAsync(Asker asker, TopCounterpartiesRequest request, CancellationToken ct) => throw failure;
        public Task<MonthOverMonthResult> MonthOverMonthAsync(Asker asker, MonthOverMonthRequest request, CancellationToken ct) => throw failure;
    }
}

/// <summary>Collects what an answerer streams.</summary>
public sealed class CollectingStream : IAnswerStream
{
    public List<string> Pieces { get; } = [];

    public string Text => string.Concat(Pieces);

    public ValueTask WriteAsync(string text, CancellationToken ct)
    {
        Pieces.Add(text);
        return ValueTask.CompletedTask;
    }
}
