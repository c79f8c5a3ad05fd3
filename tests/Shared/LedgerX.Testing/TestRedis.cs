namespace LedgerX.Testing;

/// <summary>
/// Where integration tests get Redis from: <c>LEDGERX_TEST_REDIS</c> (<c>host:port</c>, a StackExchange.Redis
/// configuration string), set by <c>./ledgerx test</c> and CI. There is no container fallback; without the
/// variable a <see cref="TestEnvironmentUnavailableException"/> says how to start one. Tests share the server,
/// so give keys and streams a unique prefix (<see cref="UniquePrefix"/>).
/// </summary>
public static class TestRedis
{
    /// <summary>Environment variable holding the Redis address.</summary>
    public const string EnvironmentVariable = "LEDGERX_TEST_REDIS";

    /// <summary>The Redis address, e.g. <c>127.0.0.1:6390</c>.</summary>
    public static string GetConnectionString()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (string.IsNullOrWhiteSpace(fromEnvironment))
        {
            throw new TestEnvironmentUnavailableException($"No Redis for tests: {EnvironmentVariable} is not set.");
        }

        return fromEnvironment;
    }

    /// <summary>A key prefix no other test uses: <c>{name}:{16 hex}:</c>.</summary>
    public static string UniquePrefix(string name) =>
        $"{name}:{Guid.NewGuid().ToString("N", System.Globalization.CultureInfo.InvariantCulture)[..16]}:";
}
