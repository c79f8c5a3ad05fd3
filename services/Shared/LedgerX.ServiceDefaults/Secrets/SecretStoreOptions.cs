using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;

namespace LedgerX.ServiceDefaults.Secrets;

/// <summary>
/// Where a service's credentials are read at start-up (section <c>SecretStore</c>). Read before the service provider
/// exists, so it is bound and validated by hand rather than through <c>IOptions</c>.
/// </summary>
public sealed class SecretStoreOptions
{
    public const string Section = "SecretStore";

    /// <summary>components/secretstore.yaml's metadata.name (the local file store).</summary>
    public const string DefaultName = "secretstore";

    /// <summary>The Dapr secret store component to read from: <c>secretstore</c> locally, <c>kubernetes</c> or a Vault
    /// component in the chart.</summary>
    [Required]
    public string Name { get; set; } = DefaultName;

    /// <summary>
    /// Empty: each credential is a secret of its own name (the local file store's flat keys). Set: one secret holding
    /// every credential as a key of that name (a Kubernetes Secret or a Vault map, e.g. the chart's <c>ledgerx-secrets</c>).
    /// </summary>
    public string? Secret { get; set; }

    /// <summary>How long start-up waits for the sidecar to answer before it fails (daprd loads its components first).</summary>
    [Range(1, 600)]
    public int SidecarWaitSeconds { get; set; } = 60;

    public static SecretStoreOptions From(IConfiguration configuration)
    {
        var options = configuration.GetSection(Section).Get<SecretStoreOptions>() ?? new SecretStoreOptions();
        Validator.ValidateObject(options, new ValidationContext(options), validateAllProperties: true);
        return options;
    }
}
