using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace LedgerX.Auth.Audit.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class InitialAuditLog : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.EnsureSchema(
                name: "audit");

            migrationBuilder.CreateTable(
                name: "chain_head",
                schema: "audit",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false),
                    sequence = table.Column<long>(type: "bigint", nullable: false),
                    hash = table.Column<byte[]>(type: "bytea", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_chain_head", x => x.id);
                    table.CheckConstraint("ck_chain_head_singleton", "id = 1");
                });

            migrationBuilder.CreateTable(
                name: "records",
                schema: "audit",
                columns: table => new
                {
                    sequence = table.Column<long>(type: "bigint", nullable: false),
                    event_id = table.Column<Guid>(type: "uuid", nullable: false),
                    occurred_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    source = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    actor_type = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    actor_id = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    action = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    subject_type = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: true),
                    subject_id = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    outcome = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    details = table.Column<string>(type: "jsonb", nullable: true),
                    trace_id = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    recorded_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    previous_hash = table.Column<byte[]>(type: "bytea", nullable: false),
                    hash = table.Column<byte[]>(type: "bytea", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_records", x => x.sequence);
                    table.CheckConstraint("ck_records_hash_size", "octet_length(hash) = 32 AND octet_length(previous_hash) = 32");
                    table.CheckConstraint("ck_records_sequence_positive", "sequence > 0");
                });

            migrationBuilder.InsertData(
                schema: "audit",
                table: "chain_head",
                columns: new[] { "id", "hash", "sequence" },
                values: new object[] { 1, new byte[] { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, 0L });

            migrationBuilder.CreateIndex(
                name: "ix_records_action_sequence",
                schema: "audit",
                table: "records",
                columns: new[] { "action", "sequence" });

            migrationBuilder.CreateIndex(
                name: "ix_records_actor_type_actor_id_sequence",
                schema: "audit",
                table: "records",
                columns: new[] { "actor_type", "actor_id", "sequence" });

            migrationBuilder.CreateIndex(
                name: "ix_records_event_id",
                schema: "audit",
                table: "records",
                column: "event_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_records_occurred_at_sequence",
                schema: "audit",
                table: "records",
                columns: new[] { "occurred_at", "sequence" });

            migrationBuilder.CreateIndex(
                name: "ix_records_subject_type_subject_id_sequence",
                schema: "audit",
                table: "records",
                columns: new[] { "subject_type", "subject_id", "sequence" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "chain_head",
                schema: "audit");

            migrationBuilder.DropTable(
                name: "records",
                schema: "audit");
        }
    }
}
