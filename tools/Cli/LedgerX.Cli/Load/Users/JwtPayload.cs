using System.Text.Json;

namespace LedgerX.Cli.Load.Users;

/// <summary>Reads a JWT's payload without verifying it: the tool only needs <c>sub</c> and <c>exp</c> of tokens it was
/// just given; the services verify them.</summary>
internal static class JwtPayload
{
    public static JsonElement? Read(string? jwt)
    {
        var parts = jwt?.Split('.');
        if (parts is not { Length: 3 })
        {
            return null;
        }
        try
        {
            var payload = parts[1].Replace('-', '+').Replace('_', '/');
            payload = payload.PadRight(payload.Length + (4 - payload.Length % 4) % 4, '=');
            return JsonDocument.Parse(Convert.FromBase64String(payload)).RootElement;
        }
        catch (Exception ex) when (ex is FormatException or JsonException)
        {
            return null;
        }
    }
}
