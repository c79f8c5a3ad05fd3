using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LedgerX.Notifications.IntegrationTests.Infrastructure;

namespace LedgerX.Notifications.IntegrationTests.Api;

/// <summary>Preferences belong to the token's subject: defaults until saved, saved as given, refused with the fields at
/// fault, and never another user's.</summary>
[Collection(NotificationServiceCollection.Name)]
public sealed class PreferencesApiValidates(NotificationService service)
{
    private const string Route = "/api/v1/notifications/preferences";

    [Fact]
    public async Task DefaultsThenSavedPreferencesOfTheCallerOnly()
    {
        var (ann, bob) = (Callers.Customer(Callers.NewSubject("ann")), Callers.Customer(Callers.NewSubject("bob")));
        var defaults = await Get(ann);
        defaults["channels"]!["email"]!.GetValue<bool>().ShouldBeTrue();
        defaults["channels"]!["sms"]!.GetValue<bool>().ShouldBeFalse();
        defaults["kinds"]!["transaction.credited"]!.GetValue<bool>().ShouldBeTrue();
        defaults["language"]!.GetValue<string>().ShouldBe("en");

        using var put = await service.App.Client.PutAsAsync(Route, new
        {
            channels = new { email = true, sms = true }, phoneNumber = "+4915112345678", language = "de",
            kinds = new Dictionary<string, bool> { ["hold.created"] = false },
            quietHours = new { start = "22:00", end = "07:00", timeZone = "Europe/Berlin" },
        }, ann);
        put.StatusCode.ShouldBe(HttpStatusCode.OK);
        var saved = await Get(ann);
        saved["language"]!.GetValue<string>().ShouldBe("de");
        saved["kinds"]!["hold.created"]!.GetValue<bool>().ShouldBeFalse();
        saved["quietHours"]!["timeZone"]!.GetValue<string>().ShouldBe("Europe/Berlin");
        (await Get(bob))["language"]!.GetValue<string>().ShouldBe("en");
    }

    [Fact]
    public async Task MistakesAreProblemsNamingTheirFields()
    {
        using var response = await service.App.Client.PutAsAsync(Route, new
        {
            language = "fr", minimumAmounts = new Dictionary<string, long> { ["eur"] = 1 },
            quietHours = new { start = "7pm", end = "07:00", timeZone = "Nowhere/Land" },
        }, Callers.Customer(Callers.NewSubject()));
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        var problem = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        problem["code"]!.GetValue<string>().ShouldBe("validation");
        problem["errors"]!.AsObject().Select(e => e.Key).ShouldBe(
            ["language", "minimumAmounts.eur", "quietHours.start", "quietHours.timeZone"], ignoreOrder: true);
    }

    [Fact]
    public async Task AnUnknownFieldIsRefused()
    {
        using var response = await service.App.Client.PutAsAsync(Route, new { userId = "someone-else" }, Callers.Customer(Callers.NewSubject()));
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    private async Task<JsonObject> Get(Caller caller)
    {
        using var response = await service.App.Client.GetAsAsync(Route, caller);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }
}
