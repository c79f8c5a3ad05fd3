using LedgerX.LocalDapr.Invocation;
using LedgerX.LocalDapr.Resources;

namespace LedgerX.LocalDapr.Tests.Invocation;

/// <summary>
/// The decisions of a Configuration's <c>accessControl</c>, case by case as daprd's pkg/acl and its operation trie make
/// them (quirks included, so a policy that works here works under daprd). The wire (hops, errors) is in
/// <see cref="AccessControlInvocationTests"/>.
/// </summary>
public sealed class AccessControlPolicyTests
{
    private static readonly SpiffeId Fraud = new("public", "default", "fraud-service");
    private static readonly SpiffeId Analytics = new("public", "default", "analytics-service");

    private static AccessControlList Acl(string? defaultAction, params AppPolicySpec[] policies) =>
        AccessControlList.Build(new AccessControlSpec(defaultAction, null, policies), "config.yaml", appIsHttp: true)!;

    private static AppPolicySpec Policy(string appId, string? defaultAction, params AppOperationSpec[] operations) =>
        new(appId, defaultAction, "public", "default", operations);

    private static AppOperationSpec Op(string name, string action, params string[] verbs) => new(name, verbs, action);

    [Theory]
    [InlineData("api/v1/accounts/1", true)]                  // one segment under a final /*
    [InlineData("api/v1/accounts/1/freeze", false)]          // /* never spans two segments
    [InlineData("api/v1/reversals", true)]                   // an operation without wildcards ...
    [InlineData("api/v1/reversals/9/approve", true)]         // ... also covers every path below it
    [InlineData("api/v1/ledger/events/export", true)]        // /** covers everything below
    [InlineData("api/v2/holds/7", true)]                     // a glob inside a segment (/v*)
    [InlineData("api/v1/holds/7", false)]                    // no backtracking: the exact /v1 is taken, and has no /holds
    [InlineData("api/v1/movements", false)]                  // nothing matches: the policy's default (deny)
    [InlineData("API/V1/ACCOUNTS/1", true)]                  // HTTP operations compare in lower case
    [InlineData("api//v1/./accounts/x/../1/", true)]         // normalized as purell does before matching
    public void Operations_match_as_daprds_trie_matches_them(string operation, bool allowed)
    {
        var acl = Acl("deny", Policy("fraud-service", "deny",
            Op("/api/v1/accounts/*", "allow", "GET"),
            Op("/api/v1/reversals", "allow", "POST"),
            Op("/api/v1/ledger/**", "allow", "*"),
            Op("/api/v*/holds/*", "allow", "GET", "POST")));

        string verb = operation.Contains("reversals", StringComparison.Ordinal) ? "POST" : "GET";
        (acl.DenialOf(Fraud, operation, verb) is null).ShouldBe(allowed);
    }

    [Fact]
    public void A_mid_path_star_matches_nothing_but_a_glob_segment_does_as_in_daprd()
    {
        var acl = Acl("deny", Policy("fraud-service", "deny",
            Op("/accounts/*/freeze", "allow", "POST"),
            Op("/holds/*-*/void", "allow", "POST")));

        acl.DenialOf(Fraud, "accounts/123/freeze", "POST").ShouldNotBeNull();
        acl.DenialOf(Fraud, "holds/0b5e2b1c-8f4e-4b8a-9d6a-2f1e3c4d5a6b/void", "POST").ShouldBeNull();
        acl.DenialOf(Fraud, "holds/123/void", "POST").ShouldNotBeNull();
    }

    [Fact]
    public void The_verb_decides_then_the_wildcard_verb_then_the_policy_default()
    {
        var acl = Acl("deny", Policy("fraud-service", "allow",
            Op("/accounts/*", "deny", "DELETE"),
            Op("/reports", "deny", "*"),
            Op("/limits", "allow", "GET")));

        acl.DenialOf(Fraud, "accounts/1", "DELETE").ShouldNotBeNull();
        acl.DenialOf(Fraud, "accounts/1", "GET").ShouldBeNull();       // matched, verb not listed: the policy's allow
        acl.DenialOf(Fraud, "reports", "GET").ShouldNotBeNull();
        acl.DenialOf(Fraud, "limits", "PUT").ShouldBeNull();          // policy default allow
        acl.DenialOf(Fraud, "elsewhere", "POST").ShouldBeNull();      // no operation: policy default allow
    }

