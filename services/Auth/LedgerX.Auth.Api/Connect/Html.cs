using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Antiforgery;

namespace LedgerX.Auth.Api.Connect;

/// <summary>The few server-rendered pages auth-service needs (sign-in, second factor, device approval): plain HTML,
/// every value encoded, every form carrying an antiforgery token.</summary>
internal static class Html
{
    public static string E(string? value) => HtmlEncoder.Default.Encode(value ?? "");

    public static IResult Page(string title, string body, int status = StatusCodes.Status200OK) =>
        Results.Content(
            $"""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>{E(title)} · LedgerX</title>
            <meta name="viewport" content="width=device-width, initial-scale=1"></head>
            <body style="font-family: system-ui, sans-serif; max-width: 28rem; margin: 3rem auto">
            <h1>{E(title)}</h1>
            {body}
            </body></html>
            """, "text/html; charset=utf-8", statusCode: status);

    public static string Antiforgery(IAntiforgery antiforgery, HttpContext http)
    {
        var tokens = antiforgery.GetAndStoreTokens(http);
        return $"""<input type="hidden" name="{E(tokens.FormFieldName)}" value="{E(tokens.RequestToken)}">""";
    }

    public static string Error(string? message) => message is null ? "" : $"""<p role="alert" style="color: #b00">{E(message)}</p>""";
}
