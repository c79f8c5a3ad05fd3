using LedgerX.Nlp.Api.Questions.Persistence;
using LedgerX.Nlp.Api.Streaming;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;

namespace LedgerX.Nlp.Api.Questions;

/// <summary>What the questions module adds: options, the key ring for relayed tokens, the store, the queue's publisher,
/// worker and sweeper, the live stream of answers, metrics; then its API and subscription.</summary>
public static class QuestionsModule
{
    /// <summary>Data Protection's application name: every replica must share it to read each other's ciphertexts.</summary>
    public const string DataProtectionApplication = "ledgerx-nlp-service";

    public static WebApplicationBuilder AddQuestions(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddValidatedOptions<NlpOptions>(NlpOptions.Section)
            .Validate(o => TimeZoneInfo.TryFindSystemTimeZoneById(o.DefaultTimeZone, out _), "Nlp:DefaultTimeZone is not an IANA time zone.");
        services.AddDataProtection().SetApplicationName(DataProtectionApplication).PersistKeysToDbContext<QuestionsDbContext>();
        services.AddSingleton<RelayedTokens>();
        services.AddScoped<QuestionStore>();
        services.AddSingleton<QueuePublisher>();
        services.AddSingleton<ActiveAnswers>();
        services.AddSingleton<NlpMetrics>();
        services.AddSingleton(sp => new LiveAnswerPublisher(sp.GetRequiredService<Dapr.Client.DaprClient>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<LiveAnswerPublisher>>()) { Ttl = TimeSpan.FromSeconds(sp.GetRequiredService<IOptions<NlpOptions>>().Value.LiveItemTtlSeconds) });
        services.AddSingleton<QuestionWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<QuestionWorker>());
        services.AddHostedService<QuestionSweeper>();
        services.AddHostedService<Observability.QueueDepthMetrics>();
        return builder;
    }

    public static IEndpointRouteBuilder MapQuestions(this IEndpointRouteBuilder app)
    {
        app.MapQuestionsApi();
        app.MapOperatorsApi();
        app.MapQueueSubscription();
        return app;
    }
}
