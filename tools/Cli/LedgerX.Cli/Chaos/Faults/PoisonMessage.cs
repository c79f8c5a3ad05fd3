using System.Net;
using System.Text;

namespace LedgerX.Cli.Chaos.Faults;

/// <summary>
/// A malformed event on a real topic: published through transaction-service's sidecar (the one app allowed to publish
/// <c>transaction.posted.v1</c>), as a buggy publisher would. Every subscriber must set it aside (dead letter or drop)
/// and go on with the events after it; the invariant check then finds the later events delivered.
/// </summary>
internal sealed class PoisonMessage : ChaosFault
{
    public const string PubSub = "pubsub";
    public const string Topic = "transaction.posted.v1";

    /// <summary>Valid JSON of the wrong shape, and a payload that is not JSON at all.</summary>
    private static readonly string[] Payloads =
    [
        """{"eventId":"not-a-uuid","entryId":42,"postings":"none","occurredAt":"yesterday"}""",
        "\u0000\u00ff{not json",
    ];

    public override string Name => "poison-message";

    public override string Description => $"malformed events published on {Topic} through transaction-service's sidecar";

    public override async Task InjectAsync(ChaosSystem system, CancellationToken ct)
    {
        var (endpoint, token) = system.Control.Sidecar(ChaosSystem.LedgerAppId)
            ?? throw new InvalidOperationException("transaction-service's sidecar is not running");
        using var http = new HttpClient { BaseAddress = endpoint };
        foreach (string payload in Payloads)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1.0/publish/{PubSub}/{Topic}")
            {
                Content = new StringContent(payload, Encoding.UTF8, "application/json"),
            };
            if (token is not null)
            {
                request.Headers.Add("dapr-api-token", token);
            }

            using var response = await http.SendAsync(request, ct);
            if (response.StatusCode != HttpStatusCode.NoContent)
            {
                throw new InvalidOperationException($"publishing the poison message answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}");
            }
        }
    }
}
