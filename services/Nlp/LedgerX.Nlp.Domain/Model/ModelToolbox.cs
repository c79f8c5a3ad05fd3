using System.ComponentModel;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using LedgerX.Nlp.Domain.Answers;
using LedgerX.Nlp.Domain.Categorization;
using LedgerX.Nlp.Domain.Interpreting;
using LedgerX.Nlp.Domain.Questions;
using LedgerX.Nlp.Domain.Tools;
using Microsoft.Extensions.AI;

namespace LedgerX.Nlp.Domain.Model;

/// <summary>A tool call a model made: the tool's name and its arguments as JSON.</summary>
public sealed record ToolInvocation(string Tool, string Arguments);

/// <summary>A tool failed (a downstream service, an expired token): the question cannot be answered now, by the model or
/// anyone. Carries the tool's exception so the caller's retry policy sees what really happened.</summary>
public sealed class ToolCallFailedException(string tool, Exception inner) : Exception($"The tool {tool} failed: {inner.Message}", inner)
{
    public string Tool { get; } = tool;
}

/// <summary>The fixed tool set of one question as functions a model may call. Each function turns the model's
/// arguments into the interpreter's typed slots and runs them through <see cref="AnswerPlanner"/>, so the model's tools
/// are exactly the interpreter's (same asker, same account resolution, same composer for figures and citations). The
/// asker is bound here, never a model argument: no argument can name another user.</summary>
public sealed class ModelToolbox
{
    private const string PeriodHelp = "The period as the customer said it: \"last month\", \"in March\", \"since 1 May\", \"last 30 days\", \"Q1\", \"this week\", \"yesterday\". Leave out when giving from/to.";
    private const string FromHelp = "First day of the period, ISO date yyyy-MM-dd (inclusive).";
    private const string ToHelp = "Last day of the period, ISO date yyyy-MM-dd (inclusive). Default today.";
    private const string AccountHelp = "One of the customer's accounts: the last four digits of its number or its name (\"savings\", \"everyday\"). Leave out for all accounts.";
    private const string CountHelp = "How many items to list, 1 to 50. Default 5.";
    private const string CategoryHelp = "One of: groceries, rent, salary, utilities, transport, dining, entertainment, health, transfers, other.";
    private const string RecordHelp = "The id (a UUID) the customer gave; leave out for the most recent one.";

    /// <summary>The names of the functions a model is offered.</summary>
    public const string Refuse = "refuse";

    private readonly Asker asker;
    private readonly NlpTools tools;
    private readonly DateTimeOffset now;
    private readonly HashSet<string> allowed = [];
    private readonly List<ToolInvocation> calls = [];
    private readonly List<(Interpretation Interpretation, Answer Answer)> results = [];
    private readonly object gate = new();

    public ModelToolbox(Asker asker, NlpTools tools, DateTimeOffset now)
    {
        this.asker = asker ?? throw new ArgumentNullException(nameof(asker));
        this.tools = tools ?? throw new ArgumentNullException(nameof(tools));
        this.now = now;
        Functions = Descriptions.Select(d => (AITool)AIFunctionFactory.Create(
            typeof(ModelToolbox).GetMethod(d.Method, BindingFlags.Instance | BindingFlags.NonPublic)!, this,
            new AIFunctionFactoryOptions { Name = d.Name, Description = d.Description })).ToList();
    }

    private static readonly (string Name, string Method, string Description)[] Descriptions =
    [
        ("spending_by_category", nameof(SpendingByCategory), "Money the customer spent in a period, per category (or one category, or at one counterparty)."),
        ("income_vs_spending", nameof(IncomeVsSpending), "The customer's income, spending and net in a period."),
        ("top_counterparties", nameof(TopCounterparties), "Whom the customer paid most in a period."),
        ("month_over_month", nameof(MonthOverMonth), "Spending in a period against the period just before it (the previous month for a calendar month)."),
        ("balance_at", nameof(BalanceAt), "Account balances at the end of a period; leave the period out for the balance now."),
        ("largest_transactions", nameof(LargestTransactions), "The customer's largest transactions in a period, optionally above an amount, in a category or with a counterparty."),
        ("unusual_transactions", nameof(UnusualTransactions), "Transactions fraud checks flagged as unusual in a period, with scores and reasons."),
        ("why_flagged", nameof(WhyFlagged), "Why one transaction (or the most recent one) was flagged."),
        ("reversal_status", nameof(ReversalStatus), "Where a reversal (refund) stands."),
        (Refuse, nameof(RefuseQuestion), "Decline the question: it is about someone else's money, outside what the tools answer, or has two readings."),
    ];

