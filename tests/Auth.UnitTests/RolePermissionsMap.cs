using LedgerX.Auth.Api.Connect;
using LedgerX.Auth.Api.Roles;
using LedgerX.ServiceDefaults.Auth;

namespace LedgerX.Auth.UnitTests;

public sealed class RolePermissionsMap
{
    [Fact]
    public void AdminHoldsEveryPermission() => RolePermissions.Of(RolePermissions.Admin).ShouldBe(Permissions.All, ignoreOrder: true);

    [Fact]
    public void OnlyAdminsAdministerUsers() =>
        RolePermissions.AllRoles.Where(r => RolePermissions.Of(r).Contains(Permissions.UsersAdmin)).ShouldBe([RolePermissions.Admin]);

    [Fact]
    public void AnAuditorChangesNothing() =>
        RolePermissions.Of(RolePermissions.Auditor).ShouldNotContain(p => p == Permissions.LedgerWrite || p == Permissions.AccountsFreeze || p == Permissions.ReversalsApprove);

    [Fact]
    public void EveryRoleMayAskAboutItsOwnMoneyButOnlyAdminsOperateTheQuestions()
    {
        RolePermissions.AllRoles.ShouldAllBe(r => RolePermissions.Of(r).Contains(Permissions.NlpAsk));
        RolePermissions.AllRoles.Where(r => RolePermissions.Of(r).Contains(Permissions.NlpOperate)).ShouldBe([RolePermissions.Admin]);
    }

    [Fact]
    public void EveryMappedPermissionIsAPermission() =>
        RolePermissions.AllRoles.SelectMany(RolePermissions.Of).ShouldAllBe(p => Permissions.All.Contains(p));

    [Fact]
    public void RolesAddUp() =>
        RolePermissions.AllowedBy([RolePermissions.Customer, RolePermissions.Auditor])
            .ShouldBe(RolePermissions.Of(RolePermissions.Customer).Union(RolePermissions.Of(RolePermissions.Auditor)), ignoreOrder: true);

    [Fact]
    public void AnUnknownRoleAllowsNothing() => RolePermissions.AllowedBy(["wizard"]).ShouldBeEmpty();

    [Fact]
    public void GrantedScopesAreTheRequestedOnesTheRolesAllowPlusIdentityScopes() =>
        TokenPrincipals.Grantable(["openid", "offline_access", Permissions.LedgerRead, Permissions.UsersAdmin, "made:up"], [RolePermissions.Customer])
            .ShouldBe(["openid", "offline_access", Permissions.LedgerRead]);

    [Theory]
    [InlineData("/connect/authorize?x=1", "/connect/authorize?x=1")]
    [InlineData("https://evil.example/", "/account/signed-in")]
    [InlineData("//evil.example/", "/account/signed-in")]
    [InlineData("/\\evil.example/", "/account/signed-in")]
    [InlineData(null, "/account/signed-in")]
    public void OnlyLocalReturnUrlsAreFollowed(string? returnUrl, string expected) => SignInPages.SafeReturnUrl(returnUrl).ShouldBe(expected);
}
