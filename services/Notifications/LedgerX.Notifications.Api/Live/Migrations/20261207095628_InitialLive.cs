using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace LedgerX.Notifications.Api.Live.Migrations
{
    /// <inheritdoc />
    public partial class InitialLive : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "live_tickets",
                columns: table => new
                {
                    hash = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    user_id = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    expires_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    token_expires_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    redeemed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_live_tickets", x => x.hash);
                });

            migrationBuilder.CreateTable(
                name: "user_feed",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    user_id = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    seq = table.Column<long>(type: "bigint", nullable: false),
                    event_id = table.Column<Guid>(type: "uuid", nullable: false),
                    kind = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    payload = table.Column<string>(type: "jsonb", nullable: false),
                    occurred_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_user_feed", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "user_feed_outbox",
                columns: table => new
                {
                    feed_id = table.Column<long>(type: "bigint", nullable: false),
                    attempts = table.Column<int>(type: "integer", nullable: false),
                    next_attempt_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    last_error = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_user_feed_outbox", x => x.feed_id);
                    table.ForeignKey(
                        name: "fk_user_feed_outbox_user_feed_feed_id",
                        column: x => x.feed_id,
                        principalTable: "user_feed",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_live_tickets_expires_at",
                table: "live_tickets",
                column: "expires_at");

            migrationBuilder.CreateIndex(
                name: "ix_user_feed_event_id_user_id",
                table: "user_feed",
                columns: new[] { "event_id", "user_id" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_user_feed_occurred_at",
                table: "user_feed",
                column: "occurred_at");

            migrationBuilder.CreateIndex(
                name: "ix_user_feed_user_id_id",
                table: "user_feed",
                columns: new[] { "user_id", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_user_feed_user_id_seq",
                table: "user_feed",
                columns: new[] { "user_id", "seq" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "live_tickets");

            migrationBuilder.DropTable(
                name: "user_feed_outbox");

            migrationBuilder.DropTable(
                name: "user_feed");
        }
    }
}
