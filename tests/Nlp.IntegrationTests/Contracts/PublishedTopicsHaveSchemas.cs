using LedgerX.Nlp.Api.Events;

namespace LedgerX.Nlp.IntegrationTests.Contracts;

/// <summary>Every topic nlp-service publishes has its JSON Schema in contracts/events/ (the payloads are validated against
/// them where the integration tests publish them: QuestionsAreAnswered, FailuresAreBounded).</summary>
public sealed class PublishedTopicsHaveSchemas
{
    [Theory]
    [InlineData(Topics.QuestionQueued)]
    [InlineData(Topics.QuestionDeadLetter)]
    [InlineData(Topics.LiveFeed)]
    public void HasASchemaFile(string topic) => EventSchemas.Topics().ShouldContain(topic);
}