    public static IReadOnlySet<string> Names { get; } = Descriptions.Select(d => d.Name).ToHashSet();

    public IList<AITool> Functions { get; }

    public IReadOnlyList<ToolInvocation> Calls { get { lock (gate) return calls.ToList(); } }

    public IReadOnlyList<(Interpretation Interpretation, Answer Answer)> Results { get { lock (gate) return results.ToList(); } }

    /// <summary>The refusal a tool made (the model's own, or a not-found account or record), if any.</summary>
    public (Interpretation? Interpretation, Refusal Refusal)? Refused { get; private set; }

    /// <summary>The first tool that failed, if any.</summary>
    public ToolCallFailedException? Failure { get; private set; }

    public bool HasData { get { lock (gate) return results.Count > 0; } }

    /// <summary>Every number the tool results contain (canonical values): what a model's text may state.</summary>
    public IReadOnlySet<string> AllowedNumbers { get { lock (gate) return allowed.ToHashSet(); } }

    private Task<JsonObject> SpendingByCategory([Description(PeriodHelp)] string? period = null, [Description(FromHelp)] string? from = null,
        [Description(ToHelp)] string? to = null, [Description(CategoryHelp)] string? category = null,
        [Description("A merchant or person paid, as the customer named it.")] string? counterparty = null,
        [Description(AccountHelp)] string? account = null, CancellationToken ct = default) =>
        RunAsync("spending_by_category", new { period, from, to, category, counterparty, account }, Intent.SpendingByCategory,
            period, from, to, category, counterparty, account, null, null, null, null, ct);

    private Task<JsonObject> IncomeVsSpending([Description(PeriodHelp)] string? period = null, [Description(FromHelp)] string? from = null,
        [Description(ToHelp)] string? to = null, [Description(AccountHelp)] string? account = null, CancellationToken ct = default) =>
        RunAsync("income_vs_spending", new { period, from, to, account }, Intent.IncomeVsSpending,
            period, from, to, null, null, account, null, null, null, null, ct);

    private Task<JsonObject> TopCounterparties([Description(PeriodHelp)] string? period = null, [Description(FromHelp)] string? from = null,
        [Description(ToHelp)] string? to = null, [Description(CountHelp)] int? count = null, [Description(AccountHelp)] string? account = null,
        CancellationToken ct = default) =>
        RunAsync("top_counterparties", new { period, from, to, count, account }, Intent.TopCounterparties,
            period, from, to, null, null, account, count, null, null, null, ct);

    private Task<JsonObject> MonthOverMonth([Description(PeriodHelp)] string? period = null, [Description(FromHelp)] string? from = null,
        [Description(ToHelp)] string? to = null, [Description(CategoryHelp)] string? category = null, [Description(AccountHelp)] string? account = null,
        CancellationToken ct = default) =>
        RunAsync("month_over_month", new { period, from, to, category, account }, Intent.MonthOverMonth,
            period, from, to, category, null, account, null, null, null, null, ct);

    private Task<JsonObject> BalanceAt([Description(PeriodHelp)] string? period = null, [Description(FromHelp)] string? from = null,
        [Description(ToHelp)] string? to = null, [Description(AccountHelp)] string? account = null, CancellationToken ct = default) =>
        RunAsync("balance_at", new { period, from, to, account }, Intent.BalanceAtDate,
            period, from, to, null, null, account, null, null, null, null, ct);

    private Task<JsonObject> LargestTransactions([Description(PeriodHelp)] string? period = null, [Description(FromHelp)] string? from = null,
        [Description(ToHelp)] string? to = null, [Description(CountHelp)] int? count = null,
        [Description("Only amounts at least this large, e.g. \"100\" or \"99.50\".")] string? min_amount = null,
        [Description("ISO 4217 code of min_amount, e.g. EUR; leave out for every currency.")] string? currency = null,
        [Description(CategoryHelp)] string? category = null, [Description("A merchant or person paid, as the customer named it.")] string? counterparty = null,
        [Description(AccountHelp)] string? account = null, CancellationToken ct = default) =>
        RunAsync("largest_transactions", new { period, from, to, count, min_amount, currency, category, counterparty, account }, Intent.LargestTransactions,
            period, from, to, category, counterparty, account, count, min_amount, currency, null, ct);

