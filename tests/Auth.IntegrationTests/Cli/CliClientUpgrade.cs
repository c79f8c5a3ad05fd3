using LedgerX.Auth.Api.Seeding;
using LedgerX.ServiceDefaults.Auth;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Abstractions;

namespace LedgerX.Auth.IntegrationTests.Cli;

/// <summary>A database seeded by an older release keeps its CLI client: the seeder grants it the permissions added since
/// (the CLI asks for notifications:manage, and OpenIddict refuses a sign-in that asks for a scope the client lacks).
/// Its own server: the upgrade it audits would otherwise show in the shared server's seeding audit (SeedingIsAudited).</summary>
public sealed class CliClientUpgrade(PrivateAuthServer own) : IClassFixture<PrivateAuthServer>
{
    private const string Added = OpenIddictConstants.Permissions.Prefixes.Scope + Permissions.NotificationsManage;

    private AuthServer Server => own.Server;

    [Fact]
    public async Task ACliClientWithoutANewerScope_GetsItOnTheNextStart_AndKeepsTheRest()
    {
        await using (var scope = Server.App.Services.CreateAsyncScope())
        {
            var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
            var cli = (await applications.FindByClientIdAsync("ledgerx-cli"))!;
            var old = new OpenIddictApplicationDescriptor();
            await applications.PopulateAsync(old, cli);
            old.Permissions.Remove(Added).ShouldBeTrue("the seeded CLI client has every permission");
            await applications.UpdateAsync(cli, old);
            (await applications.HasPermissionAsync(cli, Added)).ShouldBeFalse();
        }

        await using (var scope = Server.App.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<DemoSeeder>().SeedAsync(CancellationToken.None);
        }

        await using (var scope = Server.App.Services.CreateAsyncScope())
        {
            var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
            var cli = (await applications.FindByClientIdAsync("ledgerx-cli"))!;
            (await applications.HasPermissionAsync(cli, Added)).ShouldBeTrue();
            (await applications.HasPermissionAsync(cli, OpenIddictConstants.Permissions.GrantTypes.DeviceCode)).ShouldBeTrue();
            (await applications.HasPermissionAsync(cli, OpenIddictConstants.Permissions.Prefixes.Scope + Permissions.LedgerRead)).ShouldBeTrue();
        }
    }
}
