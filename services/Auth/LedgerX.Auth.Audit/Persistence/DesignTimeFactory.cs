using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace LedgerX.Auth.Audit.Persistence;

/// <summary>Lets `dotnet ef migrations add` build the model without a host or a database.</summary>
internal sealed class DesignTimeFactory : IDesignTimeDbContextFactory<AuditLogDbContext>
{
    public AuditLogDbContext CreateDbContext(string[] args) =>
        new((DbContextOptions<AuditLogDbContext>)AuditLogDatabase.Configure(new DbContextOptionsBuilder<AuditLogDbContext>(), "Host=localhost;Database=ledgerx_auth_design").Options);
}

/// <summary>How the audit log's context talks to PostgreSQL, the same at design time and at run time.</summary>
internal static class AuditLogDatabase
{
    public static DbContextOptionsBuilder Configure(DbContextOptionsBuilder options, string connectionString) =>
        options
            .UseNpgsql(connectionString, npgsql => npgsql.MigrationsHistoryTable(AuditLogDbContext.MigrationsHistoryTable, AuditLogDbContext.Schema))
            .UseSnakeCaseNamingConvention();
}
