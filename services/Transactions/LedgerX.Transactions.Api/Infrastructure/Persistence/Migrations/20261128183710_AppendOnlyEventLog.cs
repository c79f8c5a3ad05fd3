using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace LedgerX.Transactions.Api.Infrastructure.Persistence.Migrations
{
    /// <summary>
    /// Makes the event log append-only in the database itself: a bug, a script or a careless person cannot update or
    /// delete an event without first disabling the trigger, which takes table ownership and leaves a trace. The hash
    /// chain still catches whoever does (verify); this stops the accidents.
    /// </summary>
    public partial class AppendOnlyEventLog : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql(
                """
                CREATE FUNCTION event_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    RAISE EXCEPTION 'event_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
                END;
                $$;
                CREATE TRIGGER event_log_append_only BEFORE UPDATE OR DELETE ON event_log
                    FOR EACH ROW EXECUTE FUNCTION event_log_refuse_change();
                CREATE TRIGGER event_log_no_truncate BEFORE TRUNCATE ON event_log
                    FOR EACH STATEMENT EXECUTE FUNCTION event_log_refuse_change();
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql(
                """
                DROP TRIGGER event_log_no_truncate ON event_log;
                DROP TRIGGER event_log_append_only ON event_log;
                DROP FUNCTION event_log_refuse_change();
                """);
        }
    }
}
