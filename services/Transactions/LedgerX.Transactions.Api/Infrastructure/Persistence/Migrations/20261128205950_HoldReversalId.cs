using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace LedgerX.Transactions.Api.Infrastructure.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class HoldReversalId : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<Guid>(
                name: "reversal_id",
                table: "holds",
                type: "uuid",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "reversal_id",
                table: "holds");
        }
    }
}
