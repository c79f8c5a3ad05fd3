using Microsoft.EntityFrameworkCore;

namespace LedgerX.Notifications.Api.Preferences;

/// <summary>The preferences module's table: one row per user who saved preferences, the document as jsonb.</summary>
public sealed class PreferencesDbContext(DbContextOptions<PreferencesDbContext> options) : DbContext(options)
{
    public const string Module = "preferences";

    public DbSet<PreferencesRow> Preferences => Set<PreferencesRow>();

    protected override void OnModelCreating(ModelBuilder model) =>
        model.Entity<PreferencesRow>(p =>
        {
            p.ToTable("notification_preferences");
            p.HasKey(x => x.UserId);
            p.Property(x => x.UserId).HasMaxLength(128);
            p.Property(x => x.Document).HasColumnType("jsonb");
        });
}

public sealed class PreferencesRow
{
    public required string UserId { get; set; }

    /// <summary><see cref="PreferencesDocument"/> as JSON.</summary>
    public required string Document { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}

internal sealed class PreferencesDesignTimeFactory : Microsoft.EntityFrameworkCore.Design.IDesignTimeDbContextFactory<PreferencesDbContext>
{
    public PreferencesDbContext CreateDbContext(string[] args) =>
        new(Infrastructure.Persistence.ModuleDatabase.DesignTimeOptions<PreferencesDbContext>(PreferencesDbContext.Module));
}
