using LedgerX.Auth.Api.Persistence;
using LedgerX.ServiceDefaults.Audit;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace LedgerX.Auth.IntegrationTests.Audit;

/// <summary>The development seed creates an admin: an auditor must be able to see where it came from.</summary>
public sealed class SeedingIsAudited(AuthServer server)
{
    [Fact]
    public async Task TheSeededAdminItsRoleAndTheSeededClientsAreAuditedWithAuthServiceAsTheActor()
    {
        await using var scope = server.App.Services.CreateAsyncScope();
        var admin = await scope.ServiceProvider.GetRequiredService<UserManager<AuthUser>>().FindByEmailAsync(AuthServer.AdminEmail);
        var id = admin!.Id.ToString();

        var registered = (await server.AuditAsync(AuditActions.UserRegistered, id)).ShouldHaveSingleItem();
        registered.GetProperty("actor").GetProperty("type").GetString().ShouldBe("service");
        registered.GetProperty("actor").GetProperty("id").GetString().ShouldBe("auth-service");
        registered.GetProperty("details").GetProperty("reason").GetString().ShouldBe("development_seed");
        (await server.AuditAsync(AuditActions.RoleGranted, id)).ShouldHaveSingleItem()
            .GetProperty("details").GetProperty("role").GetString().ShouldBe("admin");
        (await server.AuditAsync(AuditActions.ClientRegistered, AuthServer.CliClient)).ShouldHaveSingleItem();
        (await server.AuditAsync(AuditActions.ClientRegistered, AuthServer.MachineClient)).ShouldHaveSingleItem();
    }
}
