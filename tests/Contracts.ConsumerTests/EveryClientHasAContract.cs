using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using LedgerX.Analytics.Api.Rebuild;
using LedgerX.Fraud.Api.Policy;
using LedgerX.Pact;
using Refit;

namespace LedgerX.Contracts.ConsumerTests;

/// <summary>
/// Every typed client one service uses to call another has a consumer contract, and every call it can make is in its
/// pact: a service that starts using Refit must be a consumer here, a new Refit interface must be listed in
/// <see cref="Contracts"/>, and a new method must get an interaction, or these tests fail.
/// </summary>
public sealed partial class EveryClientHasAContract
{
    /// <summary>Each typed client, the pact its contract tests write.</summary>
    private static readonly Dictionary<Type, (string Consumer, string Provider)> Contracts = new()
    {
        [typeof(ITransactionServiceClient)] = Pacts.FraudOnLedger,
        [typeof(ILedgerEventLog)] = Pacts.AnalyticsOnLedger,
    };

    [Fact]
    public void EveryServiceThatUsesRefit_IsAConsumerUnderTestHere()
    {
        var referenced = ProjectReferences();

        var usingRefit = Directory.GetFiles(Path.Combine(Repository, "services"), "*.csproj", SearchOption.AllDirectories)
            .Where(project => XDocument.Load(project).Descendants("PackageReference").Any(p => (string?)p.Attribute("Include") == "Refit"))
            .Select(Path.GetFileNameWithoutExtension)
            .ToList();

        usingRefit.ShouldNotBeEmpty();
        usingRefit.Where(project => !referenced.Contains(project!)).ShouldBeEmpty("services with Refit clients this project does not reference (and so cannot test)");
    }

    [Fact]
    public void EveryRefitInterfaceOfTheConsumers_HasAContract()
    {
        var clients = ConsumerAssemblies().SelectMany(a => a.GetTypes()).Where(IsRefitClient).ToList();

        clients.ShouldNotBeEmpty();
        clients.Where(c => !Contracts.ContainsKey(c)).Select(c => c.FullName).ShouldBeEmpty("Refit clients without a consumer contract");
    }

    public static TheoryData<string, string> Calls()
    {
        var data = new TheoryData<string, string>();
        foreach (var client in Contracts.Keys.OrderBy(c => c.Name, StringComparer.Ordinal))
        {
            foreach (var method in client.GetMethods().OrderBy(m => m.Name, StringComparer.Ordinal))
            {
                data.Add(client.Name, method.Name);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Calls))]
    public void EveryCallOfAClient_HasAnInteractionInItsPact(string client, string method)
    {
        var type = Contracts.Keys.Single(c => c.Name == client);
        var http = type.GetMethod(method)!.GetCustomAttribute<HttpMethodAttribute>().ShouldNotBeNull($"{client}.{method} has no Refit HTTP attribute");
        var route = RouteOf(http.Path);
        var pact = Pacts.FileOf(Contracts[type]);

        var requests = Requests(pact).ToList();

        requests.ShouldContain(r => r.Method == http.Method.Method && route.IsMatch(r.Path),
            $"{client}.{method} ({http.Method} {http.Path}) has no interaction in {Path.GetFileName(pact)}; requests there: {string.Join(", ", requests)}");
    }

    private static bool IsRefitClient(Type type) =>
        type.IsInterface && type.GetMethods().Any(m => m.GetCustomAttribute<HttpMethodAttribute>() is not null);

    /// <summary>contracts/pacts is two levels below the repository root.</summary>
    private static string Repository => Path.GetFullPath(Path.Combine(PactFiles.RepositoryPactDirectory(), "..", ".."));

    /// <summary>The services this project references (their assembly names are their project names): the consumers.</summary>
    private static IEnumerable<Assembly> ConsumerAssemblies() =>
        ProjectReferences().Where(name => name.EndsWith(".Api", StringComparison.Ordinal)).Select(name => Assembly.Load(new AssemblyName(name)));

    private static HashSet<string> ProjectReferences() =>
        [.. XDocument.Load(Path.Combine(Repository, "tests", "Contracts.ConsumerTests", "LedgerX.Contracts.ConsumerTests.csproj"))
            .Descendants("ProjectReference")
            .Select(r => Path.GetFileNameWithoutExtension(((string)r.Attribute("Include")!).Replace('\\', '/')))];

    /// <summary>A Refit path template as a pattern: each {parameter} is one path segment; the query string is not part of it.</summary>
    private static Regex RouteOf(string template) =>
        new($"^{Parameter().Replace(Regex.Escape(template.Split('?')[0]), "[^/]+")}$", RegexOptions.CultureInvariant);

    private static IEnumerable<(string Method, string Path)> Requests(string pactFile)
    {
        using var pact = JsonDocument.Parse(File.ReadAllBytes(pactFile));
        return [.. pact.RootElement.GetProperty("interactions").EnumerateArray()
            .Select(i => i.GetProperty("request"))
            .Select(r => (r.GetProperty("method").GetString()!, r.GetProperty("path").GetString()!))];
    }

    [GeneratedRegex(@"\\\{[^}]+}")]
    private static partial Regex Parameter();
}
