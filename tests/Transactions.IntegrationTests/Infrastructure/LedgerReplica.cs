using LedgerX.Transactions.Api.Ledger;
using LedgerX.Transactions.Domain;
using Microsoft.Extensions.DependencyInjection;

namespace LedgerX.Transactions.IntegrationTests.Infrastructure;

/// <summary>
/// One transaction-service instance on a database the test owns, so several can share it as replicas do: each has its
/// own writer, and they serialize on the <c>ledger_head</c> lock. Through a <see cref="TcpProxy"/> when given one; its
/// connections carry <paramref name="applicationName"/> when given one (<c>pg_stat_activity.application_name</c>), so a
/// test can end them all as a crash would. With <paramref name="sidecarGrpcPort"/> its workflow worker connects to a local
/// sidecar there (several replicas may share one, as app replicas share the workflow engine); without, it has none.
/// </summary>
public sealed class LedgerReplica(string database, TcpProxy? proxy = null, IDictionary<string, string?>? settings = null, string? applicationName = null,
    int sidecarGrpcPort = 1)
    : LedgerApi(sidecarGrpcPort: sidecarGrpcPort, existingDatabase: database)
{
    public string? ApplicationName => applicationName;

    public LedgerWriter Writer => Services.GetRequiredService<LedgerWriter>();

    protected override IDictionary<string, string?> Settings
    {
        get
        {
            var all = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>());
            if (proxy is not null || applicationName is not null)
            {
                var connection = new Npgsql.NpgsqlConnectionStringBuilder(proxy?.Through(ConnectionString) ?? ConnectionString);
                connection.ApplicationName = applicationName ?? connection.ApplicationName;
                all["ConnectionStrings:Ledger"] = connection.ConnectionString;
            }
            return all;
        }
    }

    /// <summary>A deposit handed to the writer directly (no HTTP), answered with an empty 201.</summary>
    public Task<WriteResult> SubmitDepositAsync(Guid accountId, long amount, string description) =>
        Writer.SubmitAsync(Deposit(accountId, amount, description), null, (_, _) => new StoredResponse(201, []), CancellationToken.None);

    public static PostEntry Deposit(Guid accountId, long amount, string description)
    {
        var money = new Money(amount, Currency.Parse("EUR"));
        return new PostEntry(EntryKind.Deposit, [new(null, Direction.Debit, money, "currency"), new(new AccountId(accountId), Direction.Credit, money, "accountId")],
            new EntryDetails(description, null, LedgerMetadata.Empty));
    }
}
