using System.Text;
using System.Text.Json;
using Dapr;
using Dapr.Client;
using LedgerX.LocalDapr.Bindings;
using LedgerX.LocalDapr.Hosting;
using LedgerX.LocalDapr.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace LedgerX.LocalDapr.Tests.Bindings;

public sealed class BindingsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Localstorage_creates_reads_lists_and_deletes_files()
    {
        using var resources = new ResourceFolder();
        resources.WithComponent("files", "bindings.localstorage", ("rootPath", "store"));
        await using var sidecar = await LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = "files-app", ResourcesPaths = [resources.Path], WorkingDirectory = resources.Path }, Ct);
        using var client = Clients.For(sidecar);

        await client.InvokeBindingAsync(new BindingRequest("files", "create") { Data = Encoding.UTF8.GetBytes("hello"), Metadata = { ["fileName"] = "statement.txt" } }, Ct);
        File.ReadAllText(Path.Combine(resources.Path, "store", "statement.txt")).ShouldBe("hello");

        var get = await client.InvokeBindingAsync(new BindingRequest("files", "get") { Metadata = { ["fileName"] = "statement.txt" } }, Ct);
        Encoding.UTF8.GetString(get.Data.Span).ShouldBe("hello");
        var list = await client.InvokeBindingAsync(new BindingRequest("files", "list"), Ct);
        JsonSerializer.Deserialize<string[]>(list.Data.Span).ShouldBe(["statement.txt"]);
        await client.InvokeBindingAsync(new BindingRequest("files", "delete") { Metadata = { ["fileName"] = "statement.txt" } }, Ct);
        File.Exists(Path.Combine(resources.Path, "store", "statement.txt")).ShouldBeFalse();

        await Should.ThrowAsync<DaprException>(() => client.InvokeBindingAsync(new BindingRequest("files", "get") { Metadata = { ["fileName"] = "../escape.txt" } }, Ct));
        await Should.ThrowAsync<DaprException>(() => client.InvokeBindingAsync(new BindingRequest("nope", "create"), Ct));
    }

    [Fact]
    public async Task Cron_input_binding_posts_to_the_app_on_schedule()
    {
        using var resources = new ResourceFolder().WithComponent("tick", "bindings.cron", ("schedule", "@every 200ms"));
        await using var app = await SubscriberApp.StartAsync((web, a) =>
        {
            web.MapMethods("/tick", ["OPTIONS"], () => Results.Ok());
            web.MapPost("/tick", async (HttpContext c) =>
            {
                await a.RecordAsync(c);
                return Results.Ok();
            });
        });
        await using var sidecar = await LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = "cron-app", AppPort = app.Port, ResourcesPaths = [resources.Path] }, Ct);

        (await app.WaitForAsync(r => r.Path == "/tick", count: 2, timeout: TimeSpan.FromSeconds(5))).Count.ShouldBeGreaterThanOrEqualTo(2);
    }

    [Theory]
    [InlineData("*/15 * * * *", "2026-01-01T10:07:00Z", "2026-01-01T10:15:00Z")]
    [InlineData("0 30 9 * * 1-5", "2026-11-28T12:00:00Z", "2026-11-30T09:30:00Z")]
    [InlineData("@hourly", "2026-01-01T10:59:59Z", "2026-01-01T11:00:00Z")]
    [InlineData("0 30 9 * * MON-FRI", "2026-11-28T12:00:00Z", "2026-11-30T09:30:00Z")]
    [InlineData("0 0 1 JAN *", "2026-03-01T00:00:00Z", "2027-01-01T00:00:00Z")]
    [InlineData("*/20 * * * * *", "2026-01-01T10:00:41Z", "2026-01-01T10:01:00Z")]
    public void Cron_schedule_finds_the_next_occurrence(string schedule, string after, string expected)
    {
        CronSchedule.Parse(schedule).Next(DateTimeOffset.Parse(after, System.Globalization.CultureInfo.InvariantCulture))
            .ShouldBe(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Invalid_cron_schedule_is_rejected()
    {
        Should.Throw<FormatException>(() => CronSchedule.Parse("61 * * * *"));
        Should.Throw<FormatException>(() => CronSchedule.Parse("* * *"));
        Should.Throw<FormatException>(() => CronSchedule.Parse("@every 1ms"));
    }
}
