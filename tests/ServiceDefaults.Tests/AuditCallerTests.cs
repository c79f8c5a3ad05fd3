using System.Security.Claims;
using LedgerX.ServiceDefaults.Audit;
using LedgerX.ServiceDefaults.Auth;
using Microsoft.AspNetCore.Http;

namespace LedgerX.ServiceDefaults.Tests;

/// <summary>Who an audit event names as the actor of a request.</summary>
public sealed class AuditCallerTests
{
    private static DefaultHttpContext Request(ClaimsPrincipal? user = null, params string[] callerApps)
    {
        var http = new DefaultHttpContext();
        if (user is not null)
        {
            http.User = user;
        }
        if (callerApps.Length > 0)
        {
            http.Request.Headers[AuditCaller.DaprCallerHeader] = callerApps;
        }
        return http;
    }

    private static ClaimsPrincipal Token(string subject, string clientId) =>
        new(new ClaimsIdentity([new Claim(LedgerXClaims.Subject, subject), new Claim(LedgerXClaims.ClientId, clientId)], authenticationType: "Bearer"));

    [Fact]
    public void TheTokensUser_ComesFirst_EvenThroughAnotherApp() =>
        AuditCaller.Of(Request(Token("user-1", "ledgerx-cli"), "gateway")).ShouldBe(new AuditActor("user", "user-1"));

    [Fact]
    public void AClientActingForItself_IsAClient() =>
        AuditCaller.Of(Request(Token("machine", "machine"))).ShouldBe(new AuditActor("client", "machine"));

    [Fact]
    public void WithoutAToken_TheCallingAppIsTheActor() =>
        AuditCaller.Of(Request(callerApps: "fraud-service")).ShouldBe(AuditActor.Service("fraud-service"));

    [Theory]
    [InlineData("fraud service")]
    [InlineData("-leading-dash")]
    [InlineData("fraud-service\n")]
    public void AHeaderNoSidecarWouldSend_IsAnonymous(string header) =>
        AuditCaller.Of(Request(callerApps: header)).ShouldBe(AuditActor.Anonymous);

    [Fact]
    public void TwoCallerHeaders_AreAnonymous() =>
        AuditCaller.Of(Request(callerApps: ["a", "b"])).ShouldBe(AuditActor.Anonymous);

    [Fact]
    public void NoTokenAndNoHeader_IsAnonymous() => AuditCaller.Of(Request()).ShouldBe(AuditActor.Anonymous);

    [Fact]
    public void ALongDetail_IsCutToWhatTheSchemaAllows()
    {
        AuditCaller.Detail(new string('x', 5000)).Length.ShouldBe(AuditRecordedRules.MaxDetailLength);
        AuditCaller.Detail("short").ShouldBe("short");
    }
}
