// How a service is hosted here (AppOnKestrel, SidecarPorts, FreePorts, TestTokens) is shared with the other service
// tests in LedgerX.Testing; every test names those as freely as the fixtures in this folder.
global using LedgerX.Testing;
