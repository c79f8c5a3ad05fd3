using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Serilog;
using Serilog.Events;
using Serilog.Formatting.Compact;

namespace LedgerX.ServiceDefaults.Logging;

internal static class JsonConsoleLogging
{
    /// <summary>
    /// One JSON object per line on stdout; Serilog 4 stamps each event with the current trace and span ids,
    /// written as <c>@tr</c> and <c>@sp</c>. Serilog replaces the Microsoft logger factory, so levels come from
    /// the <c>Serilog</c> configuration section (<c>Serilog:MinimumLevel:Default</c>, <c>...:Override:&lt;prefix&gt;</c>),
    /// not from <c>Logging:LogLevel</c>.
    /// </summary>
    public static void AddJsonConsoleLogging(this IHostApplicationBuilder builder, string serviceName) =>
        builder.Services.AddSerilog(
            (services, logger) => logger
                .MinimumLevel.Information()
                // The request log writes one event per request; the framework's own per-request events repeat it.
                .MinimumLevel.Override("Microsoft.AspNetCore", LogEventLevel.Warning)
                .MinimumLevel.Override("System.Net.Http.HttpClient", LogEventLevel.Warning)
                .ReadFrom.Configuration(services.GetRequiredService<IConfiguration>())
                .ReadFrom.Services(services)
                .Enrich.FromLogContext()
                .Enrich.WithProperty("ServiceName", serviceName)
                .WriteTo.Console(new RenderedCompactJsonFormatter()),
            // Hosts can share a process (tests, tools); none of them should own the static Log.Logger.
            preserveStaticLogger: true);

    public static IApplicationBuilder UseJsonRequestLogging(this IApplicationBuilder app) =>
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
