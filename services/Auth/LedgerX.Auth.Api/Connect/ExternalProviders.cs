using System.ComponentModel.DataAnnotations;
using LedgerX.Auth.Api.Audit;
using LedgerX.Auth.Api.Keys;
using LedgerX.Auth.Api.Persistence;
using LedgerX.Auth.Api.Roles;
using LedgerX.ServiceDefaults.Audit;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Client;
using OpenIddict.Client.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace LedgerX.Auth.Api.Connect;

/// <summary>One external OpenID Connect provider, configured as Auth:ExternalProviders:&lt;name&gt;.</summary>
public sealed class ExternalProviderOptions
{
    [Required, Url] public string Authority { get; set; } = "";
    [Required] public string ClientId { get; set; } = "";
    public string? ClientSecret { get; set; }

    /// <summary>Space-separated; openid is always asked for.</summary>
    public string Scopes { get; set; } = "openid email profile";
}

/// <summary>The names of the configured external providers (what the sign-in page offers).</summary>
public sealed class ExternalProviders(IReadOnlyList<string> names)
{
    public IReadOnlyList<string> Names { get; } = names;

    public static string ChallengePath(string provider, string returnUrl) =>
        $"/account/external/{Uri.EscapeDataString(provider)}?returnUrl={Uri.EscapeDataString(returnUrl)}";
}

/// <summary>
/// Delegated sign-in through external OpenID Connect providers (OpenIddict's client, code flow with PKCE). Which
/// providers exist is configuration only. The first sign-in with a provider links the local user with the same
/// verified email, or creates one with the customer role; later ones find it by the provider's subject.
/// </summary>
public static class ExternalSignIn
{
    public const string Section = "Auth:ExternalProviders";
    public const string CallbackPath = "/account/external/callback";

    public static WebApplicationBuilder AddExternalProviders(this WebApplicationBuilder builder)
    {
        var configured = builder.Configuration.GetSection(Section).GetChildren()
            .Select(section => (Name: section.Key, Options: section.Get<ExternalProviderOptions>() ?? new ExternalProviderOptions()))
            .ToList();
        foreach (var (name, options) in configured)
        {
            var errors = new List<ValidationResult>();
            if (!Validator.TryValidateObject(options, new ValidationContext(options), errors, validateAllProperties: true))
            {
                throw new OptionsValidationException(Section, typeof(ExternalProviderOptions),
                    [.. errors.Select(e => $"{Section}:{name}: {e.ErrorMessage}")]);
            }
        }
        builder.Services.AddSingleton(new ExternalProviders([.. configured.Select(c => c.Name)]));
        if (configured.Count == 0)
        {
            return builder;
        }
        var requireHttps = builder.Configuration.GetValue($"{AuthOptions.Section}:{nameof(AuthOptions.RequireHttps)}", true);
        builder.Services.AddOpenIddict().AddClient(client =>
        {
            client.AllowAuthorizationCodeFlow();
            client.SetRedirectionEndpointUris(CallbackPath.TrimStart('/'));
            var aspNetCore = client.UseAspNetCore().EnableRedirectionEndpointPassthrough();
            if (!requireHttps)
            {
                aspNetCore.DisableTransportSecurityRequirement();
            }
            client.UseSystemNetHttp();
            foreach (var (name, options) in configured)
            {
                var registration = new OpenIddictClientRegistration
                {
                    ProviderName = name,
                    Issuer = new Uri(options.Authority, UriKind.Absolute),
                    ClientId = options.ClientId,
                    ClientSecret = options.ClientSecret,
                    RedirectUri = new Uri(CallbackPath.TrimStart('/'), UriKind.Relative),
                };
                registration.Scopes.UnionWith(options.Scopes.Split(' ', StringSplitOptions.RemoveEmptyEntries));
                client.AddRegistration(registration);
            }
        });
        // The client protects its state tokens with auth-service's token encryption key from the secret store.
        builder.Services.AddSingleton<IConfigureOptions<OpenIddictClientOptions>, ClientKeys>();
        return builder;
    }

    public static IEndpointRouteBuilder MapExternalSignIn(this IEndpointRouteBuilder app)
    {
        var pages = app.MapGroup("/account/external").ExcludeFromDescription();
        pages.MapGet("/{provider}", Challenge);
        pages.MapMethods("/callback", [HttpMethods.Get, HttpMethods.Post], CallbackAsync);
        return app;
    }

