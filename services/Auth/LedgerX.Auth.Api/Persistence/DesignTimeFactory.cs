using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace LedgerX.Auth.Api.Persistence;

/// <summary>Lets `dotnet ef migrations add` build the model without starting the service (no database needed).</summary>
internal sealed class DesignTimeFactory : IDesignTimeDbContextFactory<AuthDbContext>
{
    public AuthDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<AuthDbContext>()
            .UseNpgsql("Host=localhost;Database=ledgerx_auth_design")
            .UseSnakeCaseNamingConvention()
            .Options);
}
