using System.Diagnostics;
using YamlDotNet.Serialization;

namespace LedgerX.Chart.Tests;

/// <summary>CI/CD for users: .github/workflows/ are valid GitHub Actions workflows (action-validator, pinned in
/// tools/workflow-lint) that test, publish pacts, build every app's image and render the chart, and deploy after
/// can-i-deploy; deploy/argocd/'s Application renders the chart with the values it names.</summary>
public sealed class DeploymentPipeline
{
    private static readonly IDeserializer Yaml = new DeserializerBuilder().Build();
    private static readonly TimeSpan NpmTimeout = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan ValidateTimeout = TimeSpan.FromMinutes(1);
    private static readonly Lazy<string> Validator = new(RestoreValidator, LazyThreadSafetyMode.ExecutionAndPublication);

    public static TheoryData<string> Workflows =>
        [.. Directory.GetFiles(Repository.PathOf(".github", "workflows"), "*.yml").Select(f => Path.GetFileName(f)).Order()];

    [Theory]
    [MemberData(nameof(Workflows))]
    public void Workflow_is_valid_for_github_actions(string workflow)
    {
        var (exitCode, output) = Validate(Repository.PathOf(".github", "workflows", workflow));

        exitCode.ShouldBe(0, output);
    }

    [Fact]
    public void The_validator_refuses_a_misspelt_workflow()
    {
        var broken = Path.Combine(Path.GetTempPath(), $"workflow-{Guid.NewGuid():N}.yml");
        File.WriteAllText(broken, File.ReadAllText(Repository.PathOf(".github", "workflows", "ci.yml")).Replace("runs-on:", "runs_on:", StringComparison.Ordinal));
        try
        {
            var (exitCode, output) = Validate(broken);

            exitCode.ShouldNotBe(0);
            output.ShouldContain("runs_on");
        }
        finally
        {
            File.Delete(broken);
        }
    }

    [Fact]
    public void Ci_tests_with_the_broker_from_secrets_and_builds_an_image_for_every_app()
    {
        var ci = Workflow("ci.yml");
        var test = Node.At(ci, "jobs", "test");

        Steps(test).ShouldContain(s => Node.Str(s, "run") == "bash .ci/run", "the same entry point as a developer's ./ledgerx test");
        Node.Str(test, "env", "PACT_BROKER_BASE_URL").ShouldBe("${{ secrets.PACT_BROKER_BASE_URL }}");
        Node.Str(test, "env", "PACT_BROKER_TOKEN").ShouldBe("${{ secrets.PACT_BROKER_TOKEN }}");
        Node.Str(test, "env", "GIT_COMMIT").ShouldBe("${{ github.sha }}");

        var images = Node.List(ci, "jobs", "images", "strategy", "matrix", "service");
        images.Select(i => Node.Str(i, "image")).Order().ShouldBe(ChartDefaultsRender.DaprApps.Value.Keys.Order());
        foreach (var image in images)
        {
            Directory.Exists(Repository.PathOf(Node.Str(image, "project")!)).ShouldBeTrue(Node.Str(image, "project"));
        }
        Steps(Node.At(ci, "jobs", "images")).ShouldContain(s => (Node.Str(s, "run") ?? "").Contains("-t:PublishContainer", StringComparison.Ordinal));
        Steps(Node.At(ci, "jobs", "chart")).ShouldContain(s => (Node.Str(s, "run") ?? "").Contains("chart-render -f charts/ledgerx/values-production.yaml -f deploy/argocd/values-cluster.yaml", StringComparison.Ordinal));
    }

    [Fact]
    public void Deploy_asks_can_i_deploy_before_and_records_the_deployment_after_argocd_is_healthy()
    {
        var job = Node.At(Workflow("deploy.yml"), "jobs", "production");
        Node.Str(job, "if")!.ShouldContain("github.event.workflow_run.event == 'push'", customMessage: "a pull request's green CI must not deploy");
        var steps = Steps(job).Select(s => Node.Str(s, "run") ?? Node.Str(s, "uses") ?? "").ToList();

        var gate = steps.FindIndex(s => s.Contains("pact-broker.sh can-i-deploy", StringComparison.Ordinal));
        var bump = steps.FindIndex(s => s.Contains("deploy/argocd/values-cluster.yaml", StringComparison.Ordinal));
        var wait = steps.FindIndex(s => s.Contains("argocd app wait ledgerx --sync --health", StringComparison.Ordinal));
        var record = steps.FindIndex(s => s.Contains("pact-broker.sh record-deployment", StringComparison.Ordinal));
        new[] { gate, bump, wait, record }.ShouldAllBe(i => i >= 0);
        gate.ShouldBeLessThan(bump);
        bump.ShouldBeLessThan(wait);
        wait.ShouldBeLessThan(record);
        // The line the deploy rewrites exists, and the chart reads it.
        File.ReadAllLines(Repository.PathOf("deploy", "argocd", "values-cluster.yaml")).ShouldContain(l => l.StartsWith("imageTag: ", StringComparison.Ordinal));
    }

