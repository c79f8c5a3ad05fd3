using LedgerX.Nlp.Api.Tools;

namespace LedgerX.Nlp.Api.Answering;

/// <summary>Registers the one <see cref="IQuestionAnswerer"/> the worker uses: the interpreter over the tools that read
/// the asker's data through Dapr invocation (<c>AddNlpTools</c>, called before this). <c>AddModelAnswering</c>, called
/// after this, puts a configured model in front of it and keeps it as the fallback.</summary>
public static class AnsweringRegistration
{
    public static WebApplicationBuilder AddAnswering(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<IQuestionAnswerer>(services => services.GetRequiredService<InterpreterAnswerer>());
        return builder;
    }
}
