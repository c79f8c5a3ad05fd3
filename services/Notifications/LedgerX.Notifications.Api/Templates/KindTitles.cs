using LedgerX.Notifications.Api.Intake;
using LedgerX.Notifications.Api.Preferences;

namespace LedgerX.Notifications.Api.Templates;

/// <summary>A short title per kind and language: the subject line of the default templates and the push title.</summary>
public static class KindTitles
{
    private static readonly Dictionary<string, (string En, string De)> Titles = new(StringComparer.Ordinal)
    {
        [UserEventKinds.TransactionCredited] = ("Money received", "Geld erhalten"),
        [UserEventKinds.TransactionDebited] = ("Money sent", "Geld gesendet"),
        [UserEventKinds.HoldCreated] = ("Amount reserved", "Betrag vorgemerkt"),
        [UserEventKinds.HoldPosted] = ("Reserved amount booked", "Vorgemerkter Betrag gebucht"),
        [UserEventKinds.HoldVoided] = ("Reservation cancelled", "Vormerkung aufgehoben"),
        [UserEventKinds.HoldExpired] = ("Reservation expired", "Vormerkung abgelaufen"),
        [UserEventKinds.ReversalRequested] = ("Reversal requested", "Rückbuchung beantragt"),
        [UserEventKinds.ReversalCompleted] = ("Reversal completed", "Rückbuchung abgeschlossen"),
        [UserEventKinds.ReversalFailed] = ("Reversal failed", "Rückbuchung fehlgeschlagen"),
        [UserEventKinds.FraudFlagged] = ("Unusual activity on your account", "Ungewöhnliche Aktivität auf Ihrem Konto"),
        [UserEventKinds.AccountFrozen] = ("Your account was frozen", "Ihr Konto wurde gesperrt"),
        [UserEventKinds.AccountUnfrozen] = ("Your account was unfrozen", "Ihr Konto wurde entsperrt"),
        [UserEventKinds.SecurityEmailConfirmation] = ("Confirm your e-mail address", "Bestätigen Sie Ihre E-Mail-Adresse"),
        [UserEventKinds.SecurityPasswordReset] = ("Reset your password", "Passwort zurücksetzen"),
        [UserEventKinds.SecuritySignInLockedOut] = ("Sign-in locked after failed attempts", "Anmeldung nach Fehlversuchen gesperrt"),
        [UserEventKinds.SecurityPasswordChanged] = ("Your password was changed", "Ihr Passwort wurde geändert"),
        [UserEventKinds.SecurityTwoFactorChanged] = ("Two-factor sign-in changed", "Zwei-Faktor-Anmeldung geändert"),
        [UserEventKinds.SecurityNewSignIn] = ("New sign-in to your account", "Neue Anmeldung bei Ihrem Konto"),
    };

    public static bool Has(string kind) => Titles.ContainsKey(kind);

    public static string For(string kind, string language) =>
        Titles.TryGetValue(kind, out var title) ? (language == Languages.German ? title.De : title.En) : kind;
}
