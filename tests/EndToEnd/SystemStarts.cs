namespace LedgerX.EndToEnd.Tests;

/// <summary>The fixture itself: every app of dapr.yaml answers, and auth-service hands out real tokens.</summary>
public sealed class SystemStarts(LedgerXSystem system)
{
    [Fact]
    public async Task Every_app_of_the_run_file_is_ready_and_a_seeded_admin_signs_in()
    {
        system.RunFile.Apps.Select(a => a.AppId).ShouldContain(LedgerXSystem.LedgerAppId);
        var admin = await system.Identities.AdminAsync();
        admin.AccessToken.ShouldNotBeNullOrWhiteSpace();
        var customer = await system.Identities.NewCustomerAsync();
        customer.Subject.ShouldNotBe(admin.Subject);
    }
}
