using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace LedgerX.Auth.Audit.Persistence.Migrations
{
    /// <summary>
    /// Makes the audit records append-only in the database itself, as the ledger's event log is (ADR 0006): UPDATE,
    /// DELETE and TRUNCATE are refused for every role, the owner included, so a bug, a script or a careless session
    /// cannot change history by accident. Whoever may switch the triggers off (the owner, a superuser) is caught by the
    /// hash chain instead (POST /api/v1/audit/verify).
    /// </summary>
    public partial class AppendOnlyAuditRecords : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql(
                """
                CREATE FUNCTION audit.records_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    RAISE EXCEPTION 'audit.records is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
                END;
                $$;
                CREATE TRIGGER records_append_only BEFORE UPDATE OR DELETE ON audit.records
                    FOR EACH ROW EXECUTE FUNCTION audit.records_refuse_change();
                CREATE TRIGGER records_no_truncate BEFORE TRUNCATE ON audit.records
                    FOR EACH STATEMENT EXECUTE FUNCTION audit.records_refuse_change();
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql(
                """
                DROP TRIGGER records_no_truncate ON audit.records;
                DROP TRIGGER records_append_only ON audit.records;
                DROP FUNCTION audit.records_refuse_change();
                """);
        }
    }
}
