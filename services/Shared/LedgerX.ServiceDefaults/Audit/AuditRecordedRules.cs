using System.Text.RegularExpressions;

namespace LedgerX.ServiceDefaults.Audit;

/// <summary>
/// What contracts/events/audit.recorded.v1.schema.json demands of an event, in code: producers check it when they
/// enqueue (a bad event is a bug in the action's code, found in its own tests, not a dead letter days later), and the
/// audit log checks each delivery with it before appending. Kept in step with the schema by the schema tests.
/// </summary>
public static partial class AuditRecordedRules
{
    public const int MaxSourceLength = 100;
    public const int MaxActorIdLength = 200;
    public const int MaxActionLength = 100;
    public const int MaxSubjectTypeLength = 50;
    public const int MaxSubjectIdLength = 200;
    public const int MaxDetails = 20;
    public const int MaxDetailLength = 1000;

    public static readonly IReadOnlySet<string> ActorTypes = new HashSet<string>(StringComparer.Ordinal) { "user", "client", "service", "anonymous" };

    public static readonly IReadOnlySet<string> Outcomes =
        new HashSet<string>(StringComparer.Ordinal) { AuditOutcomes.Succeeded, AuditOutcomes.Failed, AuditOutcomes.Denied };

    /// <summary>Every way <paramref name="e"/> breaks the schema, as "field: problem" (JSON field names); empty when valid.</summary>
    public static IReadOnlyList<string> Problems(AuditRecorded e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var problems = new List<string>();
        if (e.EventId == Guid.Empty)
        {
            problems.Add("eventId: must not be the empty uuid");
        }
        Text(problems, "source", e.Source, MaxSourceLength);
        if (e.Actor is null)
        {
            problems.Add("actor: required");
        }
        else
        {
            if (e.Actor.Type is null || !ActorTypes.Contains(e.Actor.Type))
            {
                problems.Add($"actor.type: must be one of {string.Join(", ", ActorTypes)}");
            }
            Text(problems, "actor.id", e.Actor.Id, MaxActorIdLength);
        }
        if (e.Action is null || e.Action.Length > MaxActionLength || !ActionPattern().IsMatch(e.Action))
        {
            problems.Add($"action: must be dotted lowercase words (e.g. auth.sign_in.failed), at most {MaxActionLength} characters");
        }
        if (e.Subject is not null)
        {
            Text(problems, "subject.type", e.Subject.Type, MaxSubjectTypeLength);
            Text(problems, "subject.id", e.Subject.Id, MaxSubjectIdLength);
        }
        if (e.Outcome is null || !Outcomes.Contains(e.Outcome))
        {
            problems.Add($"outcome: must be one of {string.Join(", ", Outcomes)}");
        }
        if (e.Details is { } details)
        {
            if (details.Count > MaxDetails)
            {
                problems.Add($"details: at most {MaxDetails} entries");
            }
            foreach (var (key, value) in details)
            {
                if (value is null || value.Length > MaxDetailLength)
                {
                    problems.Add($"details.{key}: a string of at most {MaxDetailLength} characters");
                }
            }
        }
        if (e.TraceId is not null && !TraceIdPattern().IsMatch(e.TraceId))
        {
            problems.Add("traceId: 32 lowercase hex digits");
        }
        return problems;
    }

    private static void Text(List<string> problems, string field, string? value, int maxLength)
    {
        if (string.IsNullOrEmpty(value) || value.Length > maxLength)
        {
            problems.Add($"{field}: 1 to {maxLength} characters");
        }
    }

    // \z, not $: .NET's $ also matches before a final newline, which the schema's pattern does not allow.
    [GeneratedRegex(@"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+\z", RegexOptions.CultureInvariant)]
    private static partial Regex ActionPattern();

    [GeneratedRegex(@"^[0-9a-f]{32}\z", RegexOptions.CultureInvariant)]
    private static partial Regex TraceIdPattern();
}
