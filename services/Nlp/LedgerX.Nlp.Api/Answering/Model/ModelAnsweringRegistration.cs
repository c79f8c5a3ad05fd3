using Microsoft.Extensions.DependencyInjection.Extensions;

namespace LedgerX.Nlp.Api.Answering.Model;

/// <summary>Puts the model path in front of the interpreter: the <see cref="IQuestionAnswerer"/> registered so far (the
/// interpreter's) becomes the keyed <see cref="InterpreterKey"/> one and <see cref="FallbackAnswerer"/> takes its place,
/// with the same lifetime. Call after the interpreter answerer is registered.</summary>
public static class ModelAnsweringRegistration
{
    public const string InterpreterKey = "interpreter";

    public static WebApplicationBuilder AddModelAnswering(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddValidatedOptions<ModelOptions>(ModelOptions.Section);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<ModelEndpointSource>();
        services.AddHostedService(sp => sp.GetRequiredService<ModelEndpointSource>());

        var inner = services.LastOrDefault(d => d.ServiceType == typeof(IQuestionAnswerer) && !d.IsKeyedService)
            ?? throw new InvalidOperationException("Register the interpreter's IQuestionAnswerer before AddModelAnswering.");
        services.Remove(inner);
        services.Add(inner.ImplementationInstance is { } instance
            ? ServiceDescriptor.KeyedSingleton(typeof(IQuestionAnswerer), InterpreterKey, instance)
            : inner.ImplementationFactory is { } factory
                ? new ServiceDescriptor(typeof(IQuestionAnswerer), InterpreterKey, (sp, _) => factory(sp), inner.Lifetime)
                : new ServiceDescriptor(typeof(IQuestionAnswerer), InterpreterKey, inner.ImplementationType!, inner.Lifetime));
        services.Add(new ServiceDescriptor(typeof(IQuestionAnswerer), typeof(FallbackAnswerer), inner.Lifetime));
        return builder;
    }
}
