using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace LedgerX.Notifications.Api.Webhooks.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class AuditOutboxTraceContext : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "trace_parent",
                table: "audit_outbox",
                type: "character varying(128)",
                maxLength: 128,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "trace_state",
                table: "audit_outbox",
                type: "character varying(512)",
                maxLength: 512,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "trace_parent",
                table: "audit_outbox");

            migrationBuilder.DropColumn(
                name: "trace_state",
                table: "audit_outbox");
        }
    }
}
