using System.Net;
using System.Text.Json;

namespace LedgerX.ServiceDefaults.Tests;

/// <summary>A problem-details answer as the tests read it: its status, its raw text (shown when an assertion fails) and
/// its JSON body. Reading it asserts the <c>application/problem+json</c> media type.</summary>
internal sealed class ProblemResponse : IDisposable
{
    private readonly JsonDocument _document;

    private ProblemResponse(HttpStatusCode status, string text)
    {
        Status = status;
        Text = text;
        _document = JsonDocument.Parse(text);
    }

    public HttpStatusCode Status { get; }

    public string Text { get; }

    public JsonElement Body => _document.RootElement;

    public static async Task<ProblemResponse> ReadAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json", text);
        return new ProblemResponse(response.StatusCode, text);
    }

    public Dictionary<string, string[]> Errors() =>
        Body.GetProperty("errors").Deserialize<Dictionary<string, string[]>>()!;

    /// <summary>A 400 <c>validation</c> problem naming exactly <paramref name="field"/> with <paramref name="message"/>.</summary>
    public void ShouldBeValidation(string field, string message)
    {
        Status.ShouldBe(HttpStatusCode.BadRequest, Text);
        Body.GetProperty("code").GetString().ShouldBe("validation", Text);
        var errors = Errors();
        string.Join(",", errors.Keys).ShouldBe(field, Text);
        string.Join(",", errors[field]).ShouldBe(message, Text);
    }

    public void Dispose() => _document.Dispose();
}
