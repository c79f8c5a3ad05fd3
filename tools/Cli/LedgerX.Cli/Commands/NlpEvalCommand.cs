using System.CommandLine;
using System.Globalization;
using LedgerX.Cli.Common;
using LedgerX.Cli.NlpEval;
using LedgerX.Nlp.Domain.Evaluation;
using Microsoft.Extensions.AI;
using Spectre.Console;

namespace LedgerX.Cli.Commands;

/// <summary>`ledgerx nlp-eval`: the committed evaluation set through the embedded interpreter (and a model when one is
/// given) over the synthetic dataset's reference tools; no running system needed. Exit 0 when every engine's exact-answer
/// accuracy reaches --min-accuracy, 1 below it, 2 when the model endpoint failed every question, 3 setup failed.</summary>
internal static class NlpEvalCommand
{
    /// <summary>The set as the build copies it next to the CLI (from services/Nlp/evaluation/).</summary>
    public static string DefaultSet => Path.Combine(AppContext.BaseDirectory, "evaluation", "questions.v1.json");

    public const double DefaultMinAccuracy = 0.90;

    public static Command Create()
    {
        var set = new Option<string?>("--set") { Description = "The evaluation set (JSON). Default: the committed services/Nlp/evaluation/questions.v1.json." };
        var endpoint = new Option<string?>("--model-endpoint") { Description = "An OpenAI-compatible endpoint, e.g. http://127.0.0.1:11434/v1 (Ollama) or https://api.openai.com/v1." };
        var model = new Option<string?>("--model") { Description = "The model name at that endpoint, e.g. llama3.1:8b or gpt-4o-mini." };
        var apiKeyEnv = new Option<string?>("--api-key-env") { Description = "The environment variable holding the endpoint's API key (never the key itself on the command line)." };
        var secretFile = new Option<string?>("--secret-file")
        {
            Description = $"A local file secret store (components/secrets.json shape) holding nlp-service's secret {ModelEndpoint.SecretName} (endpoint, model, apiKey).",
        };
        var minAccuracy = new Option<double>("--min-accuracy")
        {
            Description = "Exit 1 when an engine's exact-answer accuracy is below this share. Default 0.90.",
            DefaultValueFactory = _ => DefaultMinAccuracy,
        };
        minAccuracy.Validators.Add(r =>
        {
            var value = r.GetValueOrDefault<double>();
            if (value is < 0 or > 1) r.AddError(string.Create(CultureInfo.InvariantCulture, $"--min-accuracy: {value} is not a share between 0 and 1"));
        });
        var slowest = new Option<int>("--slowest") { Description = "How many of the slowest questions to list. Default 5.", DefaultValueFactory = _ => 5 };
        var json = new Option<string?>("--json") { Description = "Also write the report as JSON to this file." };

        var command = new Command("nlp-eval",
            "Evaluate nlp-service's answering on the committed question set: exact-answer accuracy, refusal correctness, per intent.")
        {
            set, endpoint, model, apiKeyEnv, secretFile, minAccuracy, slowest, json,
        };
        command.SetAction(async (parse, ct) =>
        {
            var console = AnsiConsole.Console;
            var setPath = parse.GetValue(set) ?? DefaultSet;
            if (!File.Exists(setPath))
            {
                console.MarkupLine($"[red]error:[/] no evaluation set at {Markup.Escape(setPath)}");
                return ExitCodes.SetupFailed;
            }
            ModelEndpoint? target;
            try
            {
                target = Endpoint(parse.GetValue(endpoint), parse.GetValue(model), parse.GetValue(apiKeyEnv), parse.GetValue(secretFile));
            }
            catch (Exception ex) when (ex is ArgumentException or UriFormatException or IOException or System.Text.Json.JsonException)
            {
                console.MarkupLine($"[red]error:[/] {Markup.Escape(ex.Message)}");
                return ExitCodes.SetupFailed;
            }
            return await RunAsync(console, setPath, target?.CreateChatClient(), target?.Model, parse.GetValue(minAccuracy), parse.GetValue(slowest), parse.GetValue(json), ct);
        });
        return command;
    }

    /// <summary>The model to evaluate: the options when given, else the secret file's, else none (interpreter only).</summary>
    internal static ModelEndpoint? Endpoint(string? endpoint, string? model, string? apiKeyEnv, string? secretFile)
    {
        var apiKey = apiKeyEnv is null ? null : Environment.GetEnvironmentVariable(apiKeyEnv)
            ?? throw new ArgumentException($"--api-key-env: ${apiKeyEnv} is not set");
        if (endpoint is not null || model is not null)
        {
            if (endpoint is null || model is null) throw new ArgumentException("--model-endpoint and --model go together");
            if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
                throw new ArgumentException($"--model-endpoint: {endpoint} is not an http(s) URL");
            return new ModelEndpoint(uri, model, apiKey);
        }
        if (secretFile is null) return null;
        var fromFile = ModelEndpoint.FromSecretsFile(secretFile)
            ?? throw new ArgumentException($"{secretFile} holds no {ModelEndpoint.SecretName} secret (endpoint and model)");
        return apiKey is null ? fromFile : fromFile with { ApiKey = apiKey };
    }

    internal static async Task<int> RunAsync(IAnsiConsole console, string setPath, IChatClient? chat, string? modelName, double minAccuracy,
        int slowest, string? jsonPath, CancellationToken ct)
    {
        var evalSet = EvalSet.Parse(await File.ReadAllTextAsync(setPath, ct));
        IReadOnlyList<EngineRun> runs;
        try
        {
            runs = await NlpEvalRunner.RunAsync(evalSet, chat, modelName, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return ExitCodes.Cancelled;
        }
        finally
        {
            chat?.Dispose();
        }
        var categorizer = NlpEvalRunner.MeasureCategorizer();
        var report = NlpEvalView.ToJson(setPath, evalSet, runs, slowest) with
        {
            Categorizer = new(categorizer.HeldOut, categorizer.Combined, categorizer.ModelAlone, categorizer.DecidedByRules),
        };
        NlpEvalView.Write(console, report, minAccuracy);
        if (jsonPath is not null) await File.WriteAllTextAsync(jsonPath, NlpEvalView.Serialize(report), ct);
        if (runs.Any(r => r.Errors > 0 && r.Errors == r.Report.Cases))
        {
            console.MarkupLine("[red]error:[/] the model endpoint failed every question");
            return ExitCodes.Unreachable;
        }
        return report.Engines.All(e => e.ExactAnswerAccuracy >= minAccuracy) ? ExitCodes.Ok : ExitCodes.Discrepancy;
    }
}
