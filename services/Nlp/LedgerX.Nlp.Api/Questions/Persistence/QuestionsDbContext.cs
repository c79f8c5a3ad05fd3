using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace LedgerX.Nlp.Api.Questions.Persistence;

/// <summary>
/// nlp-service's tables (database <c>ledgerx_nlp</c>, snake_case, migrations history <c>__ef_migrations_questions</c>):
/// the questions (queue outbox, answers, ratings, dead letters) and the Data Protection key ring that encrypts each
/// question's relayed token (in the database, so any replica decrypts what another stored and restarts keep it).
/// </summary>
public sealed class QuestionsDbContext(DbContextOptions<QuestionsDbContext> options) : DbContext(options), IDataProtectionKeyContext
{
    public const string Module = "questions";
    public const int MaxUserIdLength = 128;
    public const int MaxTextLength = 500;
    public const int MaxCommentLength = 1000;
    public const int MaxErrorLength = 2000;

    public DbSet<QuestionRow> Questions => Set<QuestionRow>();
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    protected override void OnModelCreating(ModelBuilder model)
    {
        model.Entity<QuestionRow>(q =>
        {
            q.ToTable("questions");
            q.HasKey(x => x.Id);
            q.Property(x => x.Id).ValueGeneratedNever();
            q.Property(x => x.UserId).HasMaxLength(MaxUserIdLength);
            q.Property(x => x.Text).HasMaxLength(MaxTextLength);
            q.Property(x => x.Language).HasMaxLength(8);
            q.Property(x => x.TimeZone).HasMaxLength(64);
            q.Property(x => x.Status).HasMaxLength(16);
            q.Property(x => x.LeaseOwner).HasMaxLength(64);
            q.Property(x => x.AnswerJson).HasColumnType("jsonb");
            q.Property(x => x.ToolCallsJson).HasColumnType("jsonb");
            q.Property(x => x.Intent).HasMaxLength(64);
            q.Property(x => x.Engine).HasMaxLength(16);
            q.Property(x => x.TemplateVersion).HasMaxLength(64);
            q.Property(x => x.PromptVersion).HasMaxLength(64);
            q.Property(x => x.Model).HasMaxLength(128);
            q.Property(x => x.FallbackReason).HasMaxLength(MaxErrorLength);
            q.Property(x => x.ErrorCode).HasMaxLength(64);
            q.Property(x => x.ErrorMessage).HasMaxLength(MaxErrorLength);
            q.Property(x => x.RatingComment).HasMaxLength(MaxCommentLength);
            // A user's questions newest first (UUIDv7 ids), and the per-user count of unfinished ones.
            q.HasIndex(x => new { x.UserId, x.Id });
            q.HasIndex(x => new { x.UserId, x.Status });
            // The sweeper's scans touch only unfinished rows.
            q.HasIndex(x => x.AskedAt).HasFilter("status IN ('queued', 'answering')").HasDatabaseName("ix_questions_unfinished");
            // Operators' dead letters, newest first.
            q.HasIndex(x => x.DeadAt).HasFilter("dead_at IS NOT NULL").HasDatabaseName("ix_questions_dead");
            // Ratings export by time.
            q.HasIndex(x => x.RatedAt).HasFilter("rated_at IS NOT NULL").HasDatabaseName("ix_questions_rated");
        });

        model.Entity<DataProtectionKey>(k => k.ToTable("nlp_data_protection_keys"));
    }
}
