using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace LedgerX.Transactions.Api.Infrastructure.Persistence.Migrations
{
    /// <summary>
    /// Idempotency keys get their caller's scope (ADR 0005), the primary key becomes (scope, key), and reversals get the
    /// recorded approval decision and the sweeper's bookmark. Existing keys stay valid: every key written so far came
    /// from HTTP (<c>client:anonymous</c>), except the reversal saga's own, which move to <c>internal:reversal-saga</c>
    /// only when their request hash proves the saga wrote them (SHA-256 of the key itself); a client's pre-claim of a
    /// saga key (the attack this closes) stays in the client's scope, where the saga never looks.
    /// </summary>
    public partial class ScopedIdempotencyKeysAndReversalDecisions : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropPrimaryKey(
                name: "pk_idempotency_keys",
                table: "idempotency_keys");

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "decided_at",
                table: "reversals",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "decided_by",
                table: "reversals",
                type: "character varying(128)",
                maxLength: 128,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "decision",
                table: "reversals",
                type: "character varying(16)",
                maxLength: 16,
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "saga_checked_at",
                table: "reversals",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "scope",
                table: "idempotency_keys",
                type: "character varying(320)",
                maxLength: 320,
                nullable: false,
                defaultValue: "client:anonymous");

            migrationBuilder.Sql(
                """
                UPDATE idempotency_keys SET scope = 'internal:reversal-saga'
                WHERE key ~ '^reversal:[0-9a-f-]{36}:[a-z_]+$' AND request_hash = sha256(convert_to(key, 'UTF8'))
                """);
            // The default only filled the rows that existed; every new row names its scope.
            migrationBuilder.AlterColumn<string>(
                name: "scope",
                table: "idempotency_keys",
                type: "character varying(320)",
                maxLength: 320,
                nullable: false,
                oldClrType: typeof(string),
                oldType: "character varying(320)",
                oldMaxLength: 320,
                oldDefaultValue: "client:anonymous");

            migrationBuilder.AddPrimaryKey(
                name: "pk_idempotency_keys",
                table: "idempotency_keys",
                columns: new[] { "scope", "key" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropPrimaryKey(
                name: "pk_idempotency_keys",
                table: "idempotency_keys");

            migrationBuilder.DropColumn(
                name: "decided_at",
                table: "reversals");

            migrationBuilder.DropColumn(
                name: "decided_by",
                table: "reversals");

            migrationBuilder.DropColumn(
                name: "decision",
                table: "reversals");

            migrationBuilder.DropColumn(
                name: "saga_checked_at",
                table: "reversals");

            // One namespace again: where a key exists in several scopes, the internal (saga) row wins, then the oldest.
            migrationBuilder.Sql(
                """
                DELETE FROM idempotency_keys i USING idempotency_keys keep
                WHERE i.key = keep.key AND i.scope <> keep.scope
                  AND (keep.scope LIKE 'internal:%', -extract(epoch FROM keep.created_at)) > (i.scope LIKE 'internal:%', -extract(epoch FROM i.created_at))
                """);
            migrationBuilder.DropColumn(
                name: "scope",
                table: "idempotency_keys");

            migrationBuilder.AddPrimaryKey(
                name: "pk_idempotency_keys",
                table: "idempotency_keys",
                column: "key");
        }
    }
}
