using System.Text;
using System.Text.Json;
using Dapr.Client;
using LedgerX.Notifications.Api.Events;
using LedgerX.Notifications.Api.Preferences;

namespace LedgerX.Notifications.Api.Delivery;

/// <summary>
/// Sends one notification through its channel's Dapr output binding, and only that way: <c>notify-email</c>
/// (bindings.smtp, operation create, the HTML as data, emailTo/subject as metadata), <c>notify-sms</c> and
/// <c>notify-push</c> (bindings.http, operation post, a JSON body, and an <c>Idempotency-Key</c> header = the notification
/// id: bindings.http sends capitalised metadata as headers, so a provider drops a resend after a crash between send
/// and mark). SMTP has no such key; a resend after such a crash is a duplicate mail, the documented price (ADR 0015).
/// </summary>
public sealed class ChannelSender(DaprClient dapr)
{
    public const string IdempotencyKeyHeader = "Idempotency-Key";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task SendAsync(NotificationRow row, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(row);
        var request = row.Channel switch
        {
            Channels.Email => new BindingRequest(Components.EmailBinding, "create")
            {
                Data = Encoding.UTF8.GetBytes(row.Html ?? row.Text ?? ""),
                Metadata = { ["emailTo"] = row.Destination!, ["subject"] = row.Subject ?? "" },
            },
            Channels.Sms => HttpPost(Components.SmsBinding, row, new { notificationId = row.Id, to = row.Destination, text = row.Text }),
            Channels.Push => HttpPost(Components.PushBinding, row,
                new { notificationId = row.Id, deviceToken = row.Destination, title = row.Subject, body = row.Text, kind = row.Kind }),
            _ => throw new InvalidOperationException($"Unknown channel {row.Channel}."),
        };
        await dapr.InvokeBindingAsync(request, ct);
    }

    private static BindingRequest HttpPost(string binding, NotificationRow row, object body) => new(binding, "post")
    {
        Data = JsonSerializer.SerializeToUtf8Bytes(body, Json),
        // No Content-Type metadata: the local sidecar's bindings.http cannot send it yet (it sets it as a request header);
        // the providers read the body as JSON.
        Metadata = { [IdempotencyKeyHeader] = row.Id.ToString() },
    };
}
