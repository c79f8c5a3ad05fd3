using System.Text.Json.Nodes;
using LedgerX.LocalDapr.PubSub;

namespace LedgerX.LocalDapr.Tests.PubSub;

/// <summary>
/// Cases in the style of cel-spec's conformance suites (tests/simple/testdata: basic, comparisons, logic, string),
/// restricted to the subset routing rules support, evaluated over a CloudEvent bound to <c>event</c>. "Error" cases
/// of cel-spec (a missing field, a type mismatch in an ordering) are a non-match, as daprd treats an evaluation error.
/// </summary>
public sealed class CelMatchConformanceTests
{
    private static readonly JsonObject Event = JsonNode.Parse("""
        {"id":"e-1","type":"transaction.posted","source":"ledger","data":{"amount":1500,"currency":"EUR","flagged":true,"note":null,"nested":{"level":2}}}
        """)!.AsObject();

    public static TheoryData<string, string, bool> Cases => new()
    {
        // basic: literals and field selection
        { "basic/self_eval_true", "true", true },
        { "basic/self_eval_false", "false", false },
        { "basic/select_string", "event.type == 'transaction.posted'", true },
        { "basic/select_nested", "event.data.nested.level == 2", true },
        { "basic/select_null", "event.data.note == null", true },
        { "basic/select_bool", "event.data.flagged == true", true },
        { "basic/double_quoted_string", "event.source == \"ledger\"", true },
        // comparisons: int/double equality and ordering, strings ordered by code point, heterogeneous equality
        { "comparisons/eq_int", "event.data.amount == 1500", true },
        { "comparisons/eq_int_double", "event.data.amount == 1500.0", true },
        { "comparisons/ne_int", "event.data.amount != 1500", false },
        { "comparisons/lt_int", "event.data.amount < 2000", true },
        { "comparisons/lte_equal", "event.data.amount <= 1500", true },
        { "comparisons/gt_false", "event.data.amount > 1500", false },
        { "comparisons/gte_double", "event.data.amount >= 1499.5", true },
        { "comparisons/lt_string", "event.data.currency < 'USD'", true },
        { "comparisons/gt_string_case", "'a' > 'B'", true },
        { "comparisons/eq_mixed_types_false", "event.data.currency == 1", false },
        { "comparisons/ne_mixed_types_true", "event.data.amount != '1500'", true },
        { "comparisons/ordering_mixed_types_error", "event.data.currency < 1", false },
        // logic: short-circuit and error absorption of && / ||
        { "logic/and_true", "event.data.flagged && event.data.amount > 1000", true },
        { "logic/and_false", "event.data.flagged && event.data.amount > 2000", false },
        { "logic/or_true", "event.data.amount > 2000 || event.type == 'transaction.posted'", true },
        { "logic/not", "!(event.data.amount > 2000)", true },
        { "logic/not_not", "!!event.data.flagged", true },
        { "logic/parentheses", "(event.data.amount > 2000 || event.data.flagged) && event.source == 'ledger'", true },
        { "logic/or_error_right_true", "event.missing == 1 || true", true },
        { "logic/or_true_error", "true || event.missing == 1", true },
        { "logic/and_error_false", "event.missing == 1 && false", false },
        { "logic/and_false_error", "false && event.missing == 1", false },
        { "logic/error_alone", "event.missing == 1", false },
        { "logic/error_nested_select", "event.data.nested.missing.deeper == 1", false },
        // string: the three methods of the subset
        { "string/startsWith", "event.type.startsWith('transaction.')", true },
        { "string/startsWith_false", "event.type.startsWith('account.')", false },
        { "string/endsWith", "event.type.endsWith('.posted')", true },
        { "string/contains", "event.type.contains('tion.po')", true },
        { "string/contains_empty", "event.type.contains('')", true },
        { "string/method_on_number_error", "event.data.amount.startsWith('1')", false },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Evaluates_like_cel(string name, string expression, bool expected)
    {
        CelMatch.Parse(expression).Matches(Event).ShouldBe(expected, name);
    }

    [Theory]
    [InlineData("size(event.type) > 3")]
    [InlineData("event.type in ['a', 'b']")]
    [InlineData("has(event.data)")]
    [InlineData("event.data.amount + 1 == 1501")]
    [InlineData("event.data.exists(x, x == 1)")]
    [InlineData("event.type.matches('^tx')")]
    [InlineData("event.type ==")]
    public void Outside_the_subset_is_refused_when_loaded(string expression)
    {
        Should.Throw<FormatException>(() => CelMatch.Parse(expression));
    }
}
