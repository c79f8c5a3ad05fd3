using System.Text.Json;
using Microsoft.EntityFrameworkCore;

namespace LedgerX.Notifications.Api.Preferences;

/// <summary>Reads and saves a user's preferences (the defaults for a user who never saved any).</summary>
public sealed class PreferencesStore(PreferencesDbContext db, TimeProvider clock)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task<NotificationPreferences> GetAsync(string userId, CancellationToken ct)
    {
        var row = await db.Preferences.AsNoTracking().FirstOrDefaultAsync(p => p.UserId == userId, ct);
        if (row is null)
        {
            return NotificationPreferences.Default;
        }
        // Stored documents were validated when saved; one that no longer parses (a kind retired since) falls back to the defaults.
        return PreferencesValidation.Parse(JsonSerializer.Deserialize<PreferencesDocument>(row.Document, Json)!).Preferences
            ?? NotificationPreferences.Default;
    }

    public async Task SaveAsync(string userId, NotificationPreferences preferences, CancellationToken ct)
    {
        var document = JsonSerializer.Serialize(PreferencesValidation.ToDocument(preferences), Json);
        // An upsert: two PUTs racing for a first save must not fail one of them on the primary key.
        await db.Database.ExecuteSqlInterpolatedAsync(
            $"INSERT INTO notification_preferences (user_id, document, updated_at) VALUES ({userId}, {document}::jsonb, {clock.GetUtcNow()}) ON CONFLICT (user_id) DO UPDATE SET document = excluded.document, updated_at = excluded.updated_at",
            ct);
    }
}
