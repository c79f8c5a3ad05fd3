using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace LedgerX.Fraud.Api.Infrastructure.Persistence;

/// <summary>Lets `dotnet ef migrations add` build the model without starting the service (no database needed).</summary>
internal sealed class DesignTimeFactory : IDesignTimeDbContextFactory<FraudDbContext>
{
    public FraudDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<FraudDbContext>()
            .UseNpgsql("Host=localhost;Database=ledgerx_fraud_design")
            .UseSnakeCaseNamingConvention()
            .Options);
}
