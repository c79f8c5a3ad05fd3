namespace LedgerX.Auth.Api.Apis;

public sealed record RegisterRequest(string? Email, string? Password);

public sealed record UserResponse(Guid Id, string Email, bool EmailConfirmed, bool TwoFactorEnabled, IReadOnlyList<string> Roles, IReadOnlyList<string> Permissions);

public sealed record ConfirmEmailRequest(Guid? UserId, string? Token);

public sealed record ChangePasswordRequest(string? CurrentPassword, string? NewPassword);

public sealed record ForgotPasswordRequest(string? Email);

public sealed record ResetPasswordRequest(Guid? UserId, string? Token, string? NewPassword);

/// <summary>The authenticator key to enter (or scan as <see cref="AuthenticatorUri"/>) before enabling the second factor.</summary>
public sealed record AuthenticatorSetupResponse(string SharedKey, string AuthenticatorUri);

public sealed record TwoFactorCodeRequest(string? Code);

/// <summary>One-time codes to sign in without the authenticator; shown once.</summary>
public sealed record RecoveryCodesResponse(IReadOnlyList<string> RecoveryCodes);

public sealed record RolesResponse(Guid UserId, IReadOnlyList<string> Roles, IReadOnlyList<string> Permissions);
