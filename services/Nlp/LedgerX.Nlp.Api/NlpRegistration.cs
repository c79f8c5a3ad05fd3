using Microsoft.Extensions.DependencyInjection.Extensions;

namespace LedgerX.Nlp.Api;

/// <summary>What nlp-service adds on top of the service defaults, before its modules.</summary>
public static class NlpRegistration
{
    /// <summary>The clock, strict JSON (an unknown field is an error) and the OpenAPI document.</summary>
    public static WebApplicationBuilder AddNlpApi(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.ConfigureHttpJsonOptions(json =>
            json.SerializerOptions.UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow);
        return builder.AddOpenApiDocument("LedgerX nlp-service",
            "Questions about one's own money in plain language, answered asynchronously: a question is queued (202), answered " +
            "by a worker from the asker's own data through typed tools, streamed over the live feed and read back with its " +
            "figures and the records it cites. Amounts in answers are formatted with their ISO 4217 currency.");
    }
}
