using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace LedgerX.Transactions.Api.Infrastructure.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class IdempotencyResponseLocation : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "response_location",
                table: "idempotency_keys",
                type: "text",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "response_location",
                table: "idempotency_keys");
        }
    }
}
