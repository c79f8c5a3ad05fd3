using LedgerX.Notifications.Api.Delivery;
using LedgerX.Notifications.Api.Intake;
using LedgerX.Testing;

namespace LedgerX.Notifications.UnitTests.Configuration;

/// <summary>Every setting of notification-service's core is in docs/configuration.md with the default the code has.</summary>
public sealed class SettingsAreDocumented
{
    [Fact]
    public void TheIntakeOptions() => ConfigurationDocs.AssertDocumented(typeof(IntakeOptions), IntakeOptions.Section);

    [Fact]
    public void TheDeliveryOptions() => ConfigurationDocs.AssertDocumented(typeof(DeliveryOptions), DeliveryOptions.Section);
}
