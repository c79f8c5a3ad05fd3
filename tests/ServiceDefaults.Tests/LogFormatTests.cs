using System.Text.RegularExpressions;
using LedgerX.ServiceDefaults.Logging;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LedgerX.ServiceDefaults.Tests;

/// <summary>
/// Which log format a service picks: readable text for a person at a terminal (a Development run outside containers:
/// <c>./ledgerx up</c>, <c>dapr run -f .</c>), JSON wherever logs are shipped, <c>LEDGERX_LOG_FORMAT</c> over both.
/// </summary>
public sealed class LogFormatChoiceTests
{
    [Theory]
    [InlineData("Development", null, null, null, LogFormat.Text)]
    [InlineData("Development", "true", null, null, LogFormat.Json)]
    [InlineData("Development", null, "10.96.0.1", null, LogFormat.Json)]
    [InlineData("Production", null, null, null, LogFormat.Json)]
    [InlineData("Staging", null, null, null, LogFormat.Json)]
    [InlineData("Development", null, null, "json", LogFormat.Json)]
    [InlineData("Production", null, null, "text", LogFormat.Text)]
    [InlineData("Development", "true", null, " TEXT ", LogFormat.Text)]
    [InlineData("Development", null, null, "", LogFormat.Text)]
    public void TheFormat_FollowsWhereTheLogsGo(string environment, string? inContainer, string? kubernetes, string? chosen, LogFormat expected)
    {
        var format = LogFormats.Choose(Settings(inContainer, kubernetes, chosen), new Environment(environment));

        format.ShouldBe(expected);
    }

    [Fact]
    public void AnUnknownFormat_IsRefused_NamingTheSetting()
    {
        var refused = Should.Throw<InvalidOperationException>(() => LogFormats.Choose(Settings(null, null, "yaml"), new Environment("Development")));

        refused.Message.ShouldBe("LEDGERX_LOG_FORMAT is 'yaml'; use json or text.");
    }

    private static IConfiguration Settings(string? inContainer, string? kubernetes, string? chosen) =>
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["DOTNET_RUNNING_IN_CONTAINER"] = inContainer,
            ["KUBERNETES_SERVICE_HOST"] = kubernetes,
            ["LEDGERX_LOG_FORMAT"] = chosen,
        }).Build();

    private sealed class Environment(string name) : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = name;

        public string ApplicationName { get; set; } = "test";

        public string ContentRootPath { get; set; } = AppContext.BaseDirectory;

        public IFileProvider ContentRootFileProvider { get; set; } = new NullFileProvider();
    }
}

/// <summary>What a person running a service in Development sees on its console. Swaps the process's stdout, so it runs alone.</summary>
[Collection(nameof(StandardOutput))]
public sealed partial class ReadableLoggingTests
{
    [Fact]
    public async Task InDevelopment_EachEventIsOneReadableLine()
    {
        var lines = await CaptureStdoutAsync("/ping", "/multiline");

        lines.ShouldNotBeEmpty();
        lines.ShouldAllBe(line => EventLine().IsMatch(line), "every line is one event: time, level, source, message; no JSON, no scopes");
        lines.ShouldContain(line => line.EndsWith(" INF RequestLoggingMiddleware: HTTP GET /ping responded 200 in " + line.Split(" in ").Last(), StringComparison.Ordinal));
        lines.ShouldContain(line => line.EndsWith(" WRN ReadableLoggingTests: first line second line", StringComparison.Ordinal), "a message that spans lines is folded onto one");
    }

    [Fact]
    public async Task AnException_FollowsItsEventLine_InFull()
    {
        var lines = await CaptureStdoutAsync("/boom");

        int error = lines.FindIndex(line => EventLine().IsMatch(line) && line.Contains(" ERR ", StringComparison.Ordinal));
        error.ShouldBeGreaterThanOrEqualTo(0, string.Join('\n', lines));
        lines[error + 1].ShouldBe($"System.InvalidOperationException: {Boom}");
        lines[error + 2].ShouldStartWith("   at ");
    }

    private const string Boom = "the endpoint failed";

    [GeneratedRegex(@"^\d{2}:\d{2}:\d{2}\.\d{3} (VRB|DBG|INF|WRN|ERR|FTL) [A-Za-z0-9_]+: \S")]
    private static partial Regex EventLine();

    [LoggerMessage(Level = LogLevel.Warning, Message = "first line\nsecond line")]
    private static partial void LogMultiline(ILogger logger);

    private static async Task<List<string>> CaptureStdoutAsync(params string[] paths)
    {
        var original = Console.Out;
        using var captured = new StringWriter();
        Console.SetOut(captured);
        try
        {
            var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = Environments.Development });
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["DAPR_HTTP_PORT"] = SampleService.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Serilog:MinimumLevel:Default"] = "Information",
                // Whatever the machine running the tests says: this is a person's terminal.
                ["DOTNET_RUNNING_IN_CONTAINER"] = "",
                ["KUBERNETES_SERVICE_HOST"] = "",
                ["LEDGERX_LOG_FORMAT"] = "",
            });
            builder.WebHost.UseTestServer();
            builder.AddServiceDefaults();
            await using var app = builder.Build();
            app.UseServiceDefaults();
            app.MapGet("/ping", () => "pong");
            app.MapGet("/multiline", (ILogger<ReadableLoggingTests> logger) =>
            {
                LogMultiline(logger);
                return "logged";
            });
            app.MapGet("/boom", string () => throw new InvalidOperationException(Boom));
            await app.StartAsync(TestContext.Current.CancellationToken);
            foreach (var path in paths)
            {
                using var response = await app.GetTestClient().GetAsync(new Uri(path, UriKind.Relative), TestContext.Current.CancellationToken);
            }
            await app.StopAsync(TestContext.Current.CancellationToken);
        }
        finally
        {
            Console.SetOut(original);
        }

        return [.. captured.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)];
    }
}
