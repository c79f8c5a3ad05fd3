namespace LedgerX.Testing;

/// <summary>
/// Thrown when a test needs PostgreSQL or Redis and none is reachable. The message says how to start them,
/// because the person reading it is usually running one test from an IDE and just needs the next command.
/// </summary>
public sealed class TestEnvironmentUnavailableException : InvalidOperationException
{
    /// <summary>How to get a test environment; appended to every message of this exception.</summary>
    public const string HowToStart =
        "Run everything with `./ledgerx test` from the repository root (it starts a private PostgreSQL and Redis, " +
        "runs all tests, and stops them). To run tests from an IDE or with `dotnet test`, start the servers once " +
        "and export their addresses into the shell that runs the tests:\n" +
        "    eval \"$(tools/devenv/devenv.sh start /tmp/ledgerx-env --export)\"\n" +
        "which sets LEDGERX_TEST_POSTGRES (an Npgsql connection string, e.g. " +
        "'Host=127.0.0.1;Port=54321;Username=postgres;Database=postgres') and LEDGERX_TEST_REDIS (host:port, e.g. " +
        "'127.0.0.1:6390'). Stop them with `tools/devenv/devenv.sh stop /tmp/ledgerx-env --purge`. " +
        "Where a Docker engine answers, PostgreSQL also falls back to a Testcontainers postgres:15 container.";

    public TestEnvironmentUnavailableException()
        : base(HowToStart)
    {
    }

    public TestEnvironmentUnavailableException(string message)
        : base(message + "\n" + HowToStart)
    {
    }

    public TestEnvironmentUnavailableException(string message, Exception innerException)
        : base(message + "\n" + HowToStart, innerException)
    {
    }
}
