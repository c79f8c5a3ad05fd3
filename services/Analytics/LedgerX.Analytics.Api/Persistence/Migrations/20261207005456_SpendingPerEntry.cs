using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace LedgerX.Analytics.Api.Persistence.Migrations
{
    /// <summary>
    /// Spending is kept per entry (spending_entries) with what reversals gave back (reversal_adjustments), instead of
    /// per-month totals, so a reversed transfer stops counting in its own month and category. The old totals are carried
    /// over as one row each (a random entry id, <c>entries</c> = how many entries it stood for), so no history is lost;
    /// reversals of those older entries are netted after a rebuild (POST /api/v1/admin/rebuild), which replaces them.
    /// </summary>
    public partial class SpendingPerEntry : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "reversal_adjustments",
                columns: table => new
                {
                    entry_id = table.Column<Guid>(type: "uuid", nullable: false),
                    account_id = table.Column<Guid>(type: "uuid", nullable: false),
                    currency = table.Column<string>(type: "character varying(3)", maxLength: 3, nullable: false),
                    reverses_entry_id = table.Column<Guid>(type: "uuid", nullable: false),
                    net_minor = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_reversal_adjustments", x => new { x.entry_id, x.account_id, x.currency });
                });

            migrationBuilder.CreateTable(
                name: "spending_entries",
                columns: table => new
                {
                    entry_id = table.Column<Guid>(type: "uuid", nullable: false),
                    account_id = table.Column<Guid>(type: "uuid", nullable: false),
                    currency = table.Column<string>(type: "character varying(3)", maxLength: 3, nullable: false),
                    month = table.Column<DateOnly>(type: "date", nullable: false),
                    category = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    amount_minor = table.Column<long>(type: "bigint", nullable: false),
                    entries = table.Column<long>(type: "bigint", nullable: false, defaultValue: 1L)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_spending_entries", x => new { x.entry_id, x.account_id, x.currency });
                });

            migrationBuilder.CreateIndex(
                name: "ix_reversal_adjustments_reverses_entry_id",
                table: "reversal_adjustments",
                column: "reverses_entry_id");

            migrationBuilder.CreateIndex(
                name: "ix_spending_entries_account_id_month",
                table: "spending_entries",
                columns: new[] { "account_id", "month" });

            migrationBuilder.Sql(
                """
                INSERT INTO spending_entries (entry_id, account_id, currency, month, category, amount_minor, entries)
                SELECT gen_random_uuid(), account_id, currency, month, category, amount_minor, entries FROM monthly_spending;
                """);

            migrationBuilder.DropTable(
                name: "monthly_spending");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "monthly_spending",
                columns: table => new
                {
                    account_id = table.Column<Guid>(type: "uuid", nullable: false),
                    month = table.Column<DateOnly>(type: "date", nullable: false),
                    category = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    currency = table.Column<string>(type: "character varying(3)", maxLength: 3, nullable: false),
                    amount_minor = table.Column<long>(type: "bigint", nullable: false),
                    entries = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_monthly_spending", x => new { x.account_id, x.month, x.category, x.currency });
                });

            migrationBuilder.Sql(
                """
                INSERT INTO monthly_spending (account_id, month, category, currency, amount_minor, entries)
                SELECT account_id, month, category, currency, sum(amount_minor), sum(entries) FROM spending_entries
                GROUP BY account_id, month, category, currency;
                """);

            migrationBuilder.DropTable(
                name: "reversal_adjustments");

            migrationBuilder.DropTable(
                name: "spending_entries");
        }
    }
}
