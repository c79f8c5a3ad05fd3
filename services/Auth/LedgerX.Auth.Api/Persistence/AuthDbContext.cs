using LedgerX.ServiceDefaults.Telemetry;
using LedgerX.ServiceDefaults.Audit;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace LedgerX.Auth.Api.Persistence;

/// <summary>auth-service's own database (snake_case): Identity's users and roles, OpenIddict's applications,
/// authorizations, scopes and tokens, the shared audit outbox (audit.recorded.v1) and the outbox of account messages
/// (auth.account_message.v1, for the future notification-service).</summary>
public sealed class AuthDbContext(DbContextOptions<AuthDbContext> options) : IdentityDbContext<AuthUser, AuthRole, Guid>(options)
{
    public DbSet<OutboxRow> Outbox => Set<OutboxRow>();

    private static readonly Dictionary<string, string> TableNames = new(StringComparer.Ordinal)
    {
        ["AspNetUsers"] = "users",
        ["AspNetRoles"] = "roles",
        ["AspNetUserRoles"] = "user_roles",
        ["AspNetUserClaims"] = "user_claims",
        ["AspNetUserLogins"] = "user_logins",
        ["AspNetUserTokens"] = "user_tokens",
        ["AspNetRoleClaims"] = "role_claims",
        ["OpenIddictApplications"] = "oauth_applications",
        ["OpenIddictAuthorizations"] = "oauth_authorizations",
        ["OpenIddictScopes"] = "oauth_scopes",
        ["OpenIddictTokens"] = "oauth_tokens",
    };

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.UseOpenIddict<Guid>();
        builder.ConfigureAuditOutbox();
        // Identity and OpenIddict name their tables in PascalCase; this database is snake_case throughout.
        foreach (var entity in builder.Model.GetEntityTypes())
        {
            if (entity.GetTableName() is { } table && TableNames.TryGetValue(table, out var name))
            {
                entity.SetTableName(name);
            }
        }
        builder.Entity<OutboxRow>(o =>
        {
            o.ToTable("outbox");
            o.HasKey(x => x.Id);
            o.Property(x => x.Id).UseIdentityAlwaysColumn();
            o.HasIndex(x => x.EventId).IsUnique();
            o.Property(x => x.Topic).HasMaxLength(64);
            o.Property(x => x.Payload).HasColumnType("json");
            o.Property(x => x.LastError).HasMaxLength(2000);
            o.Property(x => x.TraceParent).HasMaxLength(OutboxTrace.MaxTraceParentLength);
            o.Property(x => x.TraceState).HasMaxLength(OutboxTrace.MaxTraceStateLength);
            o.HasIndex(x => new { x.NextAttemptAt, x.Id }).HasFilter("sent_at IS NULL").HasDatabaseName("ix_outbox_pending");
        });
    }
}
