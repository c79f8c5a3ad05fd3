using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace LedgerX.ServiceDefaults.Tests;

public sealed class LedgerLimits
{
    [Range(1, 1_000)]
    public int MaxPageSize { get; set; }
}

public sealed class StartupValidationTests
{
    [Fact]
    public async Task InvalidServiceOptions_StopTheHostAtStart()
    {
        var builder = SampleService.CreateBuilder(new Dictionary<string, string?> { ["Ledger:MaxPageSize"] = "0" });
        builder.Services.AddValidatedOptions<LedgerLimits>("Ledger");

        var failure = await Should.ThrowAsync<OptionsValidationException>(() => SampleService.StartAsync(builder));

        failure.Message.ShouldContain(nameof(LedgerLimits.MaxPageSize));
    }

    [Fact]
    public async Task ValidServiceOptions_AreBoundFromTheirSection()
    {
        var builder = SampleService.CreateBuilder(new Dictionary<string, string?> { ["Ledger:MaxPageSize"] = "50" });
        builder.Services.AddValidatedOptions<LedgerLimits>("Ledger");

        await using var app = await SampleService.StartAsync(builder);

        app.Services.GetRequiredService<IOptions<LedgerLimits>>().Value.MaxPageSize.ShouldBe(50);
    }

    [Theory]
    [InlineData("Http:MaxRequestBodyBytes", "0")]
    [InlineData("Health:DaprSidecar:TimeoutMs", "0")]
    public async Task InvalidDefaultsSettings_StopTheHostAtStart(string key, string value)
    {
        var builder = SampleService.CreateBuilder(new Dictionary<string, string?> { [key] = value });

        await Should.ThrowAsync<OptionsValidationException>(() => SampleService.StartAsync(builder));
    }

    [Fact]
    public void ZipkinEndpointThatIsNotAUri_IsRefusedAtRegistration()
    {
        Should.Throw<InvalidOperationException>(() =>
            SampleService.CreateBuilder(new Dictionary<string, string?> { ["ZIPKIN_ENDPOINT"] = "zipkin:9411" }));
    }
}
