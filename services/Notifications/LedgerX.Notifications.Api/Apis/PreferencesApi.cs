using System.Security.Claims;
using LedgerX.Notifications.Api.Preferences;
using LedgerX.ServiceDefaults;
using LedgerX.ServiceDefaults.Auth;
using Microsoft.AspNetCore.Http.HttpResults;

namespace LedgerX.Notifications.Api.Apis;

/// <summary>The caller's own notification preferences: read (defaults until saved) and replace. The user is the token's
/// subject, never a field of the body, so nobody can read or change another user's.</summary>
public static class PreferencesApi
{
    public const string Route = "/api/v1/notifications/preferences";

    public static IEndpointRouteBuilder MapPreferencesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup(Route).WithTags("Preferences").WithGroupName("v1");
        group.MapGet("/", Get).WithName("GetPreferences").WithSummary("My notification preferences (the defaults until I save any)")
            .RequirePermission(Permissions.NotificationsManage);
        group.MapPut("/", Put).WithName("PutPreferences").WithSummary("Replace my notification preferences")
            .ProducesValidationProblem().RequirePermission(Permissions.NotificationsManage);
        return app;
    }

    public static async Task<Ok<PreferencesDocument>> Get(ClaimsPrincipal caller, PreferencesStore store, CancellationToken ct) =>
        TypedResults.Ok(PreferencesValidation.ToDocument(await store.GetAsync(caller.SubjectId()!, ct)));

    public static async Task<Results<Ok<PreferencesDocument>, ValidationProblem>> Put(
        PreferencesDocument body, ClaimsPrincipal caller, PreferencesStore store, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(body);
        var (preferences, errors) = PreferencesValidation.Parse(body);
        if (preferences is null)
        {
            return Problems.Validation(errors);
        }
        await store.SaveAsync(caller.SubjectId()!, preferences, ct);
        return TypedResults.Ok(PreferencesValidation.ToDocument(preferences));
    }
}
