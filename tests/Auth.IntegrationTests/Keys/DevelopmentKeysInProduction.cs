using System.Globalization;

namespace LedgerX.Auth.IntegrationTests.Keys;

/// <summary>Production never runs on development material: the committed key (kid prefix dev-) or the demo seed.</summary>
public sealed class DevelopmentKeysInProduction(AuthServer server)
{
    [Fact]
    public async Task ProductionRefusesToStartWithADevelopmentKey()
    {
        var variable = server.Prefix + "_DEVKEYS";
        Environment.SetEnvironmentVariable(variable, TestKeys.Json(TestKeys.New("dev-only-key", DateTimeOffset.UtcNow)));
        try
        {
            var settings = AuthServer.Settings(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{FreePortsNext()}/"), server.Prefix);
            settings["Auth:SigningKeysSecret"] = variable;
            settings["Auth:Seed:Enabled"] = "false";
            await using var app = new AuthApp(server.Ports, settings, environment: "Production");

            var failure = await Should.ThrowAsync<Exception>(() => app.StartAsync());

            failure.ToString().ShouldContain("development key");
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [Fact]
    public async Task ProductionRefusesToSeedDemoAccounts()
    {
        var variable = server.Prefix + "_PRODKEYS";
        Environment.SetEnvironmentVariable(variable, TestKeys.Json(TestKeys.New("prod-key-1", DateTimeOffset.UtcNow)));
        try
        {
            var settings = AuthServer.Settings(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{FreePortsNext()}/"), server.Prefix);
            settings["Auth:SigningKeysSecret"] = variable;
            await using var app = new AuthApp(server.Ports, settings, environment: "Production");

            var failure = await Should.ThrowAsync<Exception>(() => app.StartAsync());

            failure.ToString().ShouldContain("refused outside Development");
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    private static int FreePortsNext() => LedgerX.Testing.FreePorts.Next();
}
