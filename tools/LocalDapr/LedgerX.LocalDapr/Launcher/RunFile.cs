using LedgerX.LocalDapr.Resources;

namespace LedgerX.LocalDapr.Launcher;

/// <summary>One app of a <c>dapr.yaml</c>, with every path made absolute and the dapr CLI's defaults applied.</summary>
public sealed record RunFileApp(
    string AppId,
    string AppDirPath,
    int? AppPort,
    string AppProtocol,
    string AppChannelAddress,
    IReadOnlyList<string> Command,
    int? DaprHttpPort,
    int? DaprGrpcPort,
    int? MetricsPort,
    IReadOnlyList<string> ResourcesPaths,
    string? ConfigFilePath,
    IReadOnlyDictionary<string, string> Env);

/// <summary>
/// The multi-app run file (dapr CLI pkg/runfileconfig). Paths under <c>common</c> resolve against the file's
/// folder and an app's own paths against its <c>appDirPath</c>. Resources: app <c>resourcesPaths</c>, else
/// <c>appDirPath/.dapr/resources</c>, else <c>common</c>, else <c>~/.dapr/components</c>; the config file likewise.
/// </summary>
public sealed record RunFile(string File, string? Name, IReadOnlyList<RunFileApp> Apps)
{
    public static RunFile Load(string fileOrDirectory)
    {
        string file = Directory.Exists(fileOrDirectory) ? Path.Combine(fileOrDirectory, "dapr.yaml") : fileOrDirectory;
        file = Path.GetFullPath(file);
        if (!System.IO.File.Exists(file))
        {
            throw new ResourceException(file, "(file)", "run file does not exist");
        }

        var doc = ResourceLoader.ReadDocuments(file).FirstOrDefault() ?? throw new ResourceException(file, "(document)", "the run file is empty");
        string baseDir = Path.GetDirectoryName(file)!;
        int? version = doc["version"].OptionalInt();
        if (version != 1)
        {
            throw doc["version"].Error(version is null ? "is required (version: 1)" : $"version {version} is not supported (expected 1)");
        }

        var common = doc["common"];
        var commonResources = common["resourcesPaths"].StringList().Select(p => Path.GetFullPath(p, baseDir)).ToList();
        if (common["resourcesPath"].OptionalString() is { } legacy)
        {
            commonResources.Add(Path.GetFullPath(legacy, baseDir));
        }

        string? commonConfig = common["configFilePath"].OptionalString() is { } cc ? Path.GetFullPath(cc, baseDir) : null;
        var commonEnv = common["env"].StringMap();

        var apps = new List<RunFileApp>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var app in doc["apps"].Items())
        {
            string appDir = Path.GetFullPath(app["appDirPath"].RequiredString(), baseDir);
            if (!Directory.Exists(appDir))
            {
                throw app["appDirPath"].Error($"directory {appDir} does not exist");
            }

            string appId = app["appID"].OptionalString() ?? new DirectoryInfo(appDir).Name;
            if (!seen.Add(appId))
            {
                throw app["appID"].Error($"app id '{appId}' appears twice");
            }

            var resources = app["resourcesPaths"].StringList().Select(p => Path.GetFullPath(p, appDir)).ToList();
            if (app["resourcesPath"].OptionalString() is { } appLegacy)
            {
                resources.Add(Path.GetFullPath(appLegacy, appDir));
            }

            if (resources.Count == 0)
            {
                string local = Path.Combine(appDir, ".dapr", "resources");
                resources = Directory.Exists(local) ? [local] : commonResources.Count > 0 ? commonResources : DefaultDaprFolder("components");
            }

            string? config = app["configFilePath"].OptionalString() is { } ac ? Path.GetFullPath(ac, appDir) : null;
            if (config is null)
            {
                string local = Path.Combine(appDir, ".dapr", "config.yaml");
                config = System.IO.File.Exists(local) ? local : commonConfig ?? DefaultDaprFolder("config.yaml").FirstOrDefault(System.IO.File.Exists);
            }

            var env = new Dictionary<string, string>(commonEnv, StringComparer.Ordinal);
            foreach (var (k, v) in app["env"].StringMap())
            {
                env[k] = v;
            }

            string protocol = app["appProtocol"].OptionalString() ?? common["appProtocol"].OptionalString() ?? "http";
            if (protocol is not ("http" or "grpc"))
            {
                throw app["appProtocol"].Error($"app protocol '{protocol}' is not supported by the local sidecar (http or grpc)");
            }

            apps.Add(new RunFileApp(
                appId,
                appDir,
                app["appPort"].OptionalInt(),
                protocol,
                app["appChannelAddress"].OptionalString() ?? "127.0.0.1",
                app["command"].StringList(),
                app["daprHTTPPort"].OptionalInt(),
                app["daprGRPCPort"].OptionalInt(),
                app["metricsPort"].OptionalInt(),
                resources,
                config,
                env));
        }

        if (apps.Count == 0)
        {
            throw doc["apps"].Error("needs at least one app");
        }

        return new RunFile(file, doc["name"].OptionalString(), apps);
    }

    private static List<string> DefaultDaprFolder(string child)
    {
        string path = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".dapr", child);
        return Directory.Exists(path) || System.IO.File.Exists(path) ? [path] : [];
    }
}
