// How a service is hosted here (AppOnKestrel, SidecarPorts, FreePorts) is shared with the other service tests in
// LedgerX.Testing.
global using LedgerX.Testing;
global using LedgerX.Gateway.IntegrationTests.Infrastructure;
