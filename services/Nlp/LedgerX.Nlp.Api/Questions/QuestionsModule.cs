using LedgerX.Nlp.Api.Questions.Persistence;
using LedgerX.Nlp.Api.Streaming;
using LedgerX.ServiceDefaults.Secrets;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;

namespace LedgerX.Nlp.Api.Questions;

/// <summary>What the questions module adds: options, the key ring for relayed tokens, the store, the queue's publisher,
/// worker and sweeper, the live stream of answers, metrics; then its API and subscription.</summary>
public static class QuestionsModule
{
    /// <summary>Data Protection's application name: every replica must share it to read each other's ciphertexts.</summary>
    public const string DataProtectionApplication = "ledgerx-nlp-service";

    /// <summary>
    /// The certificate(s) that encrypt the key ring at rest, read from the Dapr secret store at start-up (ADR 0025,
    /// addendum): a dump of the database alone no longer yields the keys, hence no relayed token.
    /// </summary>
    public static readonly ServiceSecret KeyRingSecret = KeyRingCertificates.Secret("nlp-keyring-certificate");

    public static WebApplicationBuilder AddQuestions(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddValidatedOptions<NlpOptions>(NlpOptions.Section)
            .Validate(o => TimeZoneInfo.TryFindSystemTimeZoneById(o.DefaultTimeZone, out _), "Nlp:DefaultTimeZone is not an IANA time zone.");
        // Encrypted at rest with the certificate from the secret store (keys stored before that stay readable).
        services.AddDataProtection().SetApplicationName(DataProtectionApplication).PersistKeysToDbContext<QuestionsDbContext>()
            .ProtectKeysWithSecretStoreCertificates(builder, KeyRingSecret);
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
