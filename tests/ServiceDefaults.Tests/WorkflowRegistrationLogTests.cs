using System.Text.Json;
using Dapr.Workflow;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LedgerX.ServiceDefaults.Tests;

/// <summary>
/// A service with Dapr Workflow used to print one "already registered" warning per workflow and activity on every start
/// (Dapr.Workflow 1.19 adds the registrations to its registry twice). Those, and only those, are dropped. Swaps the
/// process's stdout, so it runs alone.
/// </summary>
[Collection(nameof(StandardOutput))]
public sealed class WorkflowRegistrationLogTests
{
    [Fact]
    public async Task StartingAWorkflowService_PrintsNoAlreadyRegisteredWarnings_ButTheRegistrysOtherWarningsStay()
    {
        var lines = await CaptureStartAsync();

        lines.ShouldNotContain(line => line.Contains("already registered", StringComparison.Ordinal), string.Join('\n', lines));
        lines.ShouldContain(line => line.Contains("Missing", StringComparison.Ordinal) && line.EndsWith("not found in registry", StringComparison.Ordinal));
    }

    private static async Task<List<string>> CaptureStartAsync()
    {
        var original = Console.Out;
        using var captured = new StringWriter();
        Console.SetOut(captured);
        try
        {
            var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = Environments.Production });
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["DAPR_HTTP_PORT"] = SampleService.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
                // No sidecar: the worker's connection attempts fail in the background, which is not what is tested.
                ["DAPR_GRPC_ENDPOINT"] = $"http://127.0.0.1:{SampleService.FreePort()}",
                ["Serilog:MinimumLevel:Default"] = "Information",
                ["LEDGERX_LOG_FORMAT"] = "json",
            });
            builder.WebHost.UseTestServer();
            builder.AddServiceDefaults();
            builder.Services.AddDaprWorkflow(workflows =>
            {
                workflows.RegisterWorkflow<NoopWorkflow>(nameof(NoopWorkflow));
                workflows.RegisterActivity<FirstActivity>(nameof(FirstActivity));
                workflows.RegisterActivity<SecondActivity>(nameof(SecondActivity));
            });
            await using var app = builder.Build();
            await app.StartAsync(TestContext.Current.CancellationToken);
            // The same registry's other warnings must still reach the console.
            LogNotFound(app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Dapr.Workflow.Worker.WorkflowsFactory"), "Missing", null);
            await app.StopAsync(TestContext.Current.CancellationToken);
        }
        finally
        {
            Console.SetOut(original);
        }

        return [.. captured.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonDocument.Parse(line).RootElement.GetProperty("@m").GetString()!)];
    }

    private static readonly Action<ILogger, string, Exception?> LogNotFound =
        LoggerMessage.Define<string>(LogLevel.Warning, default, "Workflow '{WorkflowName}' not found in registry");

    private sealed class NoopWorkflow : Workflow<string, string>
    {
        public override Task<string> RunAsync(WorkflowContext context, string input) => Task.FromResult(input);
    }

    private sealed class FirstActivity : WorkflowActivity<string, string>
    {
        public override Task<string> RunAsync(WorkflowActivityContext context, string input) => Task.FromResult(input);
    }

    private sealed class SecondActivity : WorkflowActivity<string, string>
    {
        public override Task<string> RunAsync(WorkflowActivityContext context, string input) => Task.FromResult(input);
    }
}
