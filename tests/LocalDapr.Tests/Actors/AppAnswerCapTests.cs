using System.Net;
using System.Text;
using LedgerX.LocalDapr.Hosting;
using LedgerX.LocalDapr.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace LedgerX.LocalDapr.Tests.Actors;

/// <summary>
/// The byte caps on what an app answers to the actor runtime hold for chunked answers too (no Content-Length):
/// they are counted while read, not taken from the header.
/// </summary>
public sealed class AppAnswerCapTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_chunked_dapr_config_over_one_mebibyte_is_refused()
    {
        await using var app = await SubscriberApp.StartAsync((web, _) =>
            web.MapGet("/dapr/config", async (HttpContext c) =>
            {
                // Valid JSON, 2 MiB, written in chunks so no Content-Length is sent.
                c.Response.ContentType = "application/json";
                await c.Response.WriteAsync("""{"entities":["Capped"],"padding":""" + "\"", Ct);
                for (int i = 0; i < 2 * 1024; i++)
                {
                    await c.Response.WriteAsync(new string('x', 1024), Ct);
                }

                await c.Response.WriteAsync("\"}", Ct);
            }));
        // Actor discovery is part of connecting to the app, so the sidecar does not start.
        var error = await Record.ExceptionAsync(async () =>
        {
            await using var sidecar = await LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = "capped-config", AppPort = app.Port }, Ct);
        });
        error.ShouldNotBeNull().ToString().ShouldContain("/dapr/config is larger than 1048576 bytes");
    }

    [Fact]
    public async Task A_chunked_actor_answer_over_the_cap_is_not_passed_back()
    {
        const int mebibyte = 1 << 20;
        await using var app = await SubscriberApp.StartAsync((web, _) =>
        {
            web.MapGet("/dapr/config", () => Results.Json(new { entities = new[] { "Big" } }));
            web.MapPut("/actors/Big/{id}/method/{method}", async (HttpContext c, string method) =>
            {
                int mebibytes = method == "Huge" ? 17 : 1;
                byte[] chunk = Encoding.ASCII.GetBytes(new string('y', mebibyte));
                for (int i = 0; i < mebibytes; i++)
                {
                    await c.Response.Body.WriteAsync(chunk, Ct);
                }
            });
        });
        await using var sidecar = await LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = "capped-actor", AppPort = app.Port }, Ct);
        using var http = new HttpClient();

        var small = await http.PutAsync($"{sidecar.HttpEndpoint}/v1.0/actors/Big/a1/method/Small", new StringContent("{}"), Ct);
        small.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await small.Content.ReadAsByteArrayAsync(Ct)).Length.ShouldBe(mebibyte);

        // 17 MiB against the default 16 MiB cap.
        var huge = await http.PutAsync($"{sidecar.HttpEndpoint}/v1.0/actors/Big/a1/method/Huge", new StringContent("{}"), Ct);
        huge.StatusCode.ShouldBe(HttpStatusCode.InternalServerError);
        (await huge.Content.ReadAsStringAsync(Ct)).ShouldContain("larger than 16777216 bytes");
    }
}
