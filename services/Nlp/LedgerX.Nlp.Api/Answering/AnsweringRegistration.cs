namespace LedgerX.Nlp.Api.Answering;

/// <summary>Registers the one <see cref="IQuestionAnswerer"/> the worker uses (the model path falling back to the
/// interpreter when a model is configured, else the interpreter) and what it needs.</summary>
public static class AnsweringRegistration
{
    public static WebApplicationBuilder AddAnswering(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        // The interpreter over the Dapr tools (Tools/, AddNlpTools); AddModelAnswering wraps it when a model is configured.
        builder.Services.AddSingleton<IQuestionAnswerer>(services => services.GetRequiredService<InterpreterAnswerer>());
        return builder;
    }
}
