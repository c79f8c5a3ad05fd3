using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Serilog;
using Serilog.Events;
using Serilog.Formatting;
using Serilog.Formatting.Compact;

namespace LedgerX.ServiceDefaults.Logging;

internal static class ConsoleLogging
{
    /// <summary>
    /// One event per line on stdout, as JSON where logs are shipped and as readable text where a person reads them
    /// (<see cref="LogFormats.Choose"/>). Serilog 4 stamps each event with the current trace and span ids (JSON:
    /// <c>@tr</c>, <c>@sp</c>). Serilog replaces the Microsoft logger factory, so levels come from the <c>Serilog</c>
    /// configuration section (<c>Serilog:MinimumLevel:Default</c>, <c>...:Override:&lt;prefix&gt;</c>), not from
    /// <c>Logging:LogLevel</c>.
    /// </summary>
    public static void AddConsoleLogging(this IHostApplicationBuilder builder, string serviceName)
    {
        // Chosen (and a bad LEDGERX_LOG_FORMAT refused) before the host is built, so a typo stops the service at once.
        ITextFormatter formatter = LogFormats.Choose(builder.Configuration, builder.Environment) switch
        {
            LogFormat.Text => new ReadableTextFormatter(),
            _ => new RenderedCompactJsonFormatter(),
        };
        // Serilog replaces the Microsoft logger factory, so the framework's own providers (console, debug, event
        // source) would never be written to; cleared, the registered providers are the ones Serilog forwards to on
        // purpose: the OTLP exporter's, when one is configured (OtlpLogExport).
        builder.Logging.ClearProviders();
        builder.Services.AddSerilog(
            (services, logger) => logger
                .MinimumLevel.Information()
                // The request log writes one event per request; the framework's own per-request events repeat it.
                .MinimumLevel.Override("Microsoft.AspNetCore", LogEventLevel.Warning)
                .MinimumLevel.Override("System.Net.Http.HttpClient", LogEventLevel.Warning)
                .ReadFrom.Configuration(services.GetRequiredService<IConfiguration>())
                .ReadFrom.Services(services)
                .Filter.ByExcluding(IsWorkflowSdkReregistration)
                .Enrich.FromLogContext()
                .Enrich.WithProperty("ServiceName", serviceName)
                .WriteTo.Console(formatter),
            // Hosts can share a process (tests, tools); none of them should own the static Log.Logger.
            preserveStaticLogger: true,
            writeToProviders: true);
    }

    /// <summary>
    /// Dapr.Workflow 1.19 applies an app's workflow and activity registrations to its registry twice: the app's
    /// <c>AddDaprWorkflow</c> callback runs once, yet every name is then added a second time, which the SDK reports as a
    /// Warning ("Activity 'X' is already registered"), one per workflow and activity on every start (nine for
    /// transaction-service). The second pass changes nothing (the first registration stays), so exactly those two
    /// messages of the SDK's registry are dropped; its other warnings ("... not found in registry") still show.
    /// </summary>
    internal static bool IsWorkflowSdkReregistration(LogEvent logEvent) =>
        logEvent.Level == LogEventLevel.Warning
        && logEvent.Properties.TryGetValue("SourceContext", out var source)
        && source is ScalarValue { Value: "Dapr.Workflow.Worker.WorkflowsFactory" }
        && logEvent.MessageTemplate.Text is "Activity '{ActivityName}' is already registered" or "Workflow '{WorkflowName}' is already registered";

    public static IApplicationBuilder UseRequestLogging(this IApplicationBuilder app) =>
        app.UseSerilogRequestLogging(options =>
        {
            // With preserveStaticLogger the middleware would otherwise fall back to the silent static logger.
            options.Logger = app.ApplicationServices.GetRequiredService<Serilog.ILogger>();
            options.GetLevel = RequestLogLevel;
        });

    /// <summary>A failing readiness probe is reported by the health check's own log, not once more per probe.</summary>
    private static LogEventLevel RequestLogLevel(HttpContext context, double elapsedMs, Exception? exception) =>
        exception is not null ? LogEventLevel.Error
        : DefaultEndpoints.IsProbe(context.Request.Path) ? LogEventLevel.Verbose
        : context.Response.StatusCode >= StatusCodes.Status500InternalServerError ? LogEventLevel.Error
        : LogEventLevel.Information;
}