    private Task<JsonObject> UnusualTransactions([Description(PeriodHelp)] string? period = null, [Description(FromHelp)] string? from = null,
        [Description(ToHelp)] string? to = null, [Description(CountHelp)] int? count = null, [Description(AccountHelp)] string? account = null,
        CancellationToken ct = default) =>
        RunAsync("unusual_transactions", new { period, from, to, count, account }, Intent.UnusualTransactions,
            period, from, to, null, null, account, count, null, null, null, ct);

    private Task<JsonObject> WhyFlagged([Description(RecordHelp)] string? record_id = null, CancellationToken ct = default) =>
        RunAsync("why_flagged", new { record_id }, Intent.WhyFlagged, null, null, null, null, null, null, null, null, null, record_id, ct);

    private Task<JsonObject> ReversalStatus([Description(RecordHelp)] string? record_id = null, CancellationToken ct = default) =>
        RunAsync("reversal_status", new { record_id }, Intent.ReversalStatus, null, null, null, null, null, null, null, null, null, record_id, ct);

    private JsonObject RefuseQuestion(
        [Description("other_persons_data, unsupported or ambiguous.")] string reason,
        [Description("One sentence for the customer.")] string? message = null)
    {
        Record(Refuse, new { reason, message });
        var why = reason switch
        {
            "other_persons_data" => RefusalReason.OtherPersonsData,
            "ambiguous" => RefusalReason.Ambiguous,
            _ => RefusalReason.Unsupported,
        };
        // The asker is told the fixed message for the reason, not the model's words: a refusal states no data.
        var refusal = new Refusal(why, "I can't answer that: " + why switch
        {
            RefusalReason.OtherPersonsData => "I only answer questions about your own accounts.",
            RefusalReason.Ambiguous => "the question can be read more than one way; ask one thing at a time.",
            _ => "that is not a question about your spending, income, balances, transactions, flags or reversals.",
        });
        lock (gate) Refused ??= (null, refusal);
        return new JsonObject { ["refused"] = Refusal.ReasonName(why) };
    }

    private async Task<JsonObject> RunAsync(string tool, object arguments, Intent intent, string? period, string? from, string? to,
        string? category, string? counterparty, string? account, int? count, string? minAmount, string? currency, string? recordId, CancellationToken ct)
    {
        Record(tool, arguments);
        var slots = ModelArguments.Slots(intent, period, from, to, category, counterparty, account, count, minAmount, currency, recordId, asker.Zone, now, out var error);
        if (slots is null) return new JsonObject { ["error"] = error };
        var interpretation = new Interpretation(intent, slots, 1.0);
        Answer answer;
        try
        {
            answer = await AnswerPlanner.AnswerAsync(asker, interpretation, tools, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // FunctionInvokingChatClient would hand the error to the model and carry on; a failed read must instead end
            // the question (and reach the worker's retry), so it is kept, the loop told to stop, and rethrown afterwards.
            lock (gate) Failure ??= new ToolCallFailedException(tool, ex);
            if (FunctionInvokingChatClient.CurrentContext is { } context) context.Terminate = true;
            return new JsonObject { ["error"] = "the tool failed" };
        }
        if (answer.Refusal is { } refusal)
        {
            lock (gate) Refused ??= (interpretation, refusal);
            return new JsonObject { ["not_found"] = true, ["message"] = refusal.Message };
        }
        lock (gate)
        {
            results.Add((interpretation, answer));
            foreach (var text in answer.Figures.Select(f => f.Value).Append(answer.Text).Append(PeriodText(slots.Period)))
                allowed.UnionWith(NumberGuard.Numbers(text));
        }
        var figures = new JsonObject();
        foreach (var figure in answer.Figures) figures[figure.Name] = figure.Value;
        var result = new JsonObject { ["answer"] = answer.Text, ["figures"] = figures, ["records"] = answer.Citations.Count };
        if (slots.Period is { } p && p.Start != p.End) { result["from"] = Day(p.Start); result["to"] = Day(p.End.AddTicks(-1)); }
        return result;
    }

    private string PeriodText(Period? period) => period is null || period.Start == period.End ? "" : Day(period.Start) + " " + Day(period.End.AddTicks(-1));

    private string Day(DateTimeOffset instant) =>
        TimeZoneInfo.ConvertTime(instant, asker.Zone).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private void Record(string tool, object arguments)
    {
        var json = JsonSerializer.Serialize(arguments, ArgumentJson);
        lock (gate) calls.Add(new ToolInvocation(tool, json));
    }

    private static readonly JsonSerializerOptions ArgumentJson = new() { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };
}