    private static IResult Challenge(string provider, string? returnUrl, ExternalProviders providers) =>
        !providers.Names.Contains(provider, StringComparer.Ordinal)
            ? Html.Page("Sign in", Html.Error("No such sign-in provider."), StatusCodes.Status404NotFound)
            : Results.Challenge(
                new AuthenticationProperties(new Dictionary<string, string?> { [OpenIddictClientAspNetCoreConstants.Properties.ProviderName] = provider })
                {
                    RedirectUri = SignInPages.SafeReturnUrl(returnUrl),
                },
                [OpenIddictClientAspNetCoreDefaults.AuthenticationScheme]);

    private static async Task<IResult> CallbackAsync(
        HttpContext http, UserManager<AuthUser> users, SignInManager<AuthUser> signIns, ISecurityAudit audit, TimeProvider clock)
    {
        var result = await http.AuthenticateAsync(OpenIddictClientAspNetCoreDefaults.AuthenticationScheme);
        var principal = result.Principal;
        var provider = principal?.GetClaim(Claims.Private.ProviderName);
        var subject = principal?.GetClaim(Claims.Subject);
        if (!result.Succeeded || principal is null || provider is null || subject is null)
        {
            await audit.RecordAsync(AuditActions.SignInFailed, AuditOutcomes.Failed, AuditActor.Anonymous, null,
                new Dictionary<string, string> { ["reason"] = "external_callback_invalid" });
            return Html.Page("Sign in", Html.Error("The external sign-in did not complete."), StatusCodes.Status400BadRequest);
        }
        var user = await users.FindByLoginAsync(provider, subject);
        if (user is null)
        {
            var email = principal.GetClaim(Claims.Email);
            var verified = string.Equals(principal.GetClaim(Claims.EmailVerified), "true", StringComparison.OrdinalIgnoreCase);
            if (email is null || !verified)
            {
                return Html.Page("Sign in", Html.Error("The provider did not give a verified email address."), StatusCodes.Status403Forbidden);
            }
            user = await users.FindByEmailAsync(email) ?? await CreateAsync(users, email, clock);
            if (user is null)
            {
                return Html.Page("Sign in", Html.Error("A local account could not be created."), StatusCodes.Status409Conflict);
            }
            var linked = await users.AddLoginAsync(user, new UserLoginInfo(provider, subject, provider));
            if (!linked.Succeeded)
            {
                return Html.Page("Sign in", Html.Error("The external account could not be linked."), StatusCodes.Status409Conflict);
            }
        }
        if (!await signIns.CanSignInAsync(user) || await users.IsLockedOutAsync(user))
        {
            await audit.RecordAsync(AuditActions.SignInFailed, AuditOutcomes.Denied, new AuditActor("user", user.Id.ToString()),
                new AuditSubject("user", user.Id.ToString()), new Dictionary<string, string> { ["reason"] = "not_allowed", ["provider"] = provider });
            return Html.Page("Sign in", Html.Error("This account cannot sign in."), StatusCodes.Status403Forbidden);
        }
        await signIns.SignInAsync(user, isPersistent: false, authenticationMethod: provider);
        await audit.RecordAsync(AuditActions.SignInSucceeded, AuditOutcomes.Succeeded, new AuditActor("user", user.Id.ToString()),
            new AuditSubject("user", user.Id.ToString()), new Dictionary<string, string> { ["factor"] = "external", ["provider"] = provider });
        return Results.Redirect(SignInPages.SafeReturnUrl(result.Properties?.RedirectUri));
    }

    private static async Task<AuthUser?> CreateAsync(UserManager<AuthUser> users, string email, TimeProvider clock)
    {
        var now = clock.GetUtcNow();
        var user = new AuthUser { Id = Guid.CreateVersion7(now), UserName = email, Email = email, EmailConfirmed = true, CreatedAt = now };
        var created = await users.CreateAsync(user);
        if (!created.Succeeded || !(await users.AddToRoleAsync(user, RolePermissions.Customer)).Succeeded)
        {
            return null;
        }
        return user;
    }

    /// <summary>Adds the ring's symmetric key to the client for its state tokens (encryption and signing).</summary>
    private sealed class ClientKeys(SigningKeyRing ring) : IConfigureOptions<OpenIddictClientOptions>
    {
        public void Configure(OpenIddictClientOptions options)
        {
            if (ring.EncryptionKey is { } key)
            {
                options.EncryptionCredentials.Add(new EncryptingCredentials(key, SecurityAlgorithms.Aes256KW, SecurityAlgorithms.Aes256CbcHmacSha512));
                options.SigningCredentials.Add(new SigningCredentials(key, SecurityAlgorithms.HmacSha256));
            }
        }
    }
}
