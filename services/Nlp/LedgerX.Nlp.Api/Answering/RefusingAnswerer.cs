using LedgerX.Nlp.Domain.Answers;
using LedgerX.Nlp.Domain.Questions;

namespace LedgerX.Nlp.Api.Answering;

/// <summary>
/// Temporary (issue 17, until the tools land in Tools/ with InterpreterAnswerer): refuses every question as
/// unsupported, so the queue, workers and API run end to end before anything can read the asker's data. Delete it when
/// <see cref="AnsweringRegistration"/> registers InterpreterAnswerer.
/// </summary>
internal sealed class RefusingAnswerer : IQuestionAnswerer
{
    public const string Message = "I can't answer questions yet: the tools that read your data are not installed.";

    public Task<AnswerOutcome> AnswerAsync(QuestionContext question, IAnswerStream stream, CancellationToken ct) =>
        Task.FromResult(new AnswerOutcome(Answer.Refused(new Refusal(RefusalReason.Unsupported, Message)), Engines.Interpreter, null, null, null, []));
}
