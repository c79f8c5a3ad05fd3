using LedgerX.Notifications.Api.Webhooks.Persistence;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace LedgerX.Notifications.Api.Webhooks.Persistence.Migrations
{
    /// <summary>
    /// Deliveries created before webhook bodies left out the secret template fields (<c>secret.*</c>: e-mail confirmation
    /// and password-reset tokens) still hold them, and pending ones would still send them; a body is signed when it is
    /// sent, so removing the keys from the stored payload is safe. Data only: the model does not change.
    /// </summary>
    [DbContext(typeof(WebhooksDbContext))]
    [Migration("20261207131500_ScrubSecretsFromWebhookPayloads")]
    public partial class ScrubSecretsFromWebhookPayloads : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                UPDATE webhook_deliveries d
                SET payload = jsonb_set(d.payload::jsonb, '{data}',
                    (SELECT coalesce(jsonb_object_agg(e.key, e.value), '{}'::jsonb)
                     FROM jsonb_each(d.payload::jsonb -> 'data') AS e
                     WHERE e.key NOT LIKE 'secret.%'))::text
                WHERE jsonb_typeof(d.payload::jsonb -> 'data') = 'object'
                  AND EXISTS (SELECT 1 FROM jsonb_object_keys(d.payload::jsonb -> 'data') AS k WHERE k LIKE 'secret.%');
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            // A removed secret cannot come back, nor should it.
        }
    }
}
