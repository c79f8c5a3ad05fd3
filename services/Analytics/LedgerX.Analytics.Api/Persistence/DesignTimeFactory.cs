using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace LedgerX.Analytics.Api.Persistence;

/// <summary>Lets `dotnet ef migrations add` build the model without starting the service (no database needed).</summary>
internal sealed class DesignTimeFactory : IDesignTimeDbContextFactory<AnalyticsDbContext>
{
    public AnalyticsDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<AnalyticsDbContext>()
            .UseNpgsql("Host=localhost;Database=ledgerx_analytics_design")
            .UseSnakeCaseNamingConvention()
            .Options);
}
