using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace LedgerX.Transactions.Api.Infrastructure.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class ReversalSagas : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "reversals",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    entry_id = table.Column<Guid>(type: "uuid", nullable: false),
                    account_id = table.Column<Guid>(type: "uuid", nullable: false),
                    counterparty_account_id = table.Column<Guid>(type: "uuid", nullable: false),
                    amount = table.Column<long>(type: "bigint", nullable: false),
                    currency = table.Column<string>(type: "character varying(3)", maxLength: 3, nullable: false),
                    reason = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: false),
                    requires_approval = table.Column<bool>(type: "boolean", nullable: false),
                    status = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    steps = table.Column<string>(type: "jsonb", nullable: false),
                    failure_reason = table.Column<string>(type: "text", nullable: true),
                    compensations = table.Column<string>(type: "jsonb", nullable: false),
                    reversal_entry_id = table.Column<Guid>(type: "uuid", nullable: true),
                    requested_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_reversals", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "ix_reversals_account_id_id",
                table: "reversals",
                columns: new[] { "account_id", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_reversals_counterparty_account_id_id",
                table: "reversals",
                columns: new[] { "counterparty_account_id", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_reversals_entry_id",
                table: "reversals",
                column: "entry_id");

            migrationBuilder.CreateIndex(
                name: "ix_reversals_status_id",
                table: "reversals",
                columns: new[] { "status", "id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "reversals");
        }
    }
}
