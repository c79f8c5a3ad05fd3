using System.Net;
using System.Text.Json;
using LedgerX.LocalDapr.Hosting;
using LedgerX.LocalDapr.Invocation;
using LedgerX.LocalDapr.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace LedgerX.LocalDapr.Tests.Invocation;

/// <summary>Cross-process name resolution through <c>{appId}.json</c> files (the stand-in for daprd's mDNS).</summary>
public sealed class NameResolutionTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_app_known_only_from_a_registry_file_is_reached_through_its_sidecar()
    {
        using var folder = new ResourceFolder();
        string registry = Path.Combine(folder.Path, "registry");
        await using var app = await SubscriberApp.StartAsync((web, a) => web.MapGet("/who", (HttpContext c) => Results.Text(c.Request.Headers["dapr-callee-app-id"].ToString())));
        await using var callee = await LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = "files-callee", AppPort = app.Port, RegistryDirectory = registry }, Ct);
        await using var caller = await LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = "files-caller", RegistryDirectory = registry }, Ct);

        // What a sidecar in another process would have written: only the file names this app id (with the
        // callee sidecar's hop token, which that sidecar would have put there).
        string remoteId = "remote-" + Guid.NewGuid().ToString("N")[..6];
        string hopToken = JsonSerializer.Deserialize<SidecarAddress>(File.ReadAllText(Path.Combine(registry, "files-callee.json")))!.HopToken!;
        File.WriteAllText(Path.Combine(registry, remoteId + ".json"), JsonSerializer.Serialize(new SidecarAddress(remoteId, "127.0.0.1", callee.HttpPort, callee.GrpcPort, Environment.ProcessId, hopToken)));

        using var http = new HttpClient();
        var response = await http.GetAsync($"{caller.HttpEndpoint}/v1.0/invoke/{remoteId}/method/who", Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync(Ct)).ShouldBe("files-callee");
    }

    /// <summary>Two systems in one process (the chaos and disaster-recovery tests side by side), each with its own
    /// registry directory and the same app ids: each resolves its own sidecar, as two clusters would.</summary>
    [Fact]
    public void Two_systems_in_one_process_each_resolve_their_own_app()
    {
        using var first = new ResourceFolder();
        using var second = new ResourceFolder();
        string appId = "twin-" + Guid.NewGuid().ToString("N")[..6];
        var ours = new SidecarAddress(appId, "127.0.0.1", 1001, 1002, Environment.ProcessId);
        var theirs = new SidecarAddress(appId, "127.0.0.1", 2001, 2002, Environment.ProcessId);
        SidecarDirectory.Register(ours, first.Path);
        SidecarDirectory.Register(theirs, second.Path);
        try
        {
            SidecarDirectory.Resolve(appId, first.Path).ShouldBe(ours);
            SidecarDirectory.Resolve(appId, second.Path).ShouldBe(theirs);
        }
        finally
        {
            SidecarDirectory.Unregister(ours, first.Path);
            SidecarDirectory.Unregister(theirs, second.Path);
        }

        SidecarDirectory.Resolve(appId, first.Path).ShouldBeNull();
    }

    [Fact]
    public void Registry_files_of_dead_processes_are_ignored()
    {
        using var folder = new ResourceFolder();
        File.WriteAllText(Path.Combine(folder.Path, "ghost.json"), JsonSerializer.Serialize(new SidecarAddress("ghost", "127.0.0.1", 1, 2, int.MaxValue)));
        SidecarDirectory.Resolve("ghost", folder.Path).ShouldBeNull();
    }

    [Fact]
    public async Task Sidecars_write_and_remove_their_registry_file()
    {
        using var folder = new ResourceFolder();
        string file = Path.Combine(folder.Path, "registered-app.json");
        await using (var sidecar = await LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = "registered-app", RegistryDirectory = folder.Path }, Ct))
        {
            var written = JsonSerializer.Deserialize<SidecarAddress>(File.ReadAllText(file))!;
            written.HttpPort.ShouldBe(sidecar.HttpPort);
            written.HopToken.ShouldNotBeNullOrEmpty();
            // The file carries the hop token: only its owner may read it.
            if (!OperatingSystem.IsWindows())
            {
                File.GetUnixFileMode(file).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
        }

        File.Exists(file).ShouldBeFalse();
    }
}
