using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace LedgerX.Transactions.Api.Infrastructure.Persistence;

/// <summary>Lets `dotnet ef migrations add` build the model without starting the service (no database needed).</summary>
internal sealed class DesignTimeFactory : IDesignTimeDbContextFactory<LedgerDbContext>
{
    public LedgerDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<LedgerDbContext>()
            .UseNpgsql("Host=localhost;Database=ledgerx_design")
            .UseSnakeCaseNamingConvention()
            .Options);
}