    [Fact]
    public void The_argocd_application_renders_the_chart_with_the_values_it_names()
    {
        var application = Yaml.Deserialize<Dictionary<object, object>>(File.ReadAllText(Repository.PathOf("deploy", "argocd", "ledgerx.yaml")));
        var sources = Node.List(application, "spec", "sources");
        var chartSource = sources.Single(s => Node.Str(s, "path") is not null);
        var valuesSource = sources.Single(s => Node.Str(s, "ref") == "values");

        Node.Str(application, "kind").ShouldBe("Application");
        Node.Str(application, "apiVersion").ShouldBe("argoproj.io/v1alpha1");
        Node.Str(chartSource, "path").ShouldBe("charts/ledgerx");
        Node.Str(valuesSource, "repoURL").ShouldBe(Node.Str(chartSource, "repoURL"));
        Node.Str(valuesSource, "targetRevision").ShouldBe(Node.Str(chartSource, "targetRevision"));
        var valueFiles = Node.List(chartSource, "helm", "valueFiles").Cast<string>()
            .Select(f => f.StartsWith("$values/", StringComparison.Ordinal)
                ? Repository.PathOf(f["$values/".Length..])
                : Path.Combine(Repository.PathOf(Node.Str(chartSource, "path")!), f))
            .ToList();
        valueFiles.ShouldBe([ChartProduction.ProductionValues, Repository.PathOf("deploy", "argocd", "values-cluster.yaml")]);
        valueFiles.ShouldAllBe(f => File.Exists(f));

        var chart = ChartRenderer.Render([.. valueFiles.SelectMany(f => new[] { "-f", f }),
            "--name", Node.Str(chartSource, "helm", "releaseName")!, "--namespace", Node.Str(application, "spec", "destination", "namespace")!]);
        var cluster = Yaml.Deserialize<Dictionary<object, object>>(File.ReadAllText(valueFiles[1]));
        foreach (var deployment in chart.OfKind("Deployment"))
        {
            Node.Str(Node.List(deployment.At("spec", "template", "spec", "containers")).Single(), "image")!
                .ShouldEndWith($":{Node.Str(cluster, "imageTag")}", customMessage: $"{deployment}: the deploy workflow's imageTag picks every image");
        }
        chart.Single("Component", "pubsub").Str("spec", "type").ShouldBe("pubsub.kafka");
        // The autoscalers own spec.replicas: ArgoCD must not undo them.
        Node.List(application, "spec", "ignoreDifferences").ShouldContain(d => Node.List(d, "jsonPointers").Contains("/spec/replicas"));
    }

    private static Dictionary<object, object> Workflow(string name) =>
        Yaml.Deserialize<Dictionary<object, object>>(File.ReadAllText(Repository.PathOf(".github", "workflows", name)));

    private static IReadOnlyList<object> Steps(object? job) => Node.List(job, "steps");

    private static (int ExitCode, string Output) Validate(string workflow)
    {
        var start = new ProcessStartInfo(Validator.Value) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(workflow);
        return Run(start, ValidateTimeout);
    }

    /// <summary>Restores the pinned action-validator (tools/workflow-lint, integrity-checked by its lock file) once.</summary>
    private static string RestoreValidator()
    {
        var dir = Repository.PathOf("tools", "workflow-lint");
        var binary = Path.Combine(dir, "node_modules", ".bin", "action-validator");
        if (File.Exists(binary))
        {
            return binary;
        }
        var start = new ProcessStartInfo("npm") { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "ci", "--ignore-scripts", "--no-audit", "--no-fund" })
        {
            start.ArgumentList.Add(arg);
        }
        var (exitCode, output) = Run(start, NpmTimeout);
        exitCode.ShouldBe(0, $"npm ci in tools/workflow-lint failed:\n{output}");
        return binary;
    }

    private static (int ExitCode, string Output) Run(ProcessStartInfo start, TimeSpan timeout)
    {
        var (exitCode, stdout, stderr) = ChartRenderer.Execute(start, timeout);
        return (exitCode, stdout + stderr);
    }
}
