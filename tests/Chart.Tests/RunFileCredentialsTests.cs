using System.Text.RegularExpressions;
using YamlDotNet.Serialization;

namespace LedgerX.Chart.Tests;

/// <summary>
/// dapr.yaml, the run file of <c>./ledgerx up</c> and <c>dapr run -f .</c>, gives no app a credential through its
/// environment: apps read theirs from the Dapr secret store at start-up (docs/adr/0025-credentials-from-the-secret-store.md).
/// </summary>
public sealed partial class RunFileCredentials
{
    [Fact]
    public void No_app_of_dapr_yaml_is_given_a_credential_in_its_environment()
    {
        var runFile = new DeserializerBuilder().Build()
            .Deserialize<Dictionary<object, object>>(File.ReadAllText(Repository.PathOf("dapr.yaml")));
        var environments = Node.List(runFile, "apps")
            .Select(app => (Name: Node.Str(app, "appID")!, Env: Node.At(app, "env") as Dictionary<object, object> ?? []))
            .Append(("common", Node.At(runFile, "common", "env") as Dictionary<object, object> ?? []))
            .ToList();

        environments.Count.ShouldBeGreaterThan(1);
        foreach (var (app, env) in environments)
        foreach (var (name, value) in env.Select(kv => ((string)kv.Key, kv.Value?.ToString() ?? "")))
        {
            name.StartsWith("ConnectionStrings", StringComparison.OrdinalIgnoreCase).ShouldBeFalse($"{app}: {name} belongs in the secret store");
            CredentialValue().IsMatch(value).ShouldBeFalse($"{app}: {name} carries a password or key");
            if (CredentialName().IsMatch(name))
            {
                value.ShouldBeEmpty($"{app}: {name} looks like a credential; only an empty value (\"turned off\") may stay in dapr.yaml");
            }
        }
    }

    [Theory]
    [InlineData("Password=postgres", true)]
    [InlineData("host=localhost password=x", true)]
    [InlineData("-----BEGIN PRIVATE KEY-----", true)]
    [InlineData("http://127.0.0.1:8080/", false)]
    [InlineData("accounts:freeze ledger:write", false)]
    public void The_value_pattern_catches_passwords_and_keys(string value, bool credential) =>
        CredentialValue().IsMatch(value).ShouldBe(credential);

    [Theory]
    [InlineData("APP_API_TOKEN", true)]
    [InlineData("Smtp__Password", true)]
    [InlineData("Nlp__Model__ApiKey", true)]
    [InlineData("Fraud__ClientSecret", true)]
    [InlineData("Auth__SecretStore", false)]
    [InlineData("Auth__Issuer", false)]
    public void The_name_pattern_catches_credential_settings_but_not_store_names(string name, bool credential) =>
        CredentialName().IsMatch(name).ShouldBe(credential);

    // A setting naming a secret store (Auth__SecretStore) is where to look, not a credential.
    [GeneratedRegex(@"(password|passwd|secret(?!store)|api_?key|token|credential)", RegexOptions.IgnoreCase)]
    private static partial Regex CredentialName();

    [GeneratedRegex(@"(password\s*=|pwd\s*=|-----BEGIN [A-Z ]*KEY-----)", RegexOptions.IgnoreCase)]
    private static partial Regex CredentialValue();
}