    [Fact]
    public void A_call_without_a_verb_to_a_matched_http_operation_takes_the_policys_own_default_even_when_empty()
    {
        var withDefault = Acl("deny", Policy("fraud-service", "allow", Op("/accounts/*", "allow", "GET")));
        var withoutDefault = Acl("allow", Policy("fraud-service", null, Op("/accounts/*", "allow", "GET")));

        withDefault.DenialOf(Fraud, "accounts/1", "NONE").ShouldBeNull();
        // daprd: action = appPolicy.DefaultAction, which is "" here, and "" is not allow.
        withoutDefault.DenialOf(Fraud, "accounts/1", "NONE").ShouldNotBeNull();
        // Unmatched operations fall back to the global default when the policy has none.
        withoutDefault.DenialOf(Fraud, "other", "GET").ShouldBeNull();
    }

    [Fact]
    public void Callers_without_identity_or_policy_or_with_another_trust_domain_or_namespace_get_the_global_default()
    {
        var acl = Acl("deny", Policy("fraud-service", "allow"));

        acl.DenialOf(Fraud, "anything", "GET").ShouldBeNull();
        acl.DenialOf(Analytics, "anything", "GET").ShouldNotBeNull();
        acl.DenialOf(null, "anything", "GET").ShouldNotBeNull();
        acl.DenialOf(Fraud with { TrustDomain = "elsewhere" }, "anything", "GET").ShouldNotBeNull();
        acl.DenialOf(Fraud with { Namespace = "staging" }, "anything", "GET").ShouldNotBeNull();
    }

    [Fact]
    public void Global_default_is_deny_when_policies_are_listed_or_absent_and_allow_for_an_empty_list()
    {
        AccessControlList.Build(new AccessControlSpec(null, null, null), "c.yaml", true).ShouldBeNull();
        AccessControlList.Build(new AccessControlSpec(null, null, []), "c.yaml", true).ShouldBeNull();
        AccessControlList.Build(new AccessControlSpec(null, "public", null), "c.yaml", true)!.DefaultAction.ShouldBe("deny");
        AccessControlList.Build(new AccessControlSpec(null, "public", []), "c.yaml", true)!.DefaultAction.ShouldBe("allow");
        AccessControlList.Build(new AccessControlSpec(null, null, [Policy("fraud-service", null)]), "c.yaml", true)!.DefaultAction.ShouldBe("deny");
        AccessControlList.Build(new AccessControlSpec("deny", null, []), "c.yaml", true)!.TrustDomain.ShouldBe("public");
    }

    [Fact]
    public void A_policy_without_trust_domain_namespace_or_app_id_is_daprds_startup_error()
    {
        var error = Should.Throw<ResourceException>(() => AccessControlList.Build(
            new AccessControlSpec("deny", null, [new AppPolicySpec("fraud-service", "allow", null, "default", []), new AppPolicySpec("analytics-service", "allow", "public", null, [])]),
            "config.yaml",
            appIsHttp: true));

        error.Message.ShouldBe("config.yaml: spec.accessControl.policies: invalid access control spec. missing trustdomain for apps: [fraud-service], missing namespace for apps: [analytics-service], missing app name on at least one of the app policies: false");
    }

    [Fact]
    public void For_a_grpc_app_the_operations_action_decides_and_case_matters()
    {
        var acl = AccessControlList.Build(
            new AccessControlSpec("deny", null, [Policy("fraud-service", "deny", Op("/ledger.Accounts/Freeze", "allow"))]),
            "c.yaml",
            appIsHttp: false)!;

        acl.DenialOf(Fraud, "/ledger.Accounts/Freeze", "NONE").ShouldBeNull();
        acl.DenialOf(Fraud, "/ledger.accounts/freeze", "NONE").ShouldNotBeNull();
        acl.DenialOf(Fraud, "/ledger.Accounts/Close", "NONE").ShouldBe("access control policy has denied access to appid: fraud-service operation: /ledger.Accounts/Close verb: NONE");
    }

    [Fact]
    public void The_first_listed_sibling_wins_so_a_wildcard_before_an_exact_operation_shadows_it()
    {
        var acl = Acl("deny", Policy("fraud-service", "deny",
            Op("/accounts/*", "allow", "GET"),
            Op("/accounts/closed", "deny", "GET")));

        acl.DenialOf(Fraud, "accounts/closed", "GET").ShouldBeNull();
    }
}
